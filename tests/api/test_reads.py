"""Reads: the same answers as the pages (hidden text stays hidden, members-only stays
members-only), cursor pages in a stable order, ETags for cheap polling, bounded queries."""

import pytest

from api.tokens import do_create_token
from community.models import ModerationState, Post
from tests.api.conftest import bearer
from tests.factories import CommunityFactory, MembershipFactory, reply_to, thread_with_post

pytestmark = pytest.mark.django_db


def test_anonymous_reads_a_public_thread_as_a_tree(api):
    town = CommunityFactory(slug="town")
    ana = MembershipFactory(community=town, user__username="ana").user
    ben = MembershipFactory(community=town, user__username="ben").user
    thread, root = thread_with_post(community=town, author=ana, title="Bins")
    first = reply_to(root, author=ben, body="Tuesdays")
    reply_to(first, author=ana, body="Thanks")
    reply_to(root, author=ben, body="Also Fridays")
    response = api.get(f"/communities/town/threads/{thread.pk}")
    assert response.status_code == 200
    posts = response.json()["posts"]
    assert [p["body"] for p in posts] == ["Hello, everyone."]
    replies = posts[0]["replies"]
    assert [r["body"] for r in replies] == ["Tuesdays", "Also Fridays"]
    assert [r["body"] for r in replies[0]["replies"]] == ["Thanks"]
    assert replies[0]["replies"][0]["author"]["username"] == "ana"


def test_a_hidden_post_shows_its_text_only_to_its_author_and_moderators(api, world):
    Post.objects.filter(pk=world.others_post.pk).update(moderation_state=ModerationState.HIDDEN)
    path = f"/communities/den/threads/{world.thread.pk}"

    def text_for(user):
        posts = api.get(path, token=bearer(user)).json()["posts"]
        reply = posts[0]["replies"][0]
        return reply["state"], reply["body"]

    assert text_for(world.member) == ("hidden", None)
    assert text_for(world.other) == ("hidden", "Tomatoes!")
    assert text_for(world.moderator) == ("hidden", "Tomatoes!")


def test_a_taken_down_post_shows_its_text_to_nobody(api, world):
    Post.objects.filter(pk=world.others_post.pk).update(moderation_state=ModerationState.TAKEN_DOWN)
    for user in (world.other, world.moderator):
        posts = api.get(f"/communities/den/threads/{world.thread.pk}", token=bearer(user)).json()
        assert posts["posts"][0]["replies"][0]["body"] is None
        assert "Tomatoes" not in str(posts)


def test_threads_pages_by_cursor_without_repeating_or_skipping(api):
    town = CommunityFactory(slug="town")
    ana = MembershipFactory(community=town).user
    made = [thread_with_post(community=town, author=ana, title=f"T{n}")[0] for n in range(7)]
    seen, cursor = [], ""
    while True:
        page = api.get(f"/communities/town/threads?limit=3&cursor={cursor}").json()
        seen += [t["id"] for t in page["threads"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(t.pk for t in made)
    assert len(seen) == len(set(seen)) == 7


def test_a_cursor_of_another_community_finds_nothing(api):
    for slug in ("town", "city"):
        town = CommunityFactory(slug=slug)
        ana = MembershipFactory(community=town).user
        for n in range(3):
            thread_with_post(community=town, author=ana, title=f"{slug} {n}")
    cursor = api.get("/communities/town/threads?limit=1").json()["next_cursor"]
    assert api.get(f"/communities/city/threads?cursor={cursor}").json()["threads"] == []


def test_etag_gives_304_until_something_changes(api, world):
    token = bearer(world.member)
    path = f"/communities/den/threads/{world.thread.pk}"
    first = api.get(path, token=token)
    etag = first["ETag"]
    again = api.get(path, token=token, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    reply_to(world.root, author=world.other, body="Courgettes")
    changed = api.get(path, token=token, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert "Courgettes" in changed.content.decode()


def test_thread_read_query_count(api, world, django_assert_max_num_queries):
    for n in range(20):
        reply_to(world.root, author=world.other, body=f"Reply {n}")
    token = bearer(world.member)
    with django_assert_max_num_queries(10):
        response = api.get(f"/communities/den/threads/{world.thread.pk}", token=token)
    assert len(response.json()["posts"][0]["replies"]) == 21


def test_profile_lists_members_only_communities_only_to_fellow_members(api, world):
    assert api.get("/users/otto").json()["communities"] == []
    seen_by_member = api.get("/users/otto", token=bearer(world.member)).json()
    assert [c["slug"] for c in seen_by_member["communities"]] == ["den"]
    seen_by_staff = api.get("/users/otto", token=bearer(world.staff)).json()
    assert seen_by_staff["communities"] == []


def test_a_locked_account_has_no_profile(api, world):
    type(world.other).objects.filter(pk=world.other.pk).update(is_active=False)
    assert api.get("/users/otto").status_code == 404


def test_my_memberships_and_notifications_are_mine(api, world):
    token = bearer(world.other)
    memberships = api.get("/me/memberships", token=token).json()
    assert [m["community"]["slug"] for m in memberships] == ["den"]
    # Otto's reply was answered by nobody yet; Mia's seconds told Otto the proposal moved on.
    mine = api.get("/me/notifications", token=token).json()
    assert mine and all(n["text"] for n in mine)
    theirs = api.get("/me/notifications", token=bearer(world.outsider)).json()
    assert theirs == []


def test_mark_read_marks_only_my_own(api, world):
    mine = api.get("/me/notifications?unread=true", token=bearer(world.other)).json()
    others = do_create_token(user=world.member, name="x", scopes=["read", "write"], days=1)[1]
    response = api.post("/me/notifications/read", {"ids": [n["id"] for n in mine]}, token=others)
    assert response.json()["count"] == 0
    response = api.post(
        "/me/notifications/read", {"ids": [n["id"] for n in mine]}, token=bearer(world.other)
    )
    assert response.json()["count"] == len(mine)
    assert api.get("/me/notifications?unread=true", token=bearer(world.other)).json() == []
