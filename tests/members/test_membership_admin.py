"""R1, R2 in Django admin: memberships, applications and invitations are read-only for
everyone, superusers included. (Charters are registered by the purposes app.)"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Application, Invitation, Membership
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows():
    community = CommunityFactory()
    membership = MembershipFactory(community=community)
    application = Application.objects.create(
        user=UserFactory(), community=community, motivation="Hi", charter=community.charter
    )
    invitation = Invitation.objects.create(
        community=community,
        inviter=membership.user,
        invitee=UserFactory(),
        expires_at=timezone.now() + timedelta(days=14),
    )
    return {"membership": membership, "application": application, "invitation": invitation}


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("name", ["membership", "application", "invitation"])
def test_admin_add_change_delete_are_403_for_superuser(superuser_client, rows, name):
    obj = rows[name]
    model = type(obj)
    before = list(model.objects.values())
    add = reverse(f"admin:members_{name}_add")
    change = reverse(f"admin:members_{name}_change", args=[obj.pk])
    delete = reverse(f"admin:members_{name}_delete", args=[obj.pk])
    assert superuser_client.get(add).status_code == 403
    assert superuser_client.post(add, {"user": obj.pk}).status_code == 403
    assert superuser_client.get(change).status_code == 403
    assert superuser_client.post(change, {"left_at": "2020-01-01"}).status_code == 403
    assert superuser_client.get(delete).status_code == 403
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    assert list(model.objects.values()) == before


@pytest.mark.parametrize("name", ["membership", "application", "invitation"])
def test_admin_changelist_is_readable_without_bulk_delete(superuser_client, rows, name):
    url = reverse(f"admin:members_{name}_changelist")
    response = superuser_client.get(url)
    assert response.status_code == 200
    assert "delete_selected" not in response.content.decode()
    count = type(rows[name]).objects.count()
    response = superuser_client.post(
        url, {"action": "delete_selected", "_selected_action": [rows[name].pk]}
    )
    assert type(rows[name]).objects.count() == count


def test_admin_user_page_has_no_membership_inline(superuser_client, rows):
    user = rows["membership"].user
    page = superuser_client.get(reverse("admin:members_user_change", args=[user.pk]))
    assert page.status_code == 200
    assert "memberships-TOTAL_FORMS" not in page.content.decode()
    assert Membership.objects.filter(user=user).count() == 1
