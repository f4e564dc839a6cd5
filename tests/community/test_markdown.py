"""Tests for core.markdown: rendering, sanitisation, mentions, hostile input."""

import re
import time
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    MAX_BODY_CHARS,
    MAX_MENTIONS,
    MAX_RENDER_CHARS,
    clean_text,
    find_mentions,
    render_markdown,
)
from tests.security.payloads import load_payloads

PAYLOADS = load_payloads()


def profile_url(name: str) -> str | None:
    return None if name == "ghost" else f"/u/{name}/"


# --- the checker -----------------------------------------------------------------

_SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.-]*):")
_URL_JUNK_RE = re.compile(
    r"[\s\x00-\x20\x7f-\x9f\xad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)
_ALLOWED_ATTRS = {tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()}
_ALLOWED_ATTRS["a"] |= {"rel", "class"}  # rel is added by the sanitiser, class for mentions


class _Checker(HTMLParser):
    """Collects every way the HTML breaks the allow-list (parsed, not pattern-matched)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name not in _ALLOWED_ATTRS.get(tag, set()):
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "class" and value != "mention":
                self.problems.append(f"class {value!r}")
            if name == "rel" and value != "nofollow ugc noopener":
                self.problems.append(f"rel {value!r}")
            if name in ("href", "src"):
                self._check_url(tag, name, value)

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"end tag </{tag}>")

    def _check_url(self, tag, name, value):
        # Attribute values arrive HTML-unescaped once (as in a browser); be stricter
        # than a browser and also percent-decode before looking for a scheme.
        for candidate in (value, unquote(value)):
            url = _URL_JUNK_RE.sub("", candidate).lower()
            if tag == "img":
                if not url.startswith("https://"):
                    self.problems.append(f"img src {value!r}")
            else:
                scheme = _SCHEME_RE.match(url)
                if scheme and scheme.group(1) not in ("http", "https", "mailto"):
                    self.problems.append(f"{name} {value!r}")


def html_problems(rendered: str) -> list[str]:
    checker = _Checker()
    checker.feed(rendered)
    checker.close()
    return checker.problems


def assert_safe(rendered: str, source: str = "") -> None:
    problems = html_problems(rendered)
    assert not problems, f"{problems}\nsource: {source!r}\nhtml: {rendered!r}"


def test_checker_catches_unsafe_html():
    # The checker itself must not be a no-op.
    assert html_problems('<img src="x" onerror="alert(1)">')
    assert html_problems("<script>alert(1)</script>")
    assert html_problems('<a href="jav&#x09;ascript:alert(1)">x</a>')
    assert html_problems('<a href="%6Aavascript:alert(1)">x</a>')
    assert html_problems('<img src="http://example.com/a.png">')
    assert html_problems('<p style="color:red">x</p>')
    assert not html_problems('<p><a href="https://e.com/" rel="nofollow ugc noopener">x</a></p>')


# --- basic rendering -------------------------------------------------------------


def test_commonmark_basics():
    out = render_markdown("Hello *world* and **bold** and `code`\n\n---\n\n- a\n- b")
    assert "<em>world</em>" in out
    assert "<strong>bold</strong>" in out
    assert "<code>code</code>" in out
    assert "<hr>" in out
    assert "<ul>\n<li>a</li>\n<li>b</li>\n</ul>" in out


def test_code_block_escapes_content():
    out = render_markdown("```python\nif a < b and c > d: print('<b>')\n```")
    assert out.startswith("<pre><code>")  # language class is dropped
    assert "&lt;b&gt;" in out
    assert "<b>" not in out


def test_blockquote_and_ordered_list_start():
    out = render_markdown("> quoted\n\n3. three\n4. four")
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in out
    assert '<ol start="3">' in out


def test_strikethrough_and_table():
    out = render_markdown("~~gone~~\n\n| a | b |\n|:--|--:|\n| 1 | 2 |")
    assert "<s>gone</s>" in out
    assert "<table>" in out and "<th>a</th>" in out and "<td>2</td>" in out
    assert "style" not in out  # alignment styles are not passed through


def test_headings_are_shifted_down_two_levels():
    out = render_markdown("# One\n\n## Two\n\n###### Six")
    assert "<h3>One</h3>" in out
    assert "<h4>Two</h4>" in out
    assert "<h6>Six</h6>" in out
    assert "<h1>" not in out and "<h2>" not in out


def test_empty_and_whitespace():
    assert render_markdown("") == ""
    assert render_markdown("   \n\n  ") == ""


def test_hard_line_break():
    assert "<br>" in render_markdown("line one  \nline two")


# --- raw HTML and links ----------------------------------------------------------


def test_raw_html_is_escaped_not_passed_through():
    out = render_markdown('<b>bold</b> <script>alert(1)</script> <img src=x onerror="alert(1)">')
    assert "<b>" not in out and "<script" not in out and "<img" not in out
    assert "&lt;b&gt;bold&lt;/b&gt;" in out
    assert "&lt;script&gt;" in out


def test_html_block_is_escaped():
    out = render_markdown("<div onclick='x'>\nhello\n</div>")
    assert "<div" not in out
    assert "&lt;div" in out


def test_links_get_rel_and_keep_title():
    out = render_markdown('[site](https://example.com/a?b=1&c=2 "The title")')
    assert out == (
        '<p><a href="https://example.com/a?b=1&amp;c=2" title="The title" '
        'rel="nofollow ugc noopener">site</a></p>'
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/",
        "https://example.com/x",
        "mailto:someone@example.com",
        "/t/42/",
        "#top",
    ],
)
def test_allowed_link_targets(url):
    out = render_markdown(f"[x]({url})")
    assert 'href="' in out


def test_autolinks():
    out = render_markdown("<https://example.com/> and <someone@example.com>")
    assert 'href="https://example.com/"' in out
    assert 'href="mailto:someone@example.com"' in out


def test_plain_urls_are_not_linkified():
    assert "<a" not in render_markdown("see https://example.com/ today")


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](javascript&colon;alert(1))",
        "[x](jav&#x09;ascript:alert(1))",
        "[x](java\x00script:alert(1))",
        "[x](%6Aavascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](file:///etc/passwd)",
        "[x](java\u200dscript:alert(1))",
        "<javascript:alert(1)>",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "![x](javascript:alert(1))",
        "![x](data:image/svg+xml;base64,PHN2Zz4=)",
        "![x][r]\n\n[r]: vbscript:msgbox(1)",
    ],
)
def test_dangerous_link_schemes_never_produce_a_link(source):
    out = render_markdown(source)
    assert_safe(out, source)
    assert "href" not in out and "<img" not in out


def test_images_https_only():
    out = render_markdown('![a cat](https://example.com/cat.png "Cat")')
    assert out == '<p><img src="https://example.com/cat.png" alt="a cat" title="Cat"></p>'


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/cat.png",
        "//example.com/cat.png",
        "/media/cat.png",
        "data:image/png;base64,iVBORw0KGgo=",
        "https:cat.png",
    ],
)
def test_non_https_images_become_alt_text(url):
    out = render_markdown(f"![a *cat*]({url})")
    assert "<img" not in out
    assert out == "<p>a cat</p>"


def test_image_inside_link_keeps_both_checks():
    out = render_markdown("[![pic](http://e.com/a.png)](https://e.com/)")
    assert out == '<p><a href="https://e.com/" rel="nofollow ugc noopener">pic</a></p>'


def test_attribute_breakout_attempts_are_escaped():
    out = render_markdown('[x](https://e.com/ "a\\" onmouseover=\\"alert(1)")')
    assert_safe(out)
    assert 'title="a&quot; onmouseover=&quot;alert(1)"' in out


# --- invisible characters -------------------------------------------------------


def test_control_characters_are_stripped():
    assert clean_text("a\x00b\x01c\x1fd\x7fe\x85f\x9fg") == "abcdefg"
    assert clean_text("keep\ttabs\nand newlines") == "keep\ttabs\nand newlines"


def test_carriage_returns_become_newlines():
    assert clean_text("a\r\nb\rc") == "a\nb\nc"
    assert render_markdown("a\r\rb") == "<p>a</p>\n<p>b</p>"


def test_bidi_overrides_and_zero_width_are_stripped():
    text = "\u202egnp.exe\u202c \u2066x\u2069 zero\u200bwidth\u2060\ufeff"
    assert clean_text(text) == "gnp.exe x zerowidth"
    out = render_markdown(text)
    assert not re.search("[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]", out)


def test_joiners_and_marks_are_kept():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # emoji ZWJ sequence
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # needs ZWNJ
    assert clean_text(family) == family
    assert clean_text(persian) == persian
    assert clean_text("abc\u200fdef") == "abc\u200fdef"


def test_lone_surrogates_do_not_crash():
    assert render_markdown("a\ud800b") == "<p>ab</p>"


def test_nul_in_scheme_does_not_sneak_through():
    out = render_markdown("[x](java\x00script:alert(1)) ![y](java\x00script:alert(1))")
    assert "href" not in out and "<img" not in out


# --- mentions -------------------------------------------------------------------


def test_find_mentions_basic_order_and_distinct():
    text = "Hi @bob and @alice_1, also @bob again and @Carol.Dee."
    assert find_mentions(text) == ["bob", "alice_1", "Carol.Dee"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@bob", ["bob"]),
        ("(@bob)", ["bob"]),
        ("@bob, @b-o+b.x_y", ["bob", "b-o+b.x_y"]),
        ("thanks @bob.", ["bob"]),
        ("thanks @bob...", ["bob"]),
        ("mail bob@example.com", []),
        ("https://social.example/@bob", []),
        ("@", []),
        ("@.", []),
        ("@@bob", []),
        ("x" * 3 + "@bob", []),
        ("@" + "a" * 150, ["a" * 150]),
        ("@" + "a" * 151, []),
        ("é@bob", []),
        ("*@bob*", ["bob"]),
        ("`@bob`", []),
        ("```\n@bob\n```", []),
        ("    @bob", []),
        ("[@bob](https://e.com/)", []),
        ("![@bob](https://e.com/a.png)", []),
        ("<mailto:x@bob>", []),
        ("> @bob\n\n- @alice", ["bob", "alice"]),
        ("@bob\u200b", ["bob"]),
    ],
)
def test_find_mentions_cases(text, expected):
    assert find_mentions(text) == expected


def test_find_mentions_capped():
    text = " ".join(f"@user{i}" for i in range(50))
    assert find_mentions(text) == [f"user{i}" for i in range(MAX_MENTIONS)]


def test_render_links_mentions():
    out = render_markdown("hi @bob, see @ghost and `@code`", mention_url=profile_url)
    assert out == (
        '<p>hi <a href="/u/bob/" class="mention" rel="nofollow ugc noopener">@bob</a>, '
        "see @ghost and <code>@code</code></p>"
    )


def test_render_without_mention_url_leaves_text():
    assert render_markdown("hi @bob") == "<p>hi @bob</p>"


def test_mention_with_trailing_dot_and_surrounding_text():
    out = render_markdown("ask @bob.", mention_url=profile_url)
    assert out.endswith('">@bob</a>.</p>')
    out = render_markdown("a @bob b @bob c", mention_url=profile_url)
    assert out.count('class="mention"') == 2
    assert out.startswith("<p>a <a") and out.endswith("</a> c</p>")


def test_mentions_not_linked_inside_links():
    out = render_markdown("[hi @bob](https://e.com/)", mention_url=profile_url)
    assert "mention" not in out


def test_mentions_not_linked_in_image_alt_text():
    for source in ("![@bob](http://e.com/a.png)", "![@bob](https://e.com/a.png)"):
        out = render_markdown(source, mention_url=profile_url)
        assert "mention" not in out
        assert find_mentions(source) == []


def test_mention_url_called_once_per_name_and_capped():
    calls = []

    def lookup(name):
        calls.append(name)
        return f"/u/{name}/"

    text = "@a @a\n\n@a " + " ".join(f"@n{i}" for i in range(40))
    out = render_markdown(text, mention_url=lookup)
    assert calls == ["a"] + [f"n{i}" for i in range(MAX_MENTIONS - 1)]
    assert out.count('class="mention"') == 3 + MAX_MENTIONS - 1
    assert find_mentions(text) == calls


def test_mention_url_output_is_escaped_and_sanitised():
    out = render_markdown("@bob", mention_url=lambda n: '/u/"><script>alert(1)</script>')
    assert_safe(out)
    assert "<script" not in out
    out = render_markdown("@bob", mention_url=lambda n: "javascript:alert(1)")
    assert_safe(out)
    assert "javascript" not in out


# --- hostile corpus -------------------------------------------------------------


def test_corpus_is_large_and_varied():
    assert len(PAYLOADS) >= 200
    joined = "\n".join(PAYLOADS)
    for needle in (
        "<script",
        "onerror",
        "javascript:",
        "vbscript:",
        "data:",
        "<svg",
        "<math",
        "<iframe",
        "<style",
        "<meta",
        "<base",
        "\x00",
        "\u202e",
        "&#106;",
        "%6A",
    ):
        assert needle in joined, needle


def _wrappings(payload: str) -> list[str]:
    return [
        payload,
        f"[{payload}](https://example.com/)",
        f"[x]({payload})",
        f"[x](<{payload}>)",
        f"![{payload}](https://example.com/a.png)",
        f"![x]({payload})",
        f"<{payload}>",
        f"[x][r]\n\n[r]: {payload}",
        f"![x][r]\n\n[r]: {payload}",
        f"> {payload}\n\n| {payload} |\n|---|\n| @bob {payload} |",
    ]


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_hostile_payloads_render_safely(payload):
    for source in _wrappings(payload):
        assert_safe(render_markdown(source), source)
        assert_safe(render_markdown(source, mention_url=profile_url), source)


def test_hostile_payloads_leave_no_invisible_characters():
    for payload in PAYLOADS:
        out = render_markdown(payload)
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out)


# --- pathological input ---------------------------------------------------------


# Wall-clock bounds here only catch a hang or a quadratic blow-up (minutes, not
# milliseconds): CI shares two cores with other work, and speed is the benchmarks' job.
NEVER_HANGS = 10.0


def _timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


@pytest.mark.parametrize(
    "text",
    [
        ">" * 10_000,
        "[" * 10_000,
        "*" * 10_000,
        "_" * 10_000,
        "`" * 10_000,
        "![" * 5_000,
        "- " * 5_000 + "x",
        "".join("  " * i + "- x\n" for i in range(500)),
        "[a](" * 2_500,
        "*a **" * 2_000,
        "@a " * 5_000,
    ],
    ids=lambda t: repr(t[:8]),
)
def test_pathological_nesting_is_fast(text):
    assert _timed(render_markdown, text, profile_url) < NEVER_HANGS
    assert _timed(find_mentions, text) < NEVER_HANGS


@pytest.mark.parametrize("unit", ["[", "![", "*a", "a\n", "@a ", "|x|y|\n", "> [x](y) "])
def test_max_body_is_fast(unit):
    # Worst cases measured at ~0.4-0.6 s ("[" and "![" runs).
    text = unit * (MAX_BODY_CHARS // len(unit))
    assert _timed(render_markdown, text, profile_url) < NEVER_HANGS
    assert _timed(find_mentions, text) < NEVER_HANGS


def test_deep_blockquote_nesting_is_cut_off():
    out = render_markdown(">" * 10_000 + " deep")
    assert out.count("<blockquote>") <= 25


@pytest.mark.parametrize("unit", ["[", "![", "a\n", "<script>alert(1)</script>\n\n"])
def test_one_megabyte_body_finishes(unit):
    text = unit * (1_000_000 // len(unit))
    start = time.perf_counter()
    out = render_markdown(text, mention_url=profile_url)
    assert time.perf_counter() - start < NEVER_HANGS
    assert len(text) > MAX_RENDER_CHARS
    assert_safe(out)
    assert find_mentions(text) == []


def test_over_limit_body_is_shown_as_escaped_text():
    text = "# not a heading <b>x</b>\nline two\n\nsecond paragraph\n\n" + "x" * MAX_RENDER_CHARS
    out = render_markdown(text)
    assert out.startswith("<p># not a heading &lt;b&gt;x&lt;/b&gt;<br>line two</p>\n<p>second")
    assert "<p>second paragraph</p>" in out
    assert out.endswith("x</p>")


# --- property tests -------------------------------------------------------------

# Strings built from Markdown punctuation and URL fragments reach far more parser
# states than uniformly random text.
_markdownish = st.lists(
    st.sampled_from(
        list("<>[]()!*_`~#-+=|:;/\\\"'&@.%\n\t ")
        + ["javascript:", "https://", "&#", "x", "é", "\u202e"]
    ),
    max_size=300,
).map("".join)
_hostile = st.builds(
    lambda a, p, b: a + p + b, st.text(max_size=50), st.sampled_from(PAYLOADS), st.text(max_size=50)
)
_property_settings = settings(
    deadline=None, max_examples=150, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@_property_settings
@given(st.one_of(st.text(), _markdownish, _hostile))
def test_property_never_raises_and_is_safe(text):
    start = time.perf_counter()
    out = render_markdown(text, mention_url=profile_url)
    assert time.perf_counter() - start < NEVER_HANGS
    assert isinstance(out, str)
    assert_safe(out, text)


@_property_settings
@given(st.one_of(st.text(), _markdownish))
def test_property_mentions_are_valid_usernames(text):
    names = find_mentions(text)
    assert len(names) == len(set(names)) <= MAX_MENTIONS
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9_.+-]{1,150}", name)
        assert not name.endswith(".")
        assert "@" + name in clean_text(text)


@_property_settings
@given(st.lists(_markdownish, min_size=1, max_size=5).map("\n\n".join))
def test_property_rendering_is_deterministic(text):
    assert render_markdown(text) == render_markdown(text)
