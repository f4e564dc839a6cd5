"""Query budgets of every page, in one place.

Each page has a fixed maximum number of SQL queries, anonymous and logged in; the count is
measured on a small data set and again after a second, larger one is added beside it
(more members, communities, threads, posts, votes), and must not change. Anonymous GETs
write nothing; a logged-in thread view writes one row at most (the read state, upserted).
The data comes from ``manage.py bench_seed``, the benchmark's own generator.
"""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import actions
from community.models import Community, Thread
from core import pagecache
from members import joining
from members.models import Membership, User
from moderation.flags import do_flag_post
from moderation.takedowns import do_take_down
from purposes.models import Proposal

pytestmark = pytest.mark.django_db

# The budgets: (anonymous, logged in), each what the page does today when rendered (not
# served from the page cache). A logged-in page reads the user, the member's standing in
# the community (one query), and from the cache the session and the header's unread count.
# Pages with the re-affirm banner (home, proposal) ask one more, whether the purpose changed,
# of a member who has not affirmed the charter in force (as the one measured here).
BUDGETS = {
    "directory": (4, 6),
    "home": (5, 9),
    "thread20": (3, 6),
    "thread_big": (3, 6),
    "proposal": (5, 10),
    "health": (2, 4),
    "search": (1, 2),
}
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

SMALL = {"members": 12, "communities": 3, "threads": 4, "posts_per_thread": 5, "big_thread": 20}
LARGE = {"members": 80, "communities": 8, "threads": 16, "posts_per_thread": 20, "big_thread": 150}


def seed(prefix: str, sizes: dict) -> dict[str, str]:
    call_command("bench_seed", prefix=prefix, i_know=True, stdout=io.StringIO(), **sizes)
    community = f"{prefix}-0"
    thread = Thread.objects.get(community__slug=community, title__startswith="Thread 0:")
    big = Thread.objects.get(community__slug=community, title="The big thread")
    proposal = Proposal.objects.get(community__slug=community, state="voting")
    return {
        "directory": "/c/",
        "home": f"/c/{community}/",
        "thread20": thread.get_absolute_url(),
        "thread_big": big.get_absolute_url(),
        "proposal": f"/c/{community}/proposals/{proposal.pk}/",
        "health": f"/c/{community}/health/",
        "search": "/search/?q=compost+harvest",
    }


def measure(client, urls: dict[str, str]) -> dict[str, tuple[int, list[str]]]:
    """Each page's query count and the SQL of its writes, on a warm second request."""
    figures = {}
    for name, url in urls.items():
        assert client.get(url).status_code == 200, url
        pagecache.forget_all()  # the page rendered, not the anonymous page cache's copy
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, url
        sql = [q["sql"] for q in ctx.captured_queries]
        figures[name] = (len(sql), [s for s in sql if s.lstrip().upper().startswith(WRITES)])
    return figures


def test_page_budgets_hold_and_do_not_grow_with_the_data(client):
    small_urls = seed("small", SMALL)
    small_member = User.objects.get(username="small-3")
    anonymous_small = measure(client, small_urls)
    client.force_login(small_member)
    member_small = measure(client, small_urls)
    client.logout()

    large_urls = seed("large", LARGE)
    anonymous_large = measure(client, large_urls)
    client.force_login(User.objects.get(username="large-3"))
    member_large = measure(client, large_urls)

    for name, (anonymous_budget, member_budget) in BUDGETS.items():
        assert anonymous_small[name][0] <= anonymous_budget, (name, anonymous_small[name])
        assert member_small[name][0] <= member_budget, (name, member_small[name])
        # Growth independence: the same count with several times the data.
        assert anonymous_large[name][0] == anonymous_small[name][0], name
        assert member_large[name][0] == member_small[name][0], name


def test_anonymous_cached_pages_need_at_most_one_query_and_write_nothing(client):
    urls = seed("bench", SMALL)
    for name in ("directory", "home", "thread20", "thread_big"):
        client.get(urls[name])
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(urls[name]).status_code == 200
        assert len(ctx.captured_queries) <= 1, (name, ctx.captured_queries)


def test_anonymous_gets_write_nothing(client):
    urls = seed("bench", SMALL)
    for name, (_, writes) in measure(client, urls).items():
        assert writes == [], (name, writes)


def _writes_of_one_get(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]


