"""Sessions and accounts (issue 9): a new session id at login, logout ends the session, a
password change ends the other sessions, sign-in, sign-up and password reset answer the
same for known and unknown accounts, failed logins are rate-limited, and the admin's own
login form is not a way around any of that."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another horse battery staple"


def _log_in(client, login, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def _normalised(response) -> str:
    """The page without what differs on every request (tokens, nonces)."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    text = re.sub(r'nonce="[^"]*"', "", text)
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", text)


def _session_key(client) -> str:
    return client.cookies["sessionid"].value


def test_session_id_changes_at_login_and_the_old_one_is_gone(client):
    user = UserFactory()
    session = client.session
    session["seen"] = True
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before
    response = _log_in(client, user.username)
    assert response.status_code == 302
    after = _session_key(client)
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert Session.objects.get(session_key=after).get_decoded()["_auth_user_id"] == str(user.pk)


def test_logout_ends_the_session_on_the_server(client):
    user = UserFactory()
    _log_in(client, user.username)
    key = _session_key(client)
    stolen = Client()
    stolen.cookies["sessionid"] = key
    assert stolen.get(reverse("notifications:index")).status_code == 200
    client.post(reverse("account_logout"))
    assert not Session.objects.filter(session_key=key).exists()
    # The old cookie, replayed, is anonymous.
    assert stolen.get(reverse("notifications:index")).status_code == 302


def test_password_change_ends_the_other_sessions(client):
    user = UserFactory()
    other = Client()
    _log_in(other, user.username)
    _log_in(client, user.username)
    assert other.get(reverse("notifications:index")).status_code == 200
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    # The browser that changed it stays signed in; every other session is out.
    assert client.get(reverse("notifications:index")).status_code == 200
    assert other.get(reverse("notifications:index")).status_code == 302


def test_password_reset_ends_every_session(client, mailoutbox):
    user = UserFactory()
    signed_in = Client()
    _log_in(signed_in, user.username)
    client.post(reverse("account_reset_password"), {"email": user.email})
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+", mailoutbox[0].body).group(0)
    page = client.get(link, follow=True)
    client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else link,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert signed_in.get(reverse("notifications:index")).status_code == 302


def test_failed_sign_in_answers_the_same_for_known_and_unknown_accounts(client):
    UserFactory(username="known", email="known@example.org")
    known = _log_in(client, "known", "wrong password")
    unknown = _log_in(Client(), "nobody", "wrong password")
    assert known.status_code == unknown.status_code == 200
    assert _normalised(known).replace("known", "X") == _normalised(unknown).replace("nobody", "X")
    by_email = _log_in(Client(), "known@example.org", "wrong password")
    by_unknown_email = _log_in(Client(), "nobody@example.org", "wrong password")
    assert _normalised(by_email).replace("known@", "X@") == _normalised(by_unknown_email).replace(
        "nobody@", "X@"
    )


def test_password_reset_answers_the_same_for_known_and_unknown_emails(client, mailoutbox):
    UserFactory(email="known@example.org")
    url = reverse("account_reset_password")
    known = client.post(url, {"email": "known@example.org"})
    unknown = Client().post(url, {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    # Each address gets a mail; only the known one holds a reset link.
    assert sorted(m.to[0] for m in mailoutbox) == ["known@example.org", "nobody@example.org"]


def test_sign_up_answers_the_same_for_known_and_unknown_emails(client, mailoutbox):
    UserFactory(email="known@example.org")
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    known = client.post(
        reverse("account_signup"), {"username": "newone", "email": "known@example.org"} | data
    )
    unknown = Client().post(
        reverse("account_signup"), {"username": "newtwo", "email": "fresh@example.org"} | data
    )
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_failed_logins_are_rate_limited_per_account_whatever_the_password(client):
    user = UserFactory()
    for _ in range(5):
        _log_in(Client(), user.username, "wrong")
    # Even the right password, from a fresh browser, waits now.
    fresh = Client()
    response = _log_in(fresh, user.username)
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in fresh.session


def test_admin_login_form_only_redirects_to_the_rate_limited_sign_in(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    # Posting credentials to the admin's form signs nobody in.
    response = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    # Through the real sign-in, staff reach the admin.
    _log_in(client, staff.username)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/").status_code == 302


def test_a_signed_in_non_staff_user_is_refused_by_the_admin_without_a_loop(client):
    client.force_login(UserFactory())
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403


def test_admin_login_is_rate_limited_like_any_sign_in(client):
    staff = UserFactory(is_staff=True)
    for _ in range(5):
        client.post("/admin/login/", {"username": staff.username, "password": "wrong"})
        _log_in(client, staff.username, "wrong")
    response = _log_in(client, staff.username)
    assert "Too many failed login attempts" in response.content.decode()
