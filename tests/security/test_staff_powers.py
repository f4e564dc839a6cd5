"""What platform staff can do to members through the admin (R1, R2).

Staff see accounts and may lock one for an abuse or legal reason (and unlock it), each
shown in the public platform log; they cannot act as a member: no password, email,
profile or two-factor change, no silent deactivation, no deletion. They never read what
only members may read (members-only posts, live votes) except through the takedown flow,
whose look is logged too.
"""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Permission
from django.urls import reverse

from community.models import Post
from members.models import PlatformLogEntry, User
from purposes.voting import check_cast_vote
from tests.factories import PASSWORD, UserFactory
from tests.security.world import SECRET_WORDS, build_world

pytestmark = pytest.mark.django_db


def _staff_client(client, world, role):
    user = world.users[role]
    if role == "staff":  # every model permission there is: the admin still refuses
        user.user_permissions.set(Permission.objects.all())
    client.force_login(user)
    return client


def _account_state(user):
    return (
        list(User.objects.filter(pk=user.pk).values()),
        list(EmailAddress.objects.filter(user=user).values()),
        list(Authenticator.objects.filter(user=user).values()),
        User.objects.count(),
    )


@pytest.mark.parametrize("role", ["staff", "superuser"])
def test_user_admin_cannot_act_as_a_member_finding_2(client, role):
    world = build_world()
    member = world.users["member"]
    client = _staff_client(client, world, role)
    before = _account_state(member)
    # Django's UserAdmin names this URL "auth_user_password_change" whatever the model
    password = f"/admin/members/user/{member.pk}/password/"
    change = reverse("admin:members_user_change", args=[member.pk])
    new = {
        "password1": "Taken-over-1234",
        "password2": "Taken-over-1234",
        "usable_password": "true",
    }
    assert client.get(password).status_code == 403
    assert client.post(password, new).status_code == 403
    edited = {
        "username": member.username,
        "email": "mine@evil.example",
        "display_name": "Impostor",
        "bio": "Written by staff",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        # is_active left out: an unticked box, the silent ban
    }
    assert client.post(change, edited).status_code == 403
    add = reverse("admin:members_user_add")
    assert client.get(add).status_code == 403
    assert client.post(add, {"username": "puppet", **new}).status_code == 403
    delete = reverse("admin:members_user_delete", args=[member.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    client.post(
        reverse("admin:members_user_changelist"),
        {"action": "delete_selected", "_selected_action": [member.pk], "post": "yes"},
    )
    # allauth's email admin: a verified address of staff's choosing, then a reset (takeover)
    client.post(
        "/admin/account/emailaddress/add/",
        {"user": member.pk, "email": "mine@evil.example", "verified": "on", "primary": "on"},
    )
    for address in EmailAddress.objects.filter(user=member):
        client.post(
            f"/admin/account/emailaddress/{address.pk}/change/",
            {"user": member.pk, "email": "mine@evil.example", "verified": "on", "primary": "on"},
        )
    client.post("/accounts/password/reset/", {"email": "mine@evil.example"})
    # allauth's two-factor admin: an authenticator staff hold the secret of
    client.post(
        "/admin/mfa/authenticator/add/",
        {"user": member.pk, "type": "totp", "data": '{"secret": "JBSWY3DPEHPK3PXP"}'},
    )
    assert _account_state(member) == before
    assert not PlatformLogEntry.objects.exists()


def _lock(client, user, reason):
    return client.post(reverse("admin:members_user_lock", args=[user.pk]), {"reason": reason})


def test_staff_lock_refuses_login_ends_sessions_and_is_public_finding_2(client):
    staff = UserFactory(username="staffer", is_staff=True)
    member = UserFactory(username="spammer", email="spammer-private@example.org")
    member_client = type(client)()
    member_client.force_login(member)
    assert member_client.get(reverse("notifications:index")).status_code == 200

    client.force_login(staff)
    assert _lock(client, member, "").status_code == 400  # a reason is required
    member.refresh_from_db()
    assert member.is_active
    response = _lock(client, member, "Posting spam links in every community")
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_active
    entry = PlatformLogEntry.objects.get()
    assert (entry.kind, entry.actor, entry.member) == ("lock", staff, member)

    # The existing session stops working; a new login shows the reason.
    assert member_client.get(reverse("notifications:index")).status_code == 302
    login = type(client)().post(
        reverse("account_login"), {"login": "spammer", "password": PASSWORD}, follow=True
    )
    page = login.content.decode()
    assert "Posting spam links in every community" in page
    assert "_auth_user_id" not in login.client.session

    # The platform log is public: reason, date, the account's name, no email address.
    log = type(client)().get("/platform/log/")
    assert log.status_code == 200
    text = log.content.decode()
    assert "spammer" in text and "Posting spam links in every community" in text
    assert "spammer-private@example.org" not in text

    response = client.post(
        reverse("admin:members_user_unlock", args=[member.pk]), {"reason": "Appeal upheld"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_active
    assert list(PlatformLogEntry.objects.values_list("kind", flat=True)) == ["unlock", "lock"]
    assert "Appeal upheld" in type(client)().get("/platform/log/").content.decode()
    fresh = type(client)()
    fresh.post(reverse("account_login"), {"login": "spammer", "password": PASSWORD})
    assert fresh.session.get("_auth_user_id") == str(member.pk)


def test_lock_refused_to_non_staff_and_of_oneself_finding_2(client):
    member = UserFactory()
    other = UserFactory()
    client.force_login(member)
    response = _lock(client, other, "No reason")
    assert response.status_code in (302, 403)  # the admin sends non-staff to its login
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert _lock(client, staff, "Testing").status_code == 403
    assert User.objects.filter(is_active=False).count() == 0
    assert not PlatformLogEntry.objects.exists()


def test_deleted_account_cannot_be_unlocked_by_staff_finding_2(client):
    from members.account_data import do_delete_account

    gone = do_delete_account(user=UserFactory())
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(reverse("admin:members_user_unlock", args=[gone.pk]), {"reason": "x"})
    assert response.status_code == 400
    gone.refresh_from_db()
    assert not gone.is_active


# --- Finding 3: what nobody may see ------------------------------------------------------


def _admin_pages(client, model, obj):
    """The text of the list, of a search for each secret word (the page repeats the
    query itself: that echo is taken out), of the detail and of the history page."""
    label = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    pages = [client.get(reverse(f"{label}_changelist")).content.decode()]
    for word in SECRET_WORDS:
        page = client.get(reverse(f"{label}_changelist"), {"q": word}).content.decode()
        pages.append(page.replace(f"q={word}", "").replace(f'value="{word}"', ""))
    pages.append(client.get(reverse(f"{label}_change", args=[obj.pk])).content.decode())
    pages.append(client.get(reverse(f"{label}_history", args=[obj.pk])).content.decode())
    return pages


@pytest.mark.parametrize("role", ["staff", "superuser"])
def test_vote_admin_never_shows_a_live_choice_finding_3(client, role):
    world = build_world()
    proposal = world.objects["proposal"]
    voter = world.users["author"]
    vote = check_cast_vote(actor=voter, proposal=proposal, choice="against", reason="Pelicanreason")
    client = _staff_client(client, world, role)
    for page in _admin_pages(client, type(vote), vote):
        text = page.lower()
        assert "against" not in text
        assert "pelicanreason" not in text


@pytest.mark.parametrize("role", ["staff", "superuser"])
def test_post_and_thread_admin_show_no_members_only_text_finding_3(client, role):
    world = build_world()
    client = _staff_client(client, world, role)
    post, thread = world.objects["post"], world.objects["thread"]
    proposal = world.objects["proposal"]
    for model, obj in ((Post, post), (type(thread), thread), (type(proposal), proposal)):
        for text in _admin_pages(client, model, obj):
            for word in SECRET_WORDS:
                assert word not in text, (model, word)


def test_staff_read_a_members_only_post_only_through_a_logged_review_finding_3(client):
    world = build_world()
    staff = world.users["staff"]
    post = world.objects["post"]
    client.force_login(staff)
    url = reverse("moderation:takedown", args=[world.inner.slug, post.pk])
    page = client.get(url).content.decode()
    for word in SECRET_WORDS:
        assert word not in page
    assert not PlatformLogEntry.objects.exists()

    page = client.post(url, {"review": "1"}).content.decode()
    assert SECRET_WORDS[1] in page  # the body, to judge it
    entry = PlatformLogEntry.objects.get()
    assert (entry.kind, entry.actor, entry.post) == ("review", staff, post)
    log = type(client)().get("/platform/log/").content.decode()
    assert f"post {post.pk}" in log and world.inner.name in log
    for word in SECRET_WORDS:
        assert word not in log

    response = client.post(url, {"reason": "Court order 12/2026"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.is_taken_down
    assert "Court order 12/2026" in type(client)().get("/platform/log/").content.decode()


def test_a_public_post_is_shown_for_takedown_without_a_log_entry_finding_3(client):
    world = build_world()
    from tests.factories import thread_with_post

    _thread, post = thread_with_post(
        community=world.public, author=world.users["author"], body="Plainly public words"
    )
    client.force_login(world.users["staff"])
    page = client.get(reverse("moderation:takedown", args=[world.public.slug, post.pk]))
    assert "Plainly public words" in page.content.decode()
    assert not PlatformLogEntry.objects.exists()


@pytest.mark.parametrize("role", ["staff", "superuser"])
def test_admin_lists_nothing_of_a_members_only_community_finding_3(client, role):
    # Who belongs to, posts, votes or is invited in a members-only community is its
    # members' business: the community's own pages are a 404 to outsiders, staff included.
    from django.contrib import admin

    world = build_world()
    check_cast_vote(actor=world.users["author"], proposal=world.objects["proposal"], choice="for")
    client = _staff_client(client, world, role)
    for model in admin.site._registry:
        if model._meta.label in {"members.User", "purposes.Charter", "sites.Site"}:
            continue  # accounts, and charters (always public)
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        page = client.get(url).content.decode()
        assert world.inner.name not in page, model
        assert "leaver" not in page, model  # a former member of it only
