"""The anonymous page cache: pages follow every write at once, and nobody gets what is
not theirs (a member's page, another response's nonce or CSRF token, a message)."""

import re

import pytest
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import actions
from community.models import ModerationState
from core import pagecache
from members import joining
from moderation.log import Kind, do_set_post_state
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, thread_with_post

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@pytest.fixture
def place():
    community = CommunityFactory()
    author = MembershipFactory(community=community).user
    thread, root = thread_with_post(community=community, author=author, title="Seed swap")
    reply = actions.do_reply(author=author, thread=thread, parent_id=root.pk, body="Bring jars.")
    return {
        "community": community,
        "author": author,
        "thread": thread,
        "reply": reply,
        "pages": [
            "/c/",
            community.get_absolute_url(),
            f"/c/{community.slug}/t/",
            thread.get_absolute_url(),
        ],
    }


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_cached_for_anonymous_hit_needs_no_query_and_writes_nothing(client, place):
    for url in place["pages"]:
        first = page(client, url)
        with CaptureQueriesContext(connection) as ctx:
            second = page(client, url)
        assert len(ctx.captured_queries) <= 1, (url, ctx.captured_queries)
        assert not [q for q in ctx.captured_queries if q["sql"].upper().startswith(WRITES)]
        nonce = r'nonce="[^"]+"'
        assert re.sub(nonce, "", first) == re.sub(nonce, "", second).replace(
            _csrf(second), _csrf(first)
        )


def test_cached_for_anonymous_hit_within_query_budget(client, place, django_assert_max_num_queries):
    url = place["thread"].get_absolute_url()
    page(client, url)
    with django_assert_max_num_queries(1):
        page(client, url)


def _csrf(html: str) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)


def _nonces(html: str) -> set[str]:
    return set(re.findall(r'<script[^>]*nonce="([^"]+)"', html))


def test_cached_for_anonymous_nonce_differs_per_response_and_matches_the_header(client, place):
    url = place["thread"].get_absolute_url()
    seen = []
    for _ in range(3):
        response = client.get(url)
        html = response.content.decode()
        (nonce,) = _nonces(html)
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        assert pagecache._NONCE not in html and pagecache._CSRF not in html
        assert _csrf(html) != pagecache._CSRF
        seen.append(nonce)
    assert len(set(seen)) == 3


def test_cached_for_anonymous_csrf_token_is_each_visitors_own(client, place):
    """A cached page carries a token made for this response, which a POST then accepts."""
    from django.middleware.csrf import _unmask_cipher_token

    url = place["thread"].get_absolute_url()
    first = client.get(url)
    second = client.get(url)
    cookie = second.cookies["csrftoken"].value if "csrftoken" in second.cookies else None
    cookie = cookie or client.cookies["csrftoken"].value
    for response in (first, second):
        token = _csrf(response.content.decode())
        assert _unmask_cipher_token(token) == cookie


def test_cached_for_anonymous_member_never_gets_the_anonymous_page(client, place):
    url = place["thread"].get_absolute_url()
    anonymous = page(client, url)
    assert "Log in" in anonymous or "Sign" in anonymous
    client.force_login(place["author"])
    mine = page(client, url)
    assert mine != anonymous
    assert f"/p/{place['reply'].pk}/edit/" in mine
    # and the member's page is not served to the next anonymous reader
    client.logout()
    assert f"/p/{place['reply'].pk}/edit/" not in page(client, url)


def test_cached_for_anonymous_htmx_and_session_requests_bypass_the_cache(client, place):
    url = place["thread"].get_absolute_url()
    page(client, url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, headers={"HX-Request": "true"})
    assert len(ctx.captured_queries) > 1
    client.cookies["sessionid"] = "not-a-session"
    with CaptureQueriesContext(connection) as ctx:
        page(client, url)
    assert len(ctx.captured_queries) > 1


def test_cached_for_anonymous_page_with_a_message_is_neither_served_nor_kept(client, rf, place):
    url = place["community"].get_absolute_url()
    page(client, url)  # kept
    # A message waiting in its cookie: the page is rendered for this reader, with it.
    request = rf.get("/")
    storage = CookieStorage(request)
    storage.add(20, "You left Community.")
    response = client.get("/")  # any response to carry the cookie out
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    assert "You left Community." in page(client, url)
    client.cookies.pop("messages", None)
    assert "You left Community." not in page(client, url)


