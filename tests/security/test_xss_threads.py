"""Hostile input through thread titles, post bodies (pages, fragments, search, feed) and
bios (render_markdown): nothing comes back live.

"Live" means something a browser would run or load: a <script> that is not our own
static file, an event-handler or style attribute, an active element (iframe, object,
embed, svg, math, style, base, form, meta), or a URL attribute whose scheme is not
http(s), mailto or relative, judged after the decoding a lenient browser would do.
"""

import html
import re
from html.parser import HTMLParser
from urllib.parse import unquote
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.urls import reverse

from community import actions
from community.models import Post
from core.markdown import render_markdown, too_costly
from tests.factories import CommunityFactory, MembershipFactory
from tests.security.payloads import load_payloads

pytestmark = pytest.mark.django_db

ACTIVE_TAGS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "style",
    "base", "form", "meta", "link", "audio", "video", "source", "template", "xml",
    "isindex", "marquee", "noscript",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}
ATOM = "{http://www.w3.org/2005/Atom}"
SAFE_SCHEMES = {"http", "https", "mailto"}
_JUNK = re.compile(r"[\s\x00-\x20\x7f-\x9f\xad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")
# The site's own pictures of members (members/templatetags/avatars.py): same origin.
_AVATAR = re.compile(r"^/(avatars/[^/?#]+-[0-9]\.svg|u/[^/?#]+/avatar/[0-9a-f]{16}\.webp)$")


class LiveContentFinder(HTMLParser):
    """Collects every live thing in a page outside the site's own chrome."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            src = attributes.get("src") or ""
            if not src.startswith("/static/") or "nonce" not in attributes:
                self.problems.append(f"script {attrs}")
        elif tag == "link" and attributes.get("rel") in {"stylesheet", "alternate", "icon"}:
            pass  # the site's own <head>: checked by the URL rules below
        elif tag == "meta" and set(attributes) <= {"charset", "name", "content"}:
            if attributes.get("name") not in {None, "viewport", "color-scheme", "htmx-config"}:
                self.problems.append(f"meta {attrs}")
        elif tag == "form":
            pass  # our own forms: their action is checked below
        elif tag in ACTIVE_TAGS:
            self.problems.append(f"active element <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"attribute {name}={value!r} on <{tag}>")
            if name in URL_ATTRIBUTES and value:
                plain = _JUNK.sub("", unquote(html.unescape(value))).lower()
                match = _SCHEME.match(plain)
                if match and match.group(1) not in SAFE_SCHEMES:
                    self.problems.append(f"{name}={value!r} on <{tag}>")
                own_avatar = attributes.get("class") == "avatar" and _AVATAR.match(value)
                remote = tag == "img" and name == "src" and not plain.startswith("https://")
                if remote and not own_avatar:
                    self.problems.append(f"non-https image {value!r}")


def live_content(page: str) -> list[str]:
    finder = LiveContentFinder()
    finder.feed(page)
    finder.close()
    return finder.problems


def usable(payload: str) -> str:
    """The payload, or a stand-in where cleaning leaves nothing (an empty post is refused);
    a payload over the markup budget (refused by the forms) is cut to the longest start
    that a post may hold, so its markup still reaches the page."""
    if not actions.clean_body(payload).strip():
        return "(blank)"
    while too_costly(actions.clean_body(payload)):
        payload = payload[: len(payload) * 3 // 4]
    return payload if actions.clean_body(payload).strip() else "(blank)"


@pytest.fixture(scope="module")
def payloads():
    corpus = load_payloads()
    assert len(corpus) >= 200
    return corpus


def test_checker_catches_live_content():
    assert live_content("<p onclick=x>a</p>")
    assert live_content('<a href="jav&#x09;ascript:alert(1)">x</a>')
    assert live_content("<svg><script>1</script></svg>")
    assert live_content('<img src="http://x/y.png">')
    assert live_content('<img class="avatar" src="/avatars/x.svg?http://x">')
    assert not live_content('<img class="avatar" src="/avatars/%3F-3.svg">')
    assert not live_content('<a href="https://x.org" rel="nofollow">x</a><img src="https://x/y">')


def test_render_markdown_leaves_no_payload_live_for_bios_and_posts(payloads):
    for payload in payloads:
        for mention_url in (None, lambda name: f"/u/{name}/"):
            rendered = render_markdown(payload, mention_url=mention_url)
            assert live_content(rendered) == [], (payload, rendered)


def test_thread_pages_leave_no_payload_live(payloads):
    community = CommunityFactory(slug="xss", name="XSS")
    author = MembershipFactory(community=community, user__username="bob").user
    host = actions.check_create_thread(
        actor=author, community=community, title="Corpus", body="Hostile replies below"
    )
    root = Post.objects.get(thread=host)
    titled = []
    for index, payload in enumerate(payloads):
        actions.check_reply(
            actor=author,
            thread=host,
            parent_id=root.pk,
            body=usable(payload),
            client_token=f"reply-{index}",
        )
        title = actions.clean_title(payload)[:200]
        if title:
            titled.append(
                actions.check_create_thread(
                    actor=author, community=community, title=title, body=usable(payload)
                )
            )
    client = Client()
    client.force_login(author)
    pages = [
        client.get(host.get_absolute_url()),
        client.get(host.get_absolute_url(), {"after": root.path + "000100"}),
        client.get(reverse("community:thread_list", kwargs={"slug": "xss"})),
        client.get(reverse("community:feed", kwargs={"slug": "xss"})),
        client.get(reverse("search"), {"q": "script"}),
        client.get(reverse("search"), {"q": "alert"}),
        client.get(reverse("notifications:index")),
    ]
    pages += [client.get(thread.get_absolute_url()) for thread in titled]
    for response in pages:
        assert response.status_code == 200
        text = response.content.decode()
        if response["Content-Type"].startswith("application/atom+xml"):
            # A feed reader unescapes each summary once and renders it as HTML.
            feed = ElementTree.fromstring(response.content)  # noqa: S314 (our own output)
            summaries = feed.iter(f"{ATOM}summary")
            for summary in summaries:
                assert live_content(summary.text or "") == [], summary.text
            continue
        assert live_content(text) == [], response.request
    assert len(titled) >= 200


def test_htmx_reply_and_preview_fragments_leave_no_payload_live(payloads):
    community = CommunityFactory(slug="frag")
    author = MembershipFactory(community=community).user
    thread = actions.check_create_thread(actor=author, community=community, title="T", body="x")
    root = Post.objects.get(thread=thread)
    client = Client()
    client.force_login(author)
    reply_url = reverse("community:reply", kwargs={"slug": "frag", "thread_id": thread.pk})
    preview_url = reverse("community:preview", kwargs={"slug": "frag"})
    for index, payload in enumerate(payloads[:250]):
        body = usable(payload)
        posted = client.post(
            reply_url,
            {"parent": root.pk, "body": body, "token": f"t{index}"},
            headers={"HX-Request": "true"},
        )
        preview = client.post(preview_url, {"body": body}, headers={"HX-Request": "true"})
        for response in (posted, preview):
            assert response.status_code == 200
            assert live_content(response.content.decode()) == [], payload
