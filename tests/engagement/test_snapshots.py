"""The daily snapshot: figures computed in SQL, the stage, and idempotence."""

from datetime import date, timedelta

import pytest
from django.forms.models import model_to_dict

from engagement import snapshots
from engagement.models import EngagementSnapshot
from purposes.models import Proposal, Vote
from tests.factories import CommunityFactory, MembershipFactory

from .test_relationships import members, opening, reply

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 10)
AS_OF = snapshots.end_of(DAY)


def closed_proposal(community, author, *, votes: int, electorate: int, days_ago: int = 5):
    return Proposal.objects.create(
        community=community,
        kind=Proposal.Kind.CHANGE_RULES,
        title="A rule",
        rationale="Because",
        author=author,
        base_charter=community.charter,
        state=Proposal.State.PASSED,
        closed_at=AS_OF - timedelta(days=days_ago),
        for_count=votes,
        against_count=0,
        abstain_count=0,
        electorate_size=electorate,
    )


def rows(community=None):
    qs = EngagementSnapshot.objects.order_by("community_id", "day")
    if community is not None:
        qs = qs.filter(community=community)
    return [model_to_dict(s, exclude=["id"]) for s in qs]


def test_take_snapshots_counts_a_triangle_and_a_lurker():
    community = CommunityFactory()
    x, y, z, lurker = members(community, 4)
    at = AS_OF - timedelta(days=2)
    for first, second in [(x, y), (y, z), (z, x)]:
        root = opening(community, first, at=at, goal="Meet every month" if first == x else "")
        answer = reply(root, second, at=at + timedelta(minutes=10 if first == x else 30))
        reply(answer, first, at=at + timedelta(hours=1))
    closed_proposal(community, x, votes=3, electorate=4)

    run = snapshots.take_snapshots(day=DAY)

    assert run.relationships == "full"
    snap = EngagementSnapshot.objects.get(community=community, day=DAY)
    assert (snap.members, snap.active_members, snap.active_90d) == (4, 3, 3)
    assert (snap.posts_30d, snap.replies_30d) == (9, 6)
    assert (snap.relationships, snap.connections, snap.active_in_relationship) == (3, 0, 3)
    assert (snap.new_threads, snap.threads_90d, snap.goal_threads_90d) == (3, 3, 1)
    assert snap.median_first_reply_seconds == 30 * 60  # 10, 30, 30 minutes
    assert (snap.proposals_closed, snap.votes_cast, snap.electorate) == (1, 3, 4)
    assert (snap.affirmed_members, snap.affirmed_active) == (4, 3)
    assert (snap.newcomers, snap.newcomers_replied) == (4, 3)
    assert snap.stage == "community"


def test_take_snapshots_star_of_one_way_replies_is_a_gathering():
    community = CommunityFactory()
    hub, *spokes = members(community, 4)
    root = opening(community, hub, at=AS_OF - timedelta(days=1))
    for spoke in spokes:
        reply(root, spoke, at=AS_OF - timedelta(hours=5))
    snapshots.take_snapshots(day=DAY)
    snap = EngagementSnapshot.objects.get(community=community)
    assert (snap.relationships, snap.connections, snap.active_in_relationship) == (0, 3, 0)
    assert snap.stage == "gathering"


def test_take_snapshots_relationships_without_turnout_is_a_network():
    community = CommunityFactory()
    x, y, _z = members(community, 3)
    reply(reply(opening(community, x, at=AS_OF - timedelta(days=3)), y), x)
    snapshots.take_snapshots(day=DAY)
    snap = EngagementSnapshot.objects.get(community=community)
    assert snap.relationships == 1 and snap.proposals_closed == 0
    assert snap.stage == "network"


def test_take_snapshots_counts_only_what_happened_by_the_end_of_the_day():
    community = CommunityFactory()
    x, y = members(community, 2)
    reply(opening(community, x, at=AS_OF + timedelta(hours=1)), y, at=AS_OF + timedelta(hours=2))
    MembershipFactory(community=community, joined_at=AS_OF + timedelta(minutes=1))
    snapshots.take_snapshots(day=DAY)
    snap = EngagementSnapshot.objects.get(community=community)
    assert (snap.members, snap.posts_30d, snap.connections) == (2, 0, 0)


def test_take_snapshots_counts_votes_as_activity_and_skips_dissolved():
    community = CommunityFactory()
    dissolved = CommunityFactory(state="dissolved")
    x, y = members(community, 2)
    proposal = closed_proposal(community, x, votes=1, electorate=2)
    Vote.objects.create(proposal=proposal, user=y, choice="for", cast_at=AS_OF - timedelta(days=6))
    snapshots.take_snapshots(day=DAY)
    assert not EngagementSnapshot.objects.filter(community=dissolved).exists()
    snap = EngagementSnapshot.objects.get(community=community)
    assert (snap.active_members, snap.votes_cast, snap.electorate) == (1, 1, 2)


def test_take_snapshots_twice_gives_identical_rows():
    community = CommunityFactory()
    x, y, z = members(community, 3)
    root = opening(community, x, at=AS_OF - timedelta(days=4))
    reply(reply(root, y, at=AS_OF - timedelta(days=3)), x, at=AS_OF - timedelta(days=2))
    reply(root, z, at=AS_OF - timedelta(days=1))
    snapshots.take_snapshots(day=DAY - timedelta(days=1))
    snapshots.take_snapshots(day=DAY)
    first = rows()
    assert snapshots.take_snapshots(day=DAY).relationships == "unchanged"
    snapshots.take_snapshots(day=DAY - timedelta(days=1))  # rerun an old day: a rewind
    snapshots.take_snapshots(day=DAY)
    assert rows() == first
    assert len(first) == 2


def test_take_snapshots_after_a_killed_run_gives_the_same_rows(monkeypatch):
    community = CommunityFactory()
    x, y = members(community, 2)
    reply(reply(opening(community, x, at=AS_OF - timedelta(days=4)), y), x)
    snapshots.take_snapshots(day=DAY)
    expected = rows(community)
    EngagementSnapshot.objects.all().delete()

    def die(*args, **kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr(snapshots, "_turnout_figures", die)
    with pytest.raises(SystemExit):
        snapshots.take_snapshots(day=DAY)
    assert not EngagementSnapshot.objects.exists()
    monkeypatch.undo()
    snapshots.take_snapshots(day=DAY)
    assert rows(community) == expected
