"""The Django admin gives platform staff no power over a community (R1, R2): no adding,
changing or deleting memberships, applications, invitations, charters, proposals, votes,
threads or posts, not even for a superuser, through any admin page or bulk action.
Models of the community's record that are not registered cannot be reached at all."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from community.models import Post, Thread
from members.models import Application, Invitation, Membership
from purposes.models import Charter, Proposal, Vote
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

GUARDED = [Membership, Application, Invitation, Charter, Proposal, Vote, Thread, Post]
UNREGISTERED = ["community.Community", "community.Flag", "community.ModerationAction"]


def _admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _instances(world):
    return {
        Membership: Membership.objects.filter(community=world.inner).first(),
        Application: world.objects["application"],
        Invitation: world.objects["invitation"],
        Charter: world.inner.charter,
        Proposal: world.objects["proposal"],
        Vote: None,
        Thread: world.objects["thread"],
        Post: world.objects["post"],
    }


def _counts():
    return {model: model.objects.count() for model in GUARDED}


@pytest.mark.parametrize("role", ["staff", "superuser"])
def test_admin_adds_changes_and_deletes_nothing_of_a_community(client, role):
    world = build_world()
    user = world.users[role]
    if role == "staff":  # every model permission there is: the admin classes still refuse
        user.user_permissions.set(Permission.objects.all())
    client.force_login(user)
    before = _counts()
    for model, obj in _instances(world).items():
        assert client.get(_admin_url(model, "add")).status_code == 403, model
        assert client.post(_admin_url(model, "add"), {}).status_code == 403, model
        if obj is None:
            continue
        assert client.post(_admin_url(model, "change", obj.pk), {}).status_code == 403, model
        assert client.get(_admin_url(model, "delete", obj.pk)).status_code == 403, model
        assert client.post(_admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
        client.post(
            _admin_url(model, "changelist"),
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
    assert _counts() == before


def test_community_record_models_are_not_in_the_admin():
    registered = {model._meta.label for model in admin.site._registry}
    assert not registered & set(UNREGISTERED)
    for model in GUARDED:
        model_admin = admin.site._registry[model]
        request = type("R", (), {"user": type("U", (), {"is_superuser": True})()})()
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