# --- Freshness: every write is seen by the very next anonymous request -------------------


def test_bump_new_reply_is_seen_at_once(client, place):
    pages = [page(client, url) for url in place["pages"]]
    assert "Fresh compost today" not in pages[3]
    actions.do_reply(
        author=place["author"],
        thread=place["thread"],
        parent_id=place["reply"].pk,
        body="Fresh compost today",
    )
    assert "Fresh compost today" in page(client, place["thread"].get_absolute_url())
    # the reply count on the thread list follows
    assert page(client, place["pages"][2]) != pages[2]


def test_bump_new_thread_is_seen_at_once(client, place):
    for url in place["pages"]:
        page(client, url)
    thread_with_post(community=place["community"], author=place["author"], title="Tool library")
    assert "Tool library" in page(client, place["pages"][2])
    assert "Tool library" in page(client, place["pages"][1])


def test_bump_edit_is_seen_at_once(client, place):
    url = place["thread"].get_absolute_url()
    assert "Bring jars." in page(client, url)
    actions.do_edit_post(post=place["reply"], body="Bring bags instead.")
    html = page(client, url)
    assert "Bring bags instead." in html and "Bring jars." not in html


def test_bump_hide_is_seen_at_once(client, place):
    url = place["thread"].get_absolute_url()
    assert "Bring jars." in page(client, url)
    moderator = MembershipFactory(community=place["community"], role="moderator").user
    do_set_post_state(
        community=place["community"],
        post=place["reply"],
        state=ModerationState.HIDDEN,
        kind=Kind.HIDE,
        actor=moderator,
        reason="Off topic",
        now=place["reply"].created_at,
        shown_reason="Hidden while members review it.",
    )
    assert "Bring jars." not in page(client, url)


def _normal(html: str) -> str:
    """The page without what differs per response (nonce, CSRF token)."""
    (nonce,) = _nonces(html)
    return html.replace(nonce, "NONCE").replace(_csrf(html), "CSRF")


def test_bump_join_and_leave_are_seen_at_once(client, place):
    community = place["community"]
    before = page(client, community.get_absolute_url())
    directory = page(client, "/c/")
    newcomer = UserFactory()
    membership = joining.do_join(user=newcomer, community=community)
    after = page(client, community.get_absolute_url())
    assert _normal(after) != _normal(before)
    assert _normal(page(client, "/c/")) != _normal(directory)
    joining.do_leave(membership=membership)
    assert _normal(page(client, community.get_absolute_url())) != _normal(after)


def test_bump_is_needed_for_freshness(client, place, monkeypatch):
    """Without the bump the cached page is served: the tests above would catch a lost one."""
    url = place["thread"].get_absolute_url()
    page(client, url)
    monkeypatch.setattr(pagecache, "bump", lambda **_: None)
    actions.do_edit_post(post=place["reply"], body="Bring bags instead.")
    assert "Bring jars." in page(client, url)


def test_bump_leaves_other_communities_pages_cached(client, place):
    other = CommunityFactory()
    url = other.get_absolute_url()
    page(client, url)
    actions.do_edit_post(post=place["reply"], body="Bring bags instead.")
    with CaptureQueriesContext(connection) as ctx:
        page(client, url)
    assert len(ctx.captured_queries) <= 1


def test_cached_for_anonymous_only_plain_addresses_are_kept(client, place):
    """A search or made-up parameters would give every variant its own place in the cache."""
    for query in ("?q=seed", "?utm=1", "?page=1&x=2", "?page=99999"):
        url = "/c/" + query
        page(client, url)
        with CaptureQueriesContext(connection) as ctx:
            page(client, url)
        assert len(ctx.captured_queries) > 1, url
    page(client, "/c/?page=1")
    with CaptureQueriesContext(connection) as ctx:
        page(client, "/c/?page=1")
    assert len(ctx.captured_queries) <= 1


# --- Members: one shared page per kind of viewer, their own parts filled in -------------


def _list_url(community) -> str:
    return f"/c/{community.slug}/t/"


def test_member_thread_list_hit_reads_only_the_members_own_state(client, place):
    """A warm thread list costs a member their user, the community, their standing and
    their read marks; not the threads."""
    client.force_login(place["author"])
    url = _list_url(place["community"])
    page(client, url)
    with CaptureQueriesContext(connection) as ctx:
        html = page(client, url)
    assert len(ctx.captured_queries) <= 4, ctx.captured_queries
    assert not [q for q in ctx.captured_queries if 'FROM "community_thread"' in q["sql"]]
    assert not [q for q in ctx.captured_queries if q["sql"].upper().startswith(WRITES)]
    assert "Seed swap" in html and place["author"].username in html


