"""Render member-written Markdown to safe HTML, and find @mentions in it.

Pure module (no Django import) so it can be tested without a database.

Pipeline: strip invisible/control characters -> parse CommonMark with raw HTML
disabled -> adjust the token stream (headings, images, mentions) -> render ->
sanitise with nh3 on an explicit allow-list. The sanitiser is the security
boundary; everything before it only makes the output nicer or stricter.
"""

import html
import re
from collections.abc import Callable
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from core.text import clean_text

__all__ = ["clean_text", "find_mentions", "markup_cost", "render_markdown", "too_costly"]

# Longest body a form should accept. Enforced by callers (forms/actions), not here.
# markdown-it-py parses ordinary prose at ~1-2 us a character, so 10,000 characters
# (some 1,700 words, Reddit's limit for a comment) render in ~15 ms.
MAX_BODY_CHARS = 10_000
# What a render may cost, in the rough microseconds of `markup_cost`: markup characters
# cost the parser far more than letters (a link opener ~40 us, an emphasis mark ~20 us:
# 50 kB of "![" took 2.4 s). A body over this budget is refused by the forms and, if it
# is in the database anyway, shown as escaped plain text: every render stays near 50 ms.
MAX_MARKUP_COST = 30_000
# Anything longer than this (legacy or imported data) is shown as escaped plain text
# without being parsed: nothing is lost and rendering never takes seconds.
MAX_RENDER_CHARS = 5 * MAX_BODY_CHARS
# A post notifies (and links) at most this many distinct members: bounds the
# lookups per render and stops one post pinging a whole community.
MAX_MENTIONS = 20
# Blocks nested deeper than this (`>>>>...`, lists in lists) are cut off; keeps
# parsing and the browser's layout of the result cheap.
MAX_NESTING = 20
# The page already uses h1/h2 for the site and the thread title, so a member's
# "# Heading" becomes <h3>.
HEADING_OFFSET = 2

ALLOWED_TAGS = frozenset(
    {"p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote"}
    | {"ul", "ol", "li", "a", "img", "h1", "h2", "h3", "h4", "h5", "h6"}
    | {"table", "thead", "tbody", "tr", "th", "td"}
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
}
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

# Control, bidi-override and invisible characters are removed before parsing by the
# one cleaning rule of every field (core.text.clean_text).
# `@name` not glued to a word, e-mail address or URL path (so "bob@example.com"
# and "https://host/@bob" are not mentions). Trailing dots are sentence punctuation.
_MENTION_RE = re.compile(r"(?<![\w@./+-])@([A-Za-z0-9_.+-]+)")
_SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.-]*):")
# Whitespace, controls and invisible format characters: some clients drop them
# inside URLs, so they must not be able to split a scheme name.
_URL_JUNK_RE = re.compile(
    r"[\s\x00-\x20\x7f-\x9f\xad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)

# Weights of `markup_cost`, measured on this parser (us per character, rounded up).
_MARK_WEIGHTS = {"[": 40, "]": 40, "|": 40, "@": 35, "\n": 25}
_MARKS_RE = re.compile(r"[\[\]|@\n]")
# A line that opens a list item or a quote: the block parser tries every rule on it.
_ITEM_RE = re.compile(r"^[ \t]*(?:[-+*>]|\d{1,9}[.)])", re.MULTILINE)
_INLINE_MARKS_RE = re.compile(r"[*_~&<`!\\#>]")

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "maxNesting": MAX_NESTING})
_md.enable(["strikethrough", "table"], ignoreInvalid=True)


def markup_cost(text: str) -> int:
    """A rough estimate, in microseconds, of what rendering ``text`` costs: a character,
    plus ~40 for each link or table mark, ~35 for a mention, ~25 for a line and ~60 more
    for a list item or quote, ~15 for each other inline mark."""
    marks = sum(_MARK_WEIGHTS[mark] for mark in _MARKS_RE.findall(text))
    items = 60 * len(_ITEM_RE.findall(text))
    return len(text) + marks + items + 15 * len(_INLINE_MARKS_RE.findall(text))


def too_costly(text: str) -> bool:
    """Whether ``text`` (already cleaned) is over the render budget, and so refused by the
    forms and shown as plain text. Checked cheaply: the length first, then the marks."""
    return len(text) > MAX_RENDER_CHARS or markup_cost(text) > MAX_MARKUP_COST


