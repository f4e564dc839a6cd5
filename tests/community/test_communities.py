"""The directory and a community's home."""

import pytest
from django.utils import timezone

from community.lifecycle import do_move_community
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

DIRECTORY = "/c/"


# --- Directory ---------------------------------------------------------------------------


def test_directory_lists_active_then_forming_with_counts_and_purpose(client):
    active = CommunityFactory(name="Active One", charter__purpose="Fix bikes for free.")
    MembershipFactory.create_batch(2, community=active)
    CommunityFactory(name="Forming One", state="forming")
    CommunityFactory(name="Gone One", state="dissolved")
    page = client.get(DIRECTORY).content.decode()
    assert page.index("Active One") < page.index("Forming One")
    assert page.index('id="forming-title"') < page.index("Forming One")
    assert "2 members" in page and "Fix bikes for free." in page
    assert "Gone One" not in page


def test_directory_search_matches_name_and_purpose(client):
    CommunityFactory(name="Cyclists", charter__purpose="Ride at night.")
    CommunityFactory(name="Readers", charter__purpose="Read novels.")
    page = client.get(DIRECTORY, {"q": "novels"}).content.decode()
    assert "Readers" in page and "Cyclists" not in page
    page = client.get(DIRECTORY, {"q": "cycl"}).content.decode()
    assert "Cyclists" in page and "Readers" not in page


def test_directory_paginates(client):
    for n in range(25):
        CommunityFactory(name=f"Place {n:02d}")
    first = client.get(DIRECTORY).content.decode()
    second = client.get(DIRECTORY, {"page": 2}).content.decode()
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert first.count('class="community-item"') == 20
    assert second.count('class="community-item"') == 5


def test_directory_hides_member_count_of_members_only_to_outsiders(client):
    community = CommunityFactory(name="Quiet Circle", visibility="members")
    member = MembershipFactory(community=community).user
    page = client.get(DIRECTORY).content.decode()
    assert "Quiet Circle" in page and "1 member" not in page
    client.force_login(member)
    assert "1 member" in client.get(DIRECTORY).content.decode()


def test_directory_shows_a_moved_community_as_moved_after_the_live_ones(client):
    now = timezone.now()
    CommunityFactory(name="Live Menders")
    moved = CommunityFactory(name="Old Growers")  # the more recently active one
    member = MembershipFactory(community=moved).user
    before = client.get(DIRECTORY).content.decode()  # the anonymous copy is now cached
    assert before.index("Old Growers") < before.index("Live Menders")
    assert "badge--moved" not in before
    do_move_community(community=moved, to="https://b.example/c/growers/", at=now)
    link = '<a href="https://b.example/c/growers/" rel="noopener">https://b.example/c/growers/</a>'
    for viewer in (None, member):
        if viewer:
            client.force_login(viewer)
        page = client.get(DIRECTORY).content.decode()
        assert '<span class="badge badge--moved">moved</span>' in page
        assert f"Continues at {link}" in page
        assert page.index("Live Menders") < page.index("Old Growers")
        assert page.count("badge--moved") == 1


def test_directory_query_count_does_not_grow(client, django_assert_max_num_queries):
    client.force_login(UserFactory())
    for size in (2, 20):
        for _ in range(size):
            community = CommunityFactory()
            MembershipFactory.create_batch(2, community=community)
            CommunityFactory(state="forming")
        # session, user, site nav, the page of active ones and its count, forming, mine
        with django_assert_max_num_queries(10):
            assert client.get(DIRECTORY).status_code == 200


# --- Home -----------------------------------------------------------------------------------


def test_home_shows_purpose_goals_count_and_the_right_button(client):
    community = CommunityFactory(charter__purpose="We mend things.", charter__goals=["Mend"])
    member = MembershipFactory(community=community).user
    page = client.get(community.get_absolute_url()).content.decode()
    assert "We mend things." in page and "Mend" in page and 'id="recent-threads"' in page
    assert "Log in to join" in page
    client.force_login(UserFactory())
    assert "Join this community" in client.get(community.get_absolute_url()).content.decode()
    client.force_login(member)
    assert "Leave this community" in client.get(community.get_absolute_url()).content.decode()


def test_home_button_for_application_and_invitation_policies(client):
    applying = CommunityFactory(charter__join_policy="application")
    inviting = CommunityFactory(charter__join_policy="invitation")
    client.force_login(UserFactory())
    assert "Apply to join" in client.get(applying.get_absolute_url()).content.decode()
    page = client.get(inviting.get_absolute_url()).content.decode()
    assert "by invitation from a member" in page


def test_home_of_forming_community_shows_who_endorsed_and_what_is_missing(client, settings):
    settings.FOUNDING_QUORUM = 3
    community = CommunityFactory(state="forming", activated_at=None)
    MembershipFactory(community=community, user__display_name="Ana Founder")
    MembershipFactory(community=community, user__display_name="Ben Late", affirmed_charter=None)
    page = client.get(community.get_absolute_url()).content.decode()
    assert "1 of 3 founders have endorsed" in page
    assert "Ana Founder" in page and "Ben Late" in page and "not yet endorsed" in page
    assert "1 founder to join" in page


def test_home_of_members_only_community_for_outsiders_shows_only_public_parts(client):
    community = CommunityFactory(visibility="members", charter__purpose="Quiet reading.")
    MembershipFactory(community=community, user__display_name="Private Person")
    page = client.get(community.get_absolute_url()).content.decode()
    assert "Quiet reading." in page and "Members only" in page
    assert "Private Person" not in page and 'id="recent-threads"' not in page


def test_home_query_count_does_not_grow(client, django_assert_max_num_queries):
    community = CommunityFactory()
    viewer = MembershipFactory(community=community).user
    client.force_login(viewer)
    for size in (2, 40):
        MembershipFactory.create_batch(size, community=community)
        with django_assert_max_num_queries(10):
            assert client.get(community.get_absolute_url()).status_code == 200


def test_dissolved_community_home_has_no_join_button(client):
    community = CommunityFactory(state="dissolved", dissolved_at=timezone.now())
    client.force_login(UserFactory())
    page = client.get(community.get_absolute_url()).content.decode()
    assert "read-only archive" in page and "Join this community" not in page
