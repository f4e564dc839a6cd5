"""Pair counts behind relationships and connections, on hand-computed small graphs."""

from datetime import UTC, datetime, timedelta

import pytest

from community import actions
from community.models import Post, Thread
from engagement import relationships
from engagement.models import EngagementWatermark, MemberPair
from tests.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def post_at(post: Post, at: datetime) -> Post:
    Post.objects.filter(pk=post.pk).update(created_at=at)
    post.created_at = at
    return post


def opening(community, author, at=T0, title="A thread", goal=""):
    thread = actions.do_create_thread(
        author=author, community=community, title=title, body="Hello", goal=goal
    )
    root = thread.posts.get(depth=0)
    post_at(root, at)
    Thread.objects.filter(pk=thread.pk).update(created_at=at, last_activity_at=at)
    return root


def reply(parent: Post, author, at=T0, body="A reply") -> Post:
    post = actions.do_reply(author=author, thread=parent.thread, parent_id=parent.pk, body=body)
    return post_at(post, at)


def pairs(community) -> dict[tuple[int, int], tuple[int, int]]:
    return {
        (p.user_a_id, p.user_b_id): (p.a_to_b, p.b_to_a)
        for p in MemberPair.objects.filter(community=community)
    }


def members(community, count, joined_at=T0 - timedelta(days=10)):
    return [MembershipFactory(community=community, joined_at=joined_at).user for _ in range(count)]


def test_recompute_all_star_of_one_way_replies_is_connections_only():
    community = CommunityFactory()
    hub, *spokes = members(community, 4)
    root = opening(community, hub)
    for spoke in spokes:
        reply(root, spoke)
    relationships.recompute_all(until=T0 + timedelta(hours=1))
    stored = list(MemberPair.objects.filter(community=community))
    assert len(stored) == 3
    assert not any(p.is_relationship for p in stored)
    for spoke in spokes:
        a, b = sorted([hub.pk, spoke.pk])
        expected = (0, 1) if a == hub.pk else (1, 0)
        assert pairs(community)[(a, b)] == expected


def test_recompute_all_triangle_of_mutual_replies_is_three_relationships():
    community = CommunityFactory()
    x, y, z = members(community, 3)
    for first, second in [(x, y), (y, z), (z, x)]:
        root = opening(community, first)
        answer = reply(root, second)
        reply(answer, first)
    relationships.recompute_all(until=T0 + timedelta(hours=1))
    stored = list(MemberPair.objects.filter(community=community))
    assert len(stored) == 3
    assert all(p.is_relationship for p in stored)
    assert sorted(pairs(community).values()) == [(1, 1), (1, 1), (1, 1)]


def test_recompute_all_ignores_self_replies_and_other_windows():
    community = CommunityFactory()
    x, y = members(community, 2)
    root = opening(community, x)
    reply(root, x)  # talking to oneself is not an exchange
    reply(root, y, at=T0 - timedelta(days=91))  # out of the window
    reply(root, y, at=T0 + timedelta(days=2))  # after the moment computed
    relationships.recompute_all(until=T0 + timedelta(hours=1))
    assert pairs(community) == {}


def test_recompute_all_keeps_communities_apart():
    one, two = CommunityFactory(), CommunityFactory()
    x, y = members(one, 2)
    MembershipFactory(community=two, user=x)
    MembershipFactory(community=two, user=y)
    reply(opening(one, x), y)
    reply(opening(two, y), x)
    relationships.recompute_all(until=T0 + timedelta(hours=1))
    a, b = sorted([x.pk, y.pk])
    assert len(pairs(one)) == 1 and len(pairs(two)) == 1
    assert pairs(one)[(a, b)] != pairs(two)[(a, b)]


def test_recompute_all_records_the_last_post_they_exchanged():
    community = CommunityFactory()
    x, y = members(community, 2)
    root = opening(community, x)
    reply(root, y, at=T0)
    last = reply(root, y, at=T0 + timedelta(minutes=5))
    relationships.recompute_all(until=T0 + timedelta(hours=1))
    pair = MemberPair.objects.get(community=community)
    assert pair.last_post_id == last.pk and pair.last_at == last.created_at


def _scenario():
    """Replies spread over 100 days between four people in two communities."""
    one, two = CommunityFactory(), CommunityFactory()
    people = members(one, 4)
    for person in people[:3]:
        MembershipFactory(community=two, user=person)
    roots = [opening(one, people[0], at=T0), opening(two, people[1], at=T0)]
    n = 0
    for day in range(0, 100, 3):
        for i, replier in enumerate(people):
            root = roots[(day + i) % 2]
            if replier == root.author or (root.thread.community == two and i == 3):
                continue
            n += 1
            parent = reply(root, replier, at=T0 + timedelta(days=day, hours=i))
            if (day + i) % 4 == 0:
                reply(parent, root.author, at=T0 + timedelta(days=day, hours=i, minutes=30))
    return one, two


def test_update_incrementally_equals_a_full_recompute_day_by_day():
    one, two = _scenario()
    start = T0 + timedelta(days=1)
    relationships.recompute_all(until=start)
    for day in range(2, 100, 7):
        until = T0 + timedelta(days=day)
        assert relationships.bring_up_to(until=until) == "incremental"
        stepped = {c.pk: (pairs(c), _lasts(c)) for c in (one, two)}
        relationships.recompute_all(until=until)
        full = {c.pk: (pairs(c), _lasts(c)) for c in (one, two)}
        assert stepped == full, day
    assert any(p for p in pairs(one).values())


def _lasts(community):
    return sorted(
        MemberPair.objects.filter(community=community).values_list("last_post_id", "last_at")
    )


def test_bring_up_to_is_idempotent_and_rewinds_with_a_full_recompute():
    community = CommunityFactory()
    x, y = members(community, 2)
    reply(opening(community, x), y)
    until = T0 + timedelta(days=1)
    assert relationships.bring_up_to(until=until) == "full"
    assert relationships.bring_up_to(until=until) == "unchanged"
    assert relationships.bring_up_to(until=T0 - timedelta(days=1)) == "full"
    assert pairs(community) == {}
    assert EngagementWatermark.objects.get().until == T0 - timedelta(days=1)
    assert relationships.bring_up_to(until=T0 + timedelta(days=200)) == "full"