def render_markdown(text: str, mention_url: Callable[[str], str | None] | None = None) -> str:
    """Return sanitised HTML for member-written Markdown.

    `mention_url(username)` returns the profile URL for a member, or None if there
    is no such member; when given, the first MAX_MENTIONS distinct `@name`s outside
    code and links become `<a class="mention">` links.
    """
    text = clean_text(text)
    if too_costly(text):
        return _plain_text_html(text)
    tokens = _md.parse(text)
    mention_urls: dict[str, str | None] = {}  # one lookup per name, shared by all blocks
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + HEADING_OFFSET, 6)}"
        elif token.type == "inline" and token.children:
            token.children = _drop_unsafe_images(token.children)
            if mention_url is not None:
                token.children = _link_mentions(token.children, mention_url, mention_urls)
    return _sanitise(_md.renderer.render(tokens, _md.options, {}))


def find_mentions(text: str) -> list[str]:
    """Distinct usernames mentioned as `@name`, outside code and links, in order.

    Exactly the names render_markdown would link (at most MAX_MENTIONS). Names are
    returned as written; the caller decides whether lookup is case-insensitive.
    """
    text = clean_text(text)
    if too_costly(text):
        return []
    names: list[str] = []
    for token in _md.parse(text):
        if token.type == "inline" and token.children:
            for child in _unlinked_text(token.children):
                for name in _names_in(child.content):
                    if name not in names:
                        if len(names) == MAX_MENTIONS:
                            return names
                        names.append(name)
    return names


def _names_in(content: str) -> list[str]:
    names = []
    for match in _MENTION_RE.finditer(content):
        name = match.group(1).rstrip(".")
        if 1 <= len(name) <= 150:
            names.append(name)
    return names


def _unlinked_text(children: list[Token]) -> list[Token]:
    """Text tokens outside links (a mention link must not nest in a link)."""
    depth, found = 0, []
    for child in children:
        if child.type == "link_open":
            depth += 1
        elif child.type == "link_close":
            depth -= 1
        elif child.type == "text" and depth == 0 and not child.meta.get("image_alt"):
            found.append(child)
    return found


def _link_mentions(
    children: list[Token], mention_url: Callable[[str], str | None], urls: dict[str, str | None]
) -> list[Token]:
    """Split unlinked text tokens around mentions whose lookup gives a URL."""
    unlinked = {id(t) for t in _unlinked_text(children)}
    result: list[Token] = []
    for child in children:
        if id(child) not in unlinked:
            result.append(child)
            continue
        pos = 0
        content = child.content
        for match in _MENTION_RE.finditer(content):
            name = match.group(1).rstrip(".")
            if not 1 <= len(name) <= 150:
                continue
            if name not in urls:
                # Names past the cap are left as plain text without a lookup.
                urls[name] = mention_url(name) if len(urls) < MAX_MENTIONS else None
            url = urls[name]
            if not url:
                continue
            end = match.start() + 1 + len(name)
            if match.start() > pos:
                result.append(_text(content[pos : match.start()]))
            # Attributes and text are escaped by the renderer and checked by nh3.
            result.append(Token("link_open", "a", 1, attrs={"href": url, "class": "mention"}))
            result.append(_text("@" + name))
            result.append(Token("link_close", "a", -1))
            pos = end
        if pos == 0:
            result.append(child)
        elif pos < len(content):
            result.append(_text(content[pos:]))
    return result


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)


def _drop_unsafe_images(children: list[Token]) -> list[Token]:
    """Images load without a click, so only https ones are shown (no mixed content,
    no data: URLs); any other image is replaced by its alt text."""
    result = []
    for child in children:
        if child.type == "image" and not _is_https(str(child.attrs.get("src", ""))):
            alt = _md.renderer.renderInlineAsText(child.children or [], _md.options, {})
            child = _text(alt)
            child.meta["image_alt"] = True  # alt text never holds mentions, shown or not
        result.append(child)
    return result


def _is_https(url: str) -> bool:
    return _normalise_url(url).startswith("https://")


def _normalise_url(url: str) -> str:
    """The URL as a lenient client might read it: decoded and without whitespace."""
    return _URL_JUNK_RE.sub("", unquote(html.unescape(url))).lower()


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    # nh3 already checks schemes; this also catches schemes hidden behind percent-
    # or entity-encoding or whitespace, in case some client decodes them.
    if attr == "src":
        return value if tag == "img" and _is_https(value) else None
    if attr == "href":
        scheme = _SCHEME_RE.match(_normalise_url(value))
        if scheme and scheme.group(1) not in LINK_SCHEMES:
            return None
    return value


def _sanitise(rendered: str) -> str:
    cleaned = nh3.clean(
        rendered,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes=set(LINK_SCHEMES),
        allowed_classes={"a": {"mention"}},
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return cleaned.strip()  # the renderer's trailing newline is noise in templates


def _plain_text_html(text: str) -> str:
    # Everything is escaped, so this needs no sanitiser pass (which would cost
    # seconds on a megabyte of <br>s).
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "\n".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
