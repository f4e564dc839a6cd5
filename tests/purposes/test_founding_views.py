"""The founding pages (purposes/views/founding.py): founding a community, editing the
founding charter while it forms, endorsing it."""

import pytest
from django.urls import reverse

from community.models import Community
from members.models import Membership
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


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


def test_found_requires_login_and_verified_email(client):
    assert client.get(reverse("purposes:found")).status_code == 302
    client.force_login(UserFactory(verified=False))
    assert client.get(reverse("purposes:found")).status_code == 403
    assert client.post(reverse("purposes:found"), founding_data()).status_code == 403
    assert not Community.objects.exists()


def test_found_founds_a_forming_community_and_redirects_home(client):
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
def test_found_refuses_bad_input_keeps_what_was_typed(client, overrides, message):
    client.force_login(UserFactory())
    response = client.post(reverse("purposes:found"), founding_data(**overrides))
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert (
        "We save and swap seeds of old varieties." in page or overrides.get("charter-purpose") == ""
    )
    assert not Community.objects.exists()


def test_found_refuses_taken_slug(client):
    CommunityFactory(slug="seed-savers")
    client.force_login(UserFactory())
    response = client.post(reverse("purposes:found"), founding_data())
    assert response.status_code == 400 and "is taken" in response.content.decode()
    assert Community.objects.count() == 1


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
