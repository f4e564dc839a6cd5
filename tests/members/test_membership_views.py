"""Membership pages: join, apply, invite, leave, members, profiles; R1/R2 through the web."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Application, Invitation, Membership
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def current(user, community):
    return Membership.objects.current().filter(user=user, community=community)


def join_url(community):
    return reverse("members:join", args=[community.slug])


def test_join_page_shows_charter_and_affirm_checkbox(client):
    community = CommunityFactory(charter__purpose="To mend bicycles together.")
    client.force_login(UserFactory())
    page = client.get(join_url(community)).content.decode()
    assert "To mend bicycles together." in page
    assert "I affirm this purpose" in page
    assert "or 40 % for a change of purpose or rules" in page


def test_join_page_asks_anonymous_to_log_in(client):
    response = client.get(join_url(CommunityFactory()))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_join_without_affirming_is_400_and_changes_nothing(client):
    community = CommunityFactory()
    user = UserFactory()
    client.force_login(user)
    response = client.post(join_url(community), {})
    assert response.status_code == 400
    assert "tick “I affirm this purpose”" in response.content.decode()
    assert not current(user, community).exists()


def test_join_then_join_again_is_not_an_error(client):
    community = CommunityFactory()
    user = UserFactory()
    client.force_login(user)
    assert client.post(join_url(community), {"affirm": "on"}).status_code == 302
    response = client.post(join_url(community), {"affirm": "on"}, follow=True)
    assert response.status_code == 200
    assert "already a member" in response.content.decode()
    assert current(user, community).count() == 1


def test_staff_post_naming_another_user_joins_only_the_staff_user(client):
    """R1: joins are always for request.user; there is no way to name someone else."""
    community = CommunityFactory()
    staff = UserFactory(is_staff=True, is_superuser=True)
    victim = UserFactory()
    client.force_login(staff)
    client.post(
        join_url(community),
        {"affirm": "on", "user": victim.pk, "user_id": victim.pk, "username": victim.username},
    )
    assert not Membership.objects.filter(user=victim).exists()
    assert current(staff, community).exists()


def test_staff_cannot_accept_someone_elses_invitation(client):
    community = CommunityFactory(charter__join_policy="invitation")
    invitation = Invitation.objects.create(
        community=community,
        inviter=MembershipFactory(community=community).user,
        invitee=UserFactory(),
        expires_at=timezone.now() + timedelta(days=14),
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("members:invitation", args=[invitation.pk])
    assert client.post(url, {"affirm": "on"}).status_code == 404
    assert not current(invitation.invitee, community).exists()
    invitation.refresh_from_db()
    assert invitation.is_open


def test_join_dissolved_community_is_refused_with_a_message(client):
    community = CommunityFactory(state="dissolved")
    user = UserFactory()
    client.force_login(user)
    response = client.post(join_url(community), {"affirm": "on"})
    assert response.status_code == 400
    assert "read-only archive" in response.content.decode()
    assert not current(user, community).exists()


def test_join_members_only_invitation_community_without_invitation(client):
    community = CommunityFactory(visibility="members", charter__join_policy="invitation")
    user = UserFactory()
    client.force_login(user)
    page = client.get(join_url(community)).content.decode()
    assert "by invitation" in page and "I affirm this purpose" not in page
    response = client.post(join_url(community), {"affirm": "on"})
    assert response.status_code == 400 and "invitation only" in response.content.decode()
    assert not current(user, community).exists()


def test_apply_through_the_join_page_keeps_text_on_error(client):
    community = CommunityFactory(charter__join_policy="application")
    client.force_login(UserFactory())
    response = client.post(join_url(community), {"motivation": "x" * 2001, "affirm": "on"})
    assert response.status_code == 400
    assert "x" * 2001 in response.content.decode()
    assert not Application.objects.exists()
    response = client.post(join_url(community), {"motivation": "I ride daily.", "affirm": "on"})
    assert response.status_code == 302
    assert Application.objects.get().motivation == "I ride daily."


def test_decide_application_page_admit_and_refuse_second(client):
    community = CommunityFactory(charter__join_policy="application")
    elder = MembershipFactory(community=community, joined_at=timezone.now() - timedelta(days=9))
    applicant = UserFactory()
    application = Application.objects.create(
        user=applicant, community=community, motivation="Please", charter=community.charter
    )
    url = reverse("members:application", args=[community.slug, application.pk])
    client.force_login(elder.user)
    assert client.post(url, {"decision": "admit", "reason": "Welcome"}).status_code == 302
    assert current(applicant, community).exists()
    response = client.post(url, {"decision": "decline"})
    assert response.status_code == 400
    assert "already been admitted" in response.content.decode()
    application.refresh_from_db()
    assert application.state == "admitted"


def test_application_hidden_from_outsiders_and_decision_refused_to_staff(client):
    community = CommunityFactory(charter__join_policy="application", visibility="members")
    application = Application.objects.create(
        user=UserFactory(), community=community, motivation="Please", charter=community.charter
    )
    url = reverse("members:application", args=[community.slug, application.pk])
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "admit"}).status_code == 404
    application.refresh_from_db()
    assert application.is_pending


def test_invite_page_errors_for_self_and_unknown(client):
    community = CommunityFactory(charter__join_policy="invitation")
    member = MembershipFactory(community=community).user
    client.force_login(member)
    url = reverse("members:invite", args=[community.slug])
    response = client.post(url, {"username": member.username})
    assert response.status_code == 400 and "invite yourself" in response.content.decode()
    response = client.post(url, {"username": "ghost"})
    assert response.status_code == 400 and "Nobody here" in response.content.decode()
    assert not Invitation.objects.exists()


def test_invite_page_refused_to_non_members(client):
    community = CommunityFactory()
    client.force_login(UserFactory(is_staff=True))
    url = reverse("members:invite", args=[community.slug])
    assert client.post(url, {"username": UserFactory().username}).status_code == 403
    assert not Invitation.objects.exists()


def test_invitations_page_accept_and_decline(client):
    community = CommunityFactory(charter__join_policy="invitation")
    inviter = MembershipFactory(community=community).user
    invitee = UserFactory()
    first = Invitation.objects.create(
        community=community,
        inviter=inviter,
        invitee=invitee,
        expires_at=timezone.now() + timedelta(days=14),
    )
    client.force_login(invitee)
    assert community.name in client.get(reverse("members:invitations")).content.decode()
    response = client.post(reverse("members:decline_invitation", args=[first.pk]))
    assert response.status_code == 302
    assert not current(invitee, community).exists()
    first.refresh_from_db()
    assert first.state == "declined"
    response = client.post(reverse("members:invitation", args=[first.pk]), {"affirm": "on"})
    assert response.status_code == 400 and "declined" in response.content.decode()
    assert not current(invitee, community).exists()


def test_leave_needs_confirmation_then_keeps_the_row(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    url = reverse("members:leave", args=[membership.community.slug])
    assert "Leave this community" in client.get(url).content.decode()
    membership.refresh_from_db()
    assert membership.left_at is None
    assert client.post(url).status_code == 302
    membership.refresh_from_db()
    assert membership.left_at is not None


def test_members_page_lists_members_and_reaffirmation(client):
    community = CommunityFactory()
    alice = MembershipFactory(community=community, user__display_name="Alice A")
    MembershipFactory(community=community, user__display_name="Bob B", affirmed_charter=None)
    MembershipFactory(community=community, user__display_name="Gone G", left_at=timezone.now())
    page = client.get(reverse("members:members", args=[community.slug])).content.decode()
    assert "Alice A" in page and "Bob B" in page and "Gone G" not in page
    assert "not yet re-affirmed" in page and "affirmed the current charter" in page
    assert alice.user.email not in page


def test_members_only_community_hides_members_but_not_name_or_charter(client):
    community = CommunityFactory(
        visibility="members", name="Secret Garden", charter__purpose="Grow quietly."
    )
    MembershipFactory(community=community, user__display_name="Hidden Member")
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("members:members", args=[community.slug])).status_code == 404
    home = client.get(community.get_absolute_url()).content.decode()
    assert "Secret Garden" in home and "Grow quietly." in home
    assert "Hidden Member" not in home


def test_profile_shows_visible_communities_and_never_the_email(client):
    user = UserFactory(display_name="Dee", bio="I like **soil** <script>alert(1)</script>")
    public = MembershipFactory(user=user, community__name="Open Garden")
    MembershipFactory(user=user, community__name="Hidden Circle", community__visibility="members")
    page = client.get(reverse("members:profile", args=[user.username])).content.decode()
    assert "Dee" in page and "<strong>soil</strong>" in page and "<script>alert" not in page
    assert "Open Garden" in page and "Hidden Circle" not in page
    assert user.email not in page
    assert public.community.get_absolute_url() in page


def test_profile_edit_only_ones_own(client):
    user, other = UserFactory(), UserFactory(is_staff=True, is_superuser=True)
    url = reverse("members:profile_edit", args=[user.username])
    client.force_login(other)
    assert client.post(url, {"display_name": "Hacked"}).status_code == 403
    client.force_login(user)
    response = client.post(url, {"display_name": "x" * 81, "bio": "kept"})
    assert response.status_code == 400 and "kept" in response.content.decode()
    assert client.post(url, {"display_name": "Me", "bio": "Hello"}).status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.bio) == ("Me", "Hello")


def test_members_page_query_count_does_not_grow(client, django_assert_max_num_queries):
    community = CommunityFactory()
    viewer = MembershipFactory(community=community).user
    client.force_login(viewer)
    url = reverse("members:members", args=[community.slug])
    for size in (3, 30):
        MembershipFactory.create_batch(size, community=community)
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


def test_profile_query_count_does_not_grow(client, django_assert_max_num_queries):
    user = UserFactory()
    client.force_login(UserFactory())
    url = reverse("members:profile", args=[user.username])
    for size in (2, 20):
        for _ in range(size):
            MembershipFactory(user=user)
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("who", "visibility", "status"),
    [
        ("anonymous", "public", 302),
        ("outsider", "public", 403),
        ("staff", "public", 403),
        ("outsider", "members", 404),
        ("member", "members", 200),
    ],
)
def test_applications_page_by_role(client, who, visibility, status):
    community = CommunityFactory(visibility=visibility, charter__join_policy="application")
    member = MembershipFactory(community=community).user
    user = {
        "anonymous": None,
        "outsider": UserFactory(),
        "staff": UserFactory(is_staff=True, is_superuser=True),
        "member": member,
    }[who]
    if user is not None:
        client.force_login(user)
    url = reverse("members:applications", args=[community.slug])
    assert client.get(url).status_code == status


def test_applicant_sees_and_withdraws_own_application_in_members_only_community(client):
    community = CommunityFactory(visibility="members", charter__join_policy="application")
    applicant = UserFactory()
    application = Application.objects.create(
        user=applicant, community=community, motivation="Let me in", charter=community.charter
    )
    client.force_login(applicant)
    url = reverse("members:application", args=[community.slug, application.pk])
    page = client.get(url).content.decode()
    assert "Let me in" in page and "Withdraw my application" in page
    withdraw = reverse("members:withdraw_application", args=[community.slug, application.pk])
    assert client.post(withdraw).status_code == 302
    application.refresh_from_db()
    assert application.state == "withdrawn"
    assert client.post(withdraw, follow=True).status_code == 200
    application.refresh_from_db()
    assert application.state == "withdrawn"


def test_join_forming_community_with_every_place_taken_is_refused(client, settings):
    settings.FOUNDING_QUORUM = 2
    community = CommunityFactory(state="forming", activated_at=None)
    MembershipFactory(community=community)
    MembershipFactory(community=community, affirmed_charter=None)
    user = UserFactory()
    client.force_login(user)
    assert "Every founder’s place is taken" in client.get(join_url(community)).content.decode()
    response = client.post(join_url(community), {"affirm": "on", "revision": "1"})
    assert response.status_code == 400
    assert "Every founder’s place in this forming community is taken" in response.content.decode()
    assert not current(user, community).exists()
