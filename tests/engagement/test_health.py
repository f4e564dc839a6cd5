"""The health page, its CSV, my relationships, the directory's stage badge, and the digest
setting: permissions per role, what people see, query counts."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import pagecache
from engagement import health as engagement
from engagement import relationships, snapshots
from engagement.models import EngagementSnapshot
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

from .test_relationships import members, opening, reply

pytestmark = pytest.mark.django_db

TODAY = date.today()


def snapshot(community, day, **figures):
    fields = {
        "members": 30,
        "active_members": 25,
        "active_90d": 30,
        "relationships": 8,
        "connections": 12,
        "active_in_relationship": 12,
        "affirmed_active": 15,
        "votes_cast": 10,
        "electorate": 30,
        "quorum_percent": 25,
        "stage": "network",
    } | figures
    return EngagementSnapshot.objects.create(community=community, day=day, **fields)


def history(community, days=10):
    for i in range(days):
        snapshot(community, TODAY - timedelta(days=days - i), relationships=i)


# --- the pure sentences -------------------------------------------------------------------


def test_conditions_say_which_marks_are_met():
    figures = engagement.HealthFigures(
        members=30,
        active_members=30,
        relationships=8,
        connections=3,
        active_in_relationship=12,
        affirmed_active=15,
        turnout_percent=None,
        quorum_percent=25,
    )
    met = [(c.label, c.met) for c in engagement.conditions(figures)]
    assert met == [
        ("Two-way relationships", True),
        ("A purpose they share", False),
        ("Taking part in decisions", False),
    ]
    assert "12 of 30 active members have a two-way relationship" in (
        engagement.conditions(figures)[0].detail
    )
    assert engagement.explain(figures).startswith("8 pairs of members have replied")


def test_explain_gathering_and_community():
    base = dict(members=5, active_members=4, connections=2, affirmed_active=4, quorum_percent=25)
    gathering = engagement.HealthFigures(
        relationships=0, active_in_relationship=0, turnout_percent=None, **base
    )
    community = engagement.HealthFigures(
        relationships=3, active_in_relationship=3, turnout_percent=50.0, **base
    )
    assert "gathering" in engagement.explain(gathering)
    assert engagement.explain(community).endswith("this is a community.")


# --- the health page ----------------------------------------------------------------------


def test_health_public_page_shows_stage_why_next_steps_and_plots(
    client, django_assert_max_num_queries
):
    community = CommunityFactory()
    history(community)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("engagement:health", args=[community.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="badge badge--network health-stage__badge">network<' in html
    assert "12 of 30 active members have a two-way relationship" in html
    assert "18 would make this a community" not in html  # 12 is 40 % of 30: met
    assert "affirmed the current charter; 16 would make it a shared purpose" in html
    assert html.count("<svg") == 4 and html.count("Show the data") == 4
    assert html.count("<table>") == 4
    assert reverse("engagement:health_csv", args=[community.slug]) in html
    assert "style=" not in html.split("<main")[1]


def test_health_member_query_count_is_bounded(client, django_assert_max_num_queries):
    community = CommunityFactory(visibility="members")
    member = MembershipFactory(community=community).user
    history(community, days=90)
    client.force_login(member)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("engagement:health", args=[community.slug]))
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") >= 4 * 90


@pytest.mark.parametrize("who", ["anonymous", "outsider", "staff"])
def test_health_members_only_community_is_404_to_non_members(client, who):
    community = CommunityFactory(visibility="members")
    history(community, days=2)
    if who == "outsider":
        client.force_login(UserFactory())
    elif who == "staff":
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse("engagement:health", args=[community.slug])).status_code == 404
    assert client.get(reverse("engagement:health_csv", args=[community.slug])).status_code == 404


def test_health_without_snapshots_says_when_figures_come(client):
    community = CommunityFactory()
    response = client.get(reverse("engagement:health", args=[community.slug]))
    assert response.status_code == 200
    assert "No figures yet" in response.content.decode()


def test_health_unknown_community_is_404(client):
    assert client.get("/c/nope/health/").status_code == 404


def test_health_csv_has_a_row_per_day(client):
    community = CommunityFactory()
    history(community, days=3)
    response = client.get(reverse("engagement:health_csv", args=[community.slug]))
    assert response["Content-Type"].startswith("text/csv")
    assert f"{community.slug}-health.csv" in response["Content-Disposition"]
    lines = response.content.decode().strip().splitlines()
    assert lines[0].startswith("day,members,active_members")
    assert len(lines) == 4
    assert lines[1].startswith((TODAY - timedelta(days=3)).isoformat())
    assert lines[1].endswith(",network,0.0,33.3")  # 0 of 12 pairs two-way; 10 of 30 voted


def test_health_page_from_a_real_snapshot(client):
    community = CommunityFactory()
    x, y, z = _recent_members(community)
    at = snapshots.end_of(TODAY - timedelta(days=1)) - timedelta(days=1)
    root = opening(community, x, at=at)
    reply(reply(root, y, at=at + timedelta(minutes=5)), x, at=at + timedelta(minutes=20))
    reply(root, z, at=at + timedelta(hours=1))
    snapshots.take_snapshots(day=TODAY - timedelta(days=1))
    html = client.get(reverse("engagement:health", args=[community.slug])).content.decode()
    assert ">network<" in html
    assert "1 pair of members have replied to each other" in html
    assert "5 minutes" in html  # the typical wait for a first reply


def _recent_members(community):
    return [
        MembershipFactory(
            community=community, joined_at=snapshots.end_of(TODAY) - timedelta(days=20)
        ).user
        for _ in range(3)
    ]


# --- the directory ------------------------------------------------------------------------


def test_directory_shows_each_stage_with_one_more_query(client):
    communities = [CommunityFactory() for _ in range(3)]
    url = reverse("community:directory")
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for community, stage in zip(communities, ["gathering", "network", "community"], strict=True):
        snapshot(community, TODAY - timedelta(days=2), stage="gathering")
        snapshot(community, TODAY - timedelta(days=1), stage=stage)
    pagecache.forget_all()  # as take_snapshots does: these rows were written directly
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    html = response.content.decode()
    for stage in ["gathering", "network", "community"]:
        assert (
            f'<span class="badge badge--{stage}">'
            f'<span class="visually-hidden">stage: </span>{stage}</span>' in html
        )
    assert len(after) <= len(before) + 1


def test_directory_hides_the_stage_of_members_only_communities_from_outsiders(client):
    community = CommunityFactory(visibility="members")
    snapshot(community, TODAY, stage="community")
    html = client.get(reverse("community:directory")).content.decode()
    assert "badge--community" not in html


# --- my relationships ---------------------------------------------------------------------


def _exchanges():
    community = CommunityFactory(name="Gardeners")
    me, friend, stranger, quiet = members(community, 4)
    at = snapshots.end_of(TODAY) - timedelta(days=1)
    root = opening(community, me, title="Seed swap", at=at)
    reply(reply(root, friend, at=at), me, at=at)  # two ways
    reply(root, stranger, at=at)  # replied to me, never answered
    reply(opening(community, quiet, title="Compost", at=at), me, at=at)  # no reply back
    relationships.recompute_all(until=snapshots.end_of(TODAY))
    return community, me, friend, stranger, quiet


def test_my_relationships_shows_two_way_and_unanswered(client, django_assert_max_num_queries):
    community, me, friend, stranger, quiet = _exchanges()
    client.force_login(me)
    url = reverse("engagement:relationships", args=[me.username])
    # session, user, unread count, the pairs, the watermark: whatever the number of pairs
    with django_assert_max_num_queries(5):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    two_way = html.split("Two-way exchanges")[1].split("Replied to you")[0]
    assert friend.shown_name in two_way and "Seed swap" in two_way
    unanswered = html.split("Replied to you; you have not answered")[1].split("You replied")[0]
    assert stranger.shown_name in unanswered and friend.shown_name not in unanswered
    assert quiet.shown_name in html.split("no reply back yet")[1]


@pytest.mark.parametrize("who", ["friend", "staff"])
def test_my_relationships_is_404_for_anyone_else(client, who):
    community, me, friend, *_ = _exchanges()
    client.force_login(friend if who == "friend" else UserFactory(is_staff=True))
    assert client.get(reverse("engagement:relationships", args=[me.username])).status_code == 404


def test_my_relationships_asks_anonymous_to_log_in(client):
    me = UserFactory()
    response = client.get(reverse("engagement:relationships", args=[me.username]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_health_finding_9_figures_heading_says_as_of_yesterday(client):
    community = CommunityFactory()
    history(community)  # the last snapshot is yesterday's, as the nightly job leaves it
    html = client.get(reverse("engagement:health", args=[community.slug])).content.decode()
    assert "Today’s figures" not in html
    assert "Figures as of yesterday" in html


def test_health_finding_9_older_figures_say_their_day(client):
    community = CommunityFactory()
    day = TODAY - timedelta(days=4)
    snapshot(community, day)
    html = client.get(reverse("engagement:health", args=[community.slug])).content.decode()
    assert f"Figures as of {day.day} {day:%B %Y}" in html
