"""Accounts through django-allauth: sign-up, mandatory verification, log in, rate limits."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from members.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and unusual passphrase 7"


def _sign_up(client, username="newcomer", email="newcomer@example.org"):
    return client.post(
        reverse("account_signup"),
        {
            "username": username,
            "email": email,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )


def _confirmation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)


def test_signup_creates_an_unverified_user_and_emails_a_verification_link(client, mailoutbox):
    response = _sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(username="newcomer")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["newcomer@example.org"]
    assert "/accounts/confirm-email/" in mailoutbox[0].body


def test_unverified_user_cannot_log_in(client, mailoutbox):
    _sign_up(client)
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "newcomer", "password": NEW_PASSWORD}
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_verification_link_verifies_the_email_then_login_by_username_or_email(client, mailoutbox):
    _sign_up(client)
    link = _confirmation_link(mailoutbox[0])
    assert client.get(link).status_code == 200
    client.post(link)
    assert EmailAddress.objects.get(email="newcomer@example.org").verified
    client.logout()
    for login in ("newcomer", "newcomer@example.org"):
        response = client.post(reverse("account_login"), {"login": login, "password": NEW_PASSWORD})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(User.objects.get(username="newcomer").pk)
        client.post(reverse("account_logout"))
        assert "_auth_user_id" not in client.session


def test_signup_with_a_taken_username_is_refused_and_keeps_what_was_typed(client):
    UserFactory(username="taken")
    response = _sign_up(client, username="taken", email="other@example.org")
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert 'value="other@example.org"' in response.content.decode()
    assert User.objects.filter(username="taken").count() == 1
    assert not User.objects.filter(email="other@example.org").exists()


def test_signup_with_a_taken_email_creates_nothing_and_does_not_reveal_the_account(
    client, mailoutbox
):
    UserFactory(username="owner", email="owner@example.org")
    response = _sign_up(client, username="someone", email="owner@example.org")
    # Same answer as a fresh sign-up (no enumeration); the owner is told by email.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not User.objects.filter(username="someone").exists()
    assert mailoutbox[0].to == ["owner@example.org"]


def test_bad_verification_key_shows_a_clear_error_and_verifies_nothing(client, mailoutbox):
    _sign_up(client)
    response = client.get("/accounts/confirm-email/not-a-real-key/")
    assert response.status_code == 200
    assert "expired or is invalid" in response.content.decode()
    client.post("/accounts/confirm-email/not-a-real-key/")
    assert not EmailAddress.objects.get(email="newcomer@example.org").verified


def test_wrong_password_is_refused_then_rate_limited(client):
    user = UserFactory()
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": user.username, "password": "wrong"}
        )
        assert response.status_code == 200
        assert "The username and/or password you specified are not correct." in (
            response.content.decode()
        )
    response = client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_account_pages_use_the_site_layout(client):
    for name in ("account_login", "account_signup", "account_reset_password"):
        body = client.get(reverse(name)).content.decode()
        assert 'class="site-header"' in body, name
        assert "Skip to content" in body, name
