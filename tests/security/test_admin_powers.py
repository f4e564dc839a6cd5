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
from tests.security.world import SECRET_WORDS, build_world

pytestmark = pytest.mark.django_db

GUARDED = [Membership, Application, Invitation, Charter, Proposal, Vote, Thread, Post]
UNREGISTERED = [
    "community.Community",
    "moderation.Flag",
    "moderation.ModerationAction",
    "purposes.SecretBallot",  # ballots without voters: published on the proposal page
]


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


# --- Every admin page of every registered model, as staff and as superuser ----------------

# What the admin may show (R2): lists. No model is added, changed or deleted through it by
# anyone; the only staff writes are the logged account lock and the takedown, elsewhere.
REGISTERED = {
    "community.Thread",
    "community.Post",
    "notifications.Notification",
    "members.User",
    "members.Membership",
    "members.Application",
    "members.Invitation",
    "purposes.Charter",
    "purposes.Proposal",
    "purposes.Vote",
    "sites.Site",
}
# Pages of other apps that let staff act as a member or hand out admin powers.
NOT_REGISTERED = {"account.EmailAddress", "mfa.Authenticator", "auth.Group"}


def _every_row() -> dict:
    """Every row of every registered model, and of the account tables kept out of it."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.models import Group

    from members.models import PlatformLogEntry

    models = [*admin.site._registry, EmailAddress, Authenticator, Group, PlatformLogEntry]
    return {m._meta.label: list(m._default_manager.order_by("pk").values()) for m in models}


def _form_data(obj) -> dict:
    """The object's own values as a form would send them, with every text changed."""
    from django.forms.models import model_to_dict

    data = {}
    for key, value in model_to_dict(obj).items():
        if isinstance(value, list):
            value = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, str):
            value = f"{value} changed by staff"
        elif value is None:
            value = ""
        elif hasattr(value, "pk"):
            value = value.pk
        data[key] = value
    return data


def _the_instance(model, world):
    from django.contrib.sites.models import Site

    from members.models import User

    chosen = {
        User: world.users["member"],
        Site: Site.objects.get_current(),
        **{m: o for m, o in _instances(world).items() if o is not None},
    }
    return chosen.get(model) or model._default_manager.order_by("pk").first()


def test_admin_registry_is_the_reviewed_list_finding_2():
    registered = {model._meta.label for model in admin.site._registry}
    assert registered == REGISTERED
    assert not registered & NOT_REGISTERED


@pytest.mark.parametrize("role", ["staff", "superuser"])
def test_every_admin_page_of_every_model_changes_nothing_finding_2(client, role):
    from allauth.mfa.models import Authenticator

    from purposes.voting import check_cast_vote

    world = build_world()
    check_cast_vote(
        actor=world.users["author"],
        proposal=world.objects["proposal"],
        choice="against",
        reason="Pelicanreason",
    )
    member = world.users["member"]
    Authenticator.objects.create(user=member, type="totp", data={"secret": "JBSWY3DPEHPK3PXP"})
    user = world.users[role]
    if role == "staff":  # every model permission there is: the admin classes still refuse
        user.user_permissions.set(Permission.objects.all())
    client.force_login(user)
    before = _every_row()
    secrets = (*SECRET_WORDS, "Pelicanreason", "JBSWY3DPEHPK3PXP")
    for model in admin.site._registry:
        obj = _the_instance(model, world)
        assert obj is not None, model
        label = model._meta.label
        data = _form_data(obj)
        pages = {
            "changelist": client.get(_admin_url(model, "changelist")),
            "add GET": client.get(_admin_url(model, "add")),
            "add POST": client.post(_admin_url(model, "add"), data),
            "change GET": client.get(_admin_url(model, "change", obj.pk)),
            "change POST": client.post(_admin_url(model, "change", obj.pk), data),
            "delete GET": client.get(_admin_url(model, "delete", obj.pk)),
            "delete POST": client.post(_admin_url(model, "delete", obj.pk), {"post": "yes"}),
            "history": client.get(_admin_url(model, "history", obj.pk)),
            "bulk delete": client.post(
                _admin_url(model, "changelist"),
                {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
            ),
        }
        assert pages["changelist"].status_code == 200, label  # seeing lists is allowed
        for name in ("add GET", "add POST", "change POST", "delete GET", "delete POST"):
            assert pages[name].status_code == 403, (label, name)
        assert pages["change GET"].status_code in (200, 403), label
        assert 'name="_save"' not in pages["change GET"].content.decode(), label
        assert pages["history"].status_code in (200, 403), label
        for name, page in pages.items():
            text = page.content.decode()
            for word in secrets:
                assert word not in text, (label, name, word)
    assert _every_row() == before
