"""Directory, founding form, community home (issue 3)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import Community
from members.models import Membership
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

DIRECTORY = "/c/"


def founding_data(**overrides):
    data = {
        "community-name": "Seed Savers",
        "community-slug": "",
        "community-tagline": "Keeping old varieties alive",
        "community-visibility": "public",
        "charter-purpose": "We save and swap seeds of old varieties.",
        "charter-goals": "Swap seeds each spring\nKeep a seed library",
        "charter-join_policy": "open",
        "charter-seconds_required": "2",
        "charter-discussion_days": "3",
        "charter-voting_days": "7",
        "charter-quorum_percent": "25",
        "charter-major_quorum_percent": "40",
        "charter-flag_threshold": "3",
        "charter-moderator_term_days": "90",
    }
    return data | overrides


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


# --- Founding ------------------------------------------------------------------------------


def test_new_requires_login_and_verified_email(client):
    assert client.get(reverse("purposes:found")).status_code == 302
    client.force_login(UserFactory(verified=False))
    assert client.get(reverse("purposes:found")).status_code == 403
    assert client.post(reverse("purposes:found"), founding_data()).status_code == 403
    assert not Community.objects.exists()


def test_new_founds_a_forming_community_and_redirects_home(client):
    founder = UserFactory()
    client.force_login(founder)
    response = client.post(reverse("purposes:found"), founding_data())
    community = Community.objects.get()
    assert response["Location"] == community.get_absolute_url() == "/c/seed-savers/"
    assert community.is_forming and community.charter.goals == [
        "Swap seeds each spring",
        "Keep a seed library",
    ]
    assert Membership.objects.get(community=community).user == founder


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"community-slug": "admin"}, "reserved"),
        ({"community-name": ""}, "This field is required"),
        ({"community-name": "x" * 81}, "at most 80"),
        ({"charter-purpose": ""}, "This field is required"),
        ({"charter-goals": ""}, "This field is required"),
        ({"charter-goals": "\n".join(f"g{n}" for n in range(11))}, "10 goals"),
        ({"charter-quorum_percent": "0"}, "greater than or equal to 1"),
    ],
)
def test_new_refuses_bad_input_keeps_what_was_typed(client, overrides, message):
    client.force_login(UserFactory())
    response = client.post(reverse("purposes:found"), founding_data(**overrides))
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert (
        "We save and swap seeds of old varieties." in page or overrides.get("charter-purpose") == ""
    )
    assert not Community.objects.exists()


def test_new_refuses_taken_slug(client):
    CommunityFactory(slug="seed-savers")
    client.force_login(UserFactory())
    response = client.post(reverse("purposes:found"), founding_data())
    assert response.status_code == 400 and "is taken" in response.content.decode()
    assert Community.objects.count() == 1


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


def test_founding_edit_page_only_for_author_while_forming(client):
    author = UserFactory()
    client.force_login(author)
    client.post(reverse("purposes:found"), founding_data())
    community = Community.objects.get()
    url = reverse("purposes:founding_edit", args=[community.slug])
    assert "We save and swap seeds" in client.get(url).content.decode()
    data = {k.replace("community-", "x-"): v for k, v in founding_data().items()}
    data["charter-purpose"] = "We save seeds."
    assert client.post(url, data).status_code == 302
    community.charter.refresh_from_db()
    assert community.charter.purpose == "We save seeds."
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.post(url, data | {"charter-purpose": "Staff rewrite"}).status_code == 403
    community.charter.refresh_from_db()
    assert community.charter.purpose == "We save seeds."


def test_dissolved_community_home_has_no_join_button(client):
    community = CommunityFactory(state="dissolved", dissolved_at=timezone.now())
    client.force_login(UserFactory())
    page = client.get(community.get_absolute_url()).content.decode()
    assert "read-only archive" in page and "Join this community" not in page


def test_endorse_page_for_a_founder_whose_endorsement_was_reset(client, settings):
    settings.FOUNDING_QUORUM = 2
    community = CommunityFactory(state="forming", activated_at=None)
    founder = MembershipFactory(community=community, affirmed_charter=None).user
    MembershipFactory(community=community)
    client.force_login(founder)
    home = client.get(community.get_absolute_url()).content.decode()
    assert "Read and endorse the charter" in home
    assert "Edit the founding charter" not in home  # not the author
    url = reverse("purposes:founding_endorse", args=[community.slug])
    assert "Endorse this charter" in client.get(url).content.decode()
    response = client.post(url, {"revision": community.charter.revision}, follow=True)
    assert "is now active" in response.content.decode()
    community.refresh_from_db()
    assert community.is_active


def test_staff_cannot_endorse_or_edit_for_others(client):
    community = CommunityFactory(state="forming", activated_at=None)
    MembershipFactory(community=community)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    client.post(reverse("purposes:founding_endorse", args=[community.slug]))
    assert not Membership.objects.filter(user__is_staff=True).exists()
    community.refresh_from_db()
    assert community.is_forming