def test_member_read_marks_are_each_members_own_on_a_shared_page(client, place):
    community, thread = place["community"], place["thread"]
    reader = MembershipFactory(community=community).user
    other = MembershipFactory(community=community).user
    client.force_login(other)
    assert ">new</span>" in page(client, _list_url(community))  # never opened: new
    client.force_login(reader)
    page(client, thread.get_absolute_url())  # reads it
    assert ">new</span>" not in page(client, _list_url(community))
    actions.do_reply(author=other, thread=thread, parent_id=place["reply"].pk, body="And lids.")
    assert ">1 new</span>" in page(client, _list_url(community))
    client.force_login(other)
    html = page(client, _list_url(community))
    assert ">new</span>" in html and "1 new" not in html


def test_member_page_follows_writes_and_standing_at_once(client, place):
    community = place["community"]
    member = MembershipFactory(community=community)
    client.force_login(member.user)
    assert "Start a thread" in page(client, _list_url(community))
    thread_with_post(community=community, author=place["author"], title="Tool library")
    assert "Tool library" in page(client, _list_url(community))
    # Suspended since the page was kept: the poster's page is not theirs any more.
    member.suspended_until = place["reply"].created_at.replace(year=2999)
    member.save()
    assert "Start a thread" not in page(client, _list_url(community))


def test_member_page_of_a_members_only_community_is_not_served_to_outsiders(client, place):
    community = CommunityFactory(visibility="members")
    insider = MembershipFactory(community=community).user
    thread_with_post(community=community, author=insider, title="Private plans")
    client.force_login(insider)
    assert "Private plans" in page(client, _list_url(community))
    client.force_login(UserFactory())
    response = client.get(_list_url(community))
    assert response.status_code == 404
    assert "Private plans" not in response.content.decode()
    assert "<!--hole:" not in response.content.decode()


def test_member_directory_badges_are_each_members_own(client, place):
    community = place["community"]
    newcomer = UserFactory()
    client.force_login(place["author"])
    assert "you are a member" in page(client, "/c/")
    client.force_login(newcomer)
    assert "you are a member" not in page(client, "/c/")
    joining.do_join(user=newcomer, community=community)
    assert "you are a member" in page(client, "/c/")


def test_member_page_holes_are_filled_and_cannot_be_written_by_members(client, place):
    community = place["community"]
    thread_with_post(community=community, author=place["author"], title="<!--hole:x:site-nav:-->")
    client.force_login(place["author"])
    for _ in range(2):  # rendered, then from the cache
        html = page(client, _list_url(community))
        assert "<!--hole:" not in html
        assert "&lt;!--hole:x:site-nav:--&gt;" in html
        assert html.count('id="nav-notifications"') == 1


def test_member_page_with_a_message_waiting_shows_it(client, rf, place):
    community = place["community"]
    client.force_login(place["author"])
    page(client, _list_url(community))  # kept
    request = rf.get("/")
    storage = CookieStorage(request)
    storage.add(20, "Thread moved.")
    response = client.get("/")
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    assert "Thread moved." in page(client, _list_url(community))


def test_member_site_nav_is_kept_per_member_and_follows_their_unread_count(client, place):
    from notifications.actions import do_notify

    author, other = place["author"], MembershipFactory(community=place["community"]).user
    url = _list_url(place["community"])
    client.force_login(author)
    first = page(client, url)
    assert f"<summary>{author.username}</summary>" in first and "nav-badge" not in first
    client.force_login(other)
    assert f"<summary>{other.username}</summary>" in page(client, url)
    do_notify(recipients=[author], kind="reply", text="Hi", url="/", community=place["community"])
    client.force_login(author)
    html = page(client, url)
    assert f"<summary>{author.username}</summary>" in html
    assert 'class="nav-badge">1<' in html
    # The logout form's token is this visitor's own (masked afresh), as on any page.
    from django.middleware.csrf import _unmask_cipher_token

    logout_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert _unmask_cipher_token(logout_token) == _unmask_cipher_token(_csrf(html))
    assert pagecache.CSRF_PLACEHOLDER not in html
