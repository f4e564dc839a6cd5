"""Usernames: the anonymised name space is reserved, deletion never collides with a
squatter, a deleted member's name is never given again, and look-alike names (UTS #39
confusables, case, fullwidth forms) are refused at sign-up and in every rename."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from community import actions
from community.models import Post
from members.account_data import do_delete_account
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a long enough passphrase 1"


def sign_up(username: str, email: str | None = None):
    """Sign up through allauth's form; the account made, if any (by its email)."""
    client = Client()
    response = client.post(
        reverse("account_signup"),
        {
            "username": username,
            "email": email or f"x{abs(hash(username))}@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    return response, User.objects.filter(
        username=username, email=email or f"x{abs(hash(username))}@example.org"
    ).first()


def test_a_squatter_on_the_anonymised_name_cannot_block_deletion_item_3(client):
    victim = UserFactory(username="victim")
    victim.set_password(PASSWORD)
    victim.save()
    # The squat, as an account from before the name space was reserved would hold it.
    User.objects.create(username=f"deleted-{victim.pk}", email="squatter@example.org")
    client.force_login(victim)
    response = client.post(
        reverse("members:account_delete", args=["victim"]), {"password": PASSWORD}
    )
    assert response.status_code in {200, 302}, response.status_code
    victim.refresh_from_db()
    assert victim.is_active is False
    assert victim.username.startswith(f"deleted-{victim.pk}")
    assert victim.email == ""
    do_delete_account(user=victim)  # idempotent
    victim.refresh_from_db()
    assert victim.username.startswith(f"deleted-{victim.pk}")


@pytest.mark.parametrize("name", ["deleted-12", "Deleted-3", "deleted_7", "de1eted-4", "deleted"])
def test_the_anonymised_name_space_is_refused_at_sign_up_item_3(name):
    response, user = sign_up(name)
    assert user is None, name
    assert "kept for former members" in response.text


def test_a_deleted_members_name_is_never_registered_again_item_3():
    alice = MembershipFactory(community=CommunityFactory(slug="k"), user__username="alice").user
    bruno = MembershipFactory(community=alice.memberships.get().community).user
    thread = actions.check_create_thread(
        actor=bruno, community=alice.memberships.get().community, title="Hi", body="@alice hi"
    )
    do_delete_account(user=alice)
    for name in ("alice", "ALICE", "aIice", "\u0430lice"):
        response, user = sign_up(name)
        assert user is None, name
    # The old mention leads to nobody new.
    body_html = Post.objects.get(thread=thread).body_html
    assert (
        'href="/u/alice/"' not in body_html
        or not User.objects.filter(username__iexact="alice", is_active=True).exists()
    )


@pytest.mark.parametrize(
    "name", ["aIice", "\u0430lice", "ALICE", "al\u0456ce", "\uff43\uff48\uff45\uff4e", "chen"]
)
def test_look_alike_usernames_are_refused_at_sign_up_item_6(name):
    UserFactory(username="alice")
    UserFactory(username="chen")
    response, user = sign_up(name)
    assert user is None, name
    said = response.text
    assert "looks too much like" in said or "plain characters" in said or "already" in said


def test_distinct_names_are_still_accepted_item_6():
    UserFactory(username="alice")
    for name in ("alicia", "bob", "\u0437\u0438\u043d\u0430", "mei_lin"):
        response, user = sign_up(name)
        assert user is not None, (name, response.status_code)


def test_the_admin_renames_nobody_so_no_reserved_or_look_alike_name_gets_in_item_3(client):
    """Renaming someone is a change staff may not make (R2): the admin refuses every
    rename, a reserved or look-alike name included, so the sign-up rule is the only door."""
    UserFactory(username="alice")
    target = UserFactory(username="target")
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:members_user_change", args=[target.pk])
    form = {
        "email": target.email,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "is_active": "on",
    }
    for name in ("deleted-99", "aIice", "renamed"):
        response = client.post(url, form | {"username": name})
        assert response.status_code == 403, name
        target.refresh_from_db()
        assert target.username == "target", name