def test_logged_in_thread_view_writes_its_read_state_only_when_there_is_news(client):
    urls = seed("bench", SMALL)
    member = User.objects.get(username="bench-3")
    client.force_login(member)
    for name in ("thread20", "thread_big"):
        first = _writes_of_one_get(client, urls[name])
        assert len(first) == 1, (name, first)
        assert "community_readstate" in first[0] and "ON CONFLICT" in first[0].upper()
        # Seen it all: a second look writes nothing.
        assert _writes_of_one_get(client, urls[name]) == [], name
    # A reply by someone else since: the next look records the visit again.
    thread = Thread.objects.get(community__slug="bench-0", title__startswith="Thread 0:")
    other = Membership.objects.filter(community=thread.community).exclude(user=member).first()
    root = thread.posts.get(depth=0)
    actions.do_reply(author=other.user, thread=thread, parent_id=root.pk, body="New")
    assert len(_writes_of_one_get(client, urls["thread20"])) == 1
    assert _writes_of_one_get(client, urls["thread20"]) == []
    # Other pages read only.
    figures = measure(client, urls)
    for name in ("directory", "home", "proposal", "health", "search"):
        assert figures[name][1] == [], (name, figures[name][1])


# --- Cached fragments: what anonymous visitors see follows every write at once ----------


def test_anonymous_thread_page_shows_an_edit_and_a_deletion_at_once(client):
    urls = seed("bench", SMALL)
    thread = Thread.objects.get(community__slug="bench-0", title__startswith="Thread 0:")
    reply = thread.posts.filter(depth__gt=0).order_by("path").first()
    assert reply.body_html in client.get(urls["thread20"]).content.decode()

    actions.do_edit_post(post=reply, body="Freshly edited: the rota moves to Mondays.")
    page = client.get(urls["thread20"]).content.decode()
    assert "Freshly edited: the rota moves to Mondays." in page
    assert reply.body_html in page  # the cached copy was not served

    actions.do_delete_post(post=reply)
    page = client.get(urls["thread20"]).content.decode()
    assert "Freshly edited" not in page
    assert "Deleted by its author." in page


def test_anonymous_thread_page_shows_a_takedown_at_once(client):
    urls = seed("bench", SMALL)
    thread = Thread.objects.get(community__slug="bench-0", title__startswith="Thread 0:")
    reply = thread.posts.filter(depth__gt=0).order_by("path").first()
    client.get(urls["thread20"])
    staff = User.objects.create(username="staffer", is_staff=True)
    do_take_down(staff=staff, post=reply, reason="Unlawful content")
    page = client.get(urls["thread20"]).content.decode()
    assert "Taken down by the platform: Unlawful content." in page
    assert reply.body_html not in page


def test_directory_shows_a_new_member_count_and_the_members_own_badge(client):
    seed("bench", SMALL)
    community = Community.objects.get(slug="bench-2")
    before = Membership.objects.current().filter(community=community).count()
    assert f"{before} members" in client.get("/c/").content.decode()
    newcomer = User.objects.create(username="newcomer")
    joining.do_join(user=newcomer, community=community)
    assert f"{before + 1} members" in client.get("/c/").content.decode()

    client.force_login(newcomer)
    page = client.get("/c/").content.decode()
    assert page.count("you are a member") == 1
    client.logout()
    assert "you are a member" not in client.get("/c/").content.decode()


def test_members_share_cached_posts_but_see_only_their_own_actions(client):
    urls = seed("bench", SMALL)
    thread = Thread.objects.get(community__slug="bench-0", title__startswith="Thread 0:")
    reply = thread.posts.filter(depth__gt=0).order_by("path").first()
    author = reply.author
    others = User.objects.filter(username__startswith="bench-").exclude(
        pk__in=thread.posts.values("author_id")
    )
    reader, flagger = others[0], others[1]
    edit_link = f"/p/{reply.pk}/edit/"

    client.force_login(author)
    assert edit_link in client.get(urls["thread20"]).content.decode()
    client.force_login(reader)
    page = client.get(urls["thread20"]).content.decode()
    assert edit_link not in page
    assert "Edit<span" not in page  # the reader wrote none of these posts

    do_flag_post(flagger=flagger, post=reply, reason="spam", charter_point="", note="", counts=True)
    client.force_login(flagger)
    assert "Flagged by you" in client.get(urls["thread20"]).content.decode()
    client.force_login(reader)
    assert "Flagged by you" not in client.get(urls["thread20"]).content.decode()
