"""The thread page members share (``core.pagecache`` with ``thread_reader``): one kept page
per kind of reader, and each member's own parts (their Edit links, flags, unread marks,
standing, the reply form's token) right whichever member's request kept it."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community import actions
from community.models import ModerationState, ReadState
from core import pagecache
from moderation.flags import do_flag_post
from moderation.log import Kind, do_set_post_state
from tests.factories import CommunityFactory, MembershipFactory, thread_with_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    community = CommunityFactory()
    author, reader, other = (MembershipFactory(community=community).user for _ in range(3))
    thread, root = thread_with_post(community=community, author=author, title="Seed swap")
    reply = actions.do_reply(author=reader, thread=thread, parent_id=root.pk, body="Bring jars.")
    thread.refresh_from_db()
    return {
        "community": community,
        "author": author,
        "reader": reader,
        "other": other,
        "thread": thread,
        "root": root,
        "reply": reply,
        "url": thread.get_absolute_url(),
    }


def html_for(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def edit_links(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'/p/(\d+)/edit/"', html)}


def test_a_hit_reads_only_the_members_own_state(client, place):
    html_for(client, place["reader"], place["url"])  # kept, and the visit recorded
    html_for(client, place["other"], place["url"])
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(place["url"]).status_code == 200
    assert len(ctx.captured_queries) <= 4, ctx.captured_queries
    # The posts and the thread's row come from the kept page, not the database.
    assert not [q for q in ctx.captured_queries if q["sql"].startswith('SELECT "community_post"')]


@pytest.mark.parametrize("first", ["author", "reader", "other"])
def test_each_member_sees_edit_only_on_their_own_posts(client, place, first):
    html_for(client, place[first], place["url"])  # whoever comes first keeps the page
    assert edit_links(html_for(client, place["author"], place["url"])) == {place["root"].pk}
    assert edit_links(html_for(client, place["reader"], place["url"])) == {place["reply"].pk}
    assert edit_links(html_for(client, place["other"], place["url"])) == set()


def test_flag_is_each_members_own(client, place):
    reply = place["reply"]
    html_for(client, place["author"], place["url"])
    do_flag_post(
        flagger=place["author"], post=reply, reason="other", charter_point="", note="", counts=True
    )
    mine = html_for(client, place["author"], place["url"])
    theirs = html_for(client, place["other"], place["url"])
    own = html_for(client, place["reader"], place["url"])
    assert "Flagged by you" in mine and f'id="flag-action-{reply.pk}" href' not in mine
    assert "Flagged by you" not in theirs and f'id="flag-action-{reply.pk}" href' in theirs
    # Nobody flags their own post.
    assert f'id="flag-action-{reply.pk}" href' not in own and "Flagged by you" not in own


def test_unread_marks_are_each_members_own_and_cleared_by_the_visit(client, place):
    thread, root = place["thread"], place["root"]
    html_for(client, place["author"], place["url"])
    html_for(client, place["other"], place["url"])
    # Both last read the thread just after the first reply.
    seen = place["reply"].created_at + timedelta(microseconds=1)
    ReadState.objects.filter(thread=thread).update(read_at=seen)
    new = actions.do_reply(author=place["reader"], thread=thread, parent_id=root.pk, body="Jam!")
    html = html_for(client, place["author"], place["url"])
    assert f'href="#post-{new.pk}">Skip to the first unread reply' in html
    assert html.count('badge--new">new<') == 1
    assert f'class="post-item post-item--new" id="post-{new.pk}"' in html
    assert f'href="#post-{new.pk}">Skip' in html_for(client, place["other"], place["url"])
    # Their own reply is not new to its author.
    assert "badge--new" not in html_for(client, place["reader"], place["url"])
    # The visit was recorded: nothing is new on the author's next look.
    again = html_for(client, place["author"], place["url"])
    assert "badge--new" not in again and "Skip to the first unread" not in again


def test_hidden_text_only_for_its_author_and_moderators_whoever_keeps_the_page(client, place):
    reply, community = place["reply"], place["community"]
    moderator = MembershipFactory(community=community, role="moderator").user
    do_set_post_state(
        community=community,
        post=reply,
        state=ModerationState.HIDDEN,
        kind=Kind.HIDE,
        actor=moderator,
        reason="Off topic",
        now=reply.created_at,
        shown_reason="Off topic",
    )
    for user in (place["other"], moderator, place["reader"], place["other"], moderator):
        html = html_for(client, user, place["url"])
        sees = "Bring jars." in html
        assert sees == (user != place["other"]), user
    assert "because it is yours" in html_for(client, place["reader"], place["url"])
    assert "because you moderate here" in html_for(client, moderator, place["url"])


def test_reply_token_is_fresh_for_every_response_and_a_reply_posts(client, place):
    tokens = set()
    for _ in range(3):
        html = html_for(client, place["other"], place["url"])
        tokens.add(re.search(r'name="token" value="([^"]+)" id="reply-root-token"', html)[1])
    assert len(tokens) == 3
    response = client.post(
        f"/c/{place['community'].slug}/t/{place['thread'].pk}/reply/",
        {"parent": place["root"].pk, "body": "Count me in.", "token": tokens.pop()},
    )
    assert response.status_code in (200, 302)
    assert place["thread"].posts.filter(body="Count me in.").exists()


def test_suspended_members_each_see_their_own_suspension(client, place):
    until = timezone.now() + timedelta(days=3)
    community = place["community"]
    for user, reason in ((place["reader"], "Spam links"), (place["other"], "Name calling")):
        membership = user.memberships.get(community=community, left_at__isnull=True)
        membership.suspended_until, membership.suspension_reason = until, reason
        membership.save()
    first = html_for(client, place["reader"], place["url"])
    second = html_for(client, place["other"], place["url"])
    assert "(Spam links)" in first and "Name calling" not in first
    assert "(Name calling)" in second and "Spam links" not in second
    assert 'id="reply-root-body"' not in second
    assert 'id="reply-root-body"' in html_for(client, place["author"], place["url"])


def test_sections_are_kept_or_cut_for_each_member_and_leave_no_marker(rf, place):
    pagecache.register_section("test-mine", lambda request, args: {str(request.user.pk)})
    request = rf.get("/")
    request.user = place["author"]
    request._pagecache_holes = True
    text = "".join(
        pagecache.section(request, "test-mine", str(user.pk), f"[{user.username}]")
        for user in (place["author"], place["reader"])
    )
    filled = pagecache.fill_holes(request, text)
    assert filled == f"[{place['author'].username}]"
