"""Personal access tokens: only a digest is stored, scopes and expiry are enforced, and a
token stops at once when revoked, expired or its account is locked. The settings page
makes (shown once), lists and revokes them."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from api import tokens
from api.models import PersonalAccessToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_check_create_token_stores_only_a_digest_and_a_short_prefix():
    ana = UserFactory()
    token, secret = tokens.check_create_token(actor=ana, name="bot", scopes=["read"])
    row = PersonalAccessToken.objects.get(pk=token.pk)
    assert secret.startswith("cmn_") and len(secret) > 40
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret[6:] not in (row.prefix + row.name + str(row.scopes))
    assert row.expires_at - row.created_at == timedelta(days=90)


@pytest.mark.parametrize(
    ("name", "scopes", "days", "field"),
    [
        ("", ["read"], 90, "name"),
        ("bot", [], 90, "scopes"),
        ("bot", ["admin"], 90, "scopes"),
        ("bot", ["read"], 366, "days"),
        ("bot", ["read"], 0, "days"),
    ],
)
def test_check_create_token_refused_for_bad_input(name, scopes, days, field):
    ana = UserFactory()
    with pytest.raises(ValidationError) as refused:
        tokens.check_create_token(actor=ana, name=name, scopes=scopes, days=days)
    assert field in refused.value.message_dict
    assert not PersonalAccessToken.objects.exists()


def test_check_revoke_token_refused_for_someone_elses_token():
    ana, ben = UserFactory(), UserFactory()
    token, _secret = tokens.check_create_token(actor=ana, name="bot", scopes=["read"])
    with pytest.raises(PermissionDenied):
        tokens.check_revoke_token(actor=ben, token_id=token.pk)
    token.refresh_from_db()
    assert token.revoked_at is None


def read_me(api, secret):
    return api.get("/me/memberships", token=secret)


def test_a_live_token_reads_and_records_its_last_use(api):
    ana = UserFactory()
    token, secret = tokens.check_create_token(actor=ana, name="bot", scopes=["read"])
    assert read_me(api, secret).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    ("spoil", "status", "code"),
    [
        (lambda t: tokens.do_revoke_token(token=t), 401, "token_revoked"),
        (
            lambda t: PersonalAccessToken.objects.filter(pk=t.pk).update(
                expires_at=timezone.now() - timedelta(seconds=1)
            ),
            401,
            "token_expired",
        ),
        (
            lambda t: type(t.user).objects.filter(pk=t.user_id).update(is_active=False),
            403,
            "account_locked",
        ),
    ],
    ids=["revoked", "expired", "locked"],
)
def test_a_spoiled_token_is_refused_with_a_stable_code(api, spoil, status, code):
    ana = UserFactory()
    token, secret = tokens.check_create_token(actor=ana, name="bot", scopes=["read"])
    spoil(token)
    response = read_me(api, secret)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["message"]


@pytest.mark.parametrize(
    "header",
    ["Bearer cmn_nottherightsecret", "Bearer ", "Basic YWxpY2U6cHc=", "Bearer cmn_" + "x" * 500],
)
def test_a_wrong_token_is_refused_with_401(client, header):
    response = client.get("/api/v1/me/memberships", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_session_cookie_is_not_a_token(client):
    """A page open in the same browser does not lend its login to a script (no CSRF)."""
    client.force_login(UserFactory())
    assert client.get("/api/v1/me/memberships").status_code == 401


# --- The settings page ----------------------------------------------------------------------


def test_token_settings_sends_anonymous_to_log_in(client):
    response = client.get("/settings/tokens/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_token_settings_shows_the_secret_once_then_only_the_prefix(client):
    ana = UserFactory()
    client.force_login(ana)
    form = {"name": "Mailing-list bridge", "scopes": ["read", "write"], "days": 30}
    made = client.post("/settings/tokens/", form)
    assert made.status_code == 201
    token = PersonalAccessToken.objects.get(user=ana)
    assert token.scopes == ["read", "write"]
    secret = made.context["secret"]
    assert secret in made.content.decode()
    assert token.digest == tokens.digest_of(secret)
    again = client.get("/settings/tokens/").content.decode()
    assert secret not in again
    assert "Mailing-list bridge" in again and token.prefix in again


def test_token_settings_keeps_what_was_typed_on_a_bad_choice(client):
    client.force_login(UserFactory())
    response = client.post("/settings/tokens/", {"name": "My bot", "scopes": [], "days": 90})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose at least one of read, write and vote." in page
    assert 'value="My bot"' in page
    assert not PersonalAccessToken.objects.exists()


def test_token_settings_refuses_an_expiry_over_a_year(client):
    client.force_login(UserFactory())
    response = client.post("/settings/tokens/", {"name": "b", "scopes": ["read"], "days": 400})
    assert response.status_code == 400
    assert not PersonalAccessToken.objects.exists()


def test_revoke_token_refuses_someone_elses_token_with_404(client):
    ana, ben = UserFactory(), UserFactory()
    token, _secret = tokens.check_create_token(actor=ana, name="bot", scopes=["read"])
    client.force_login(ben)
    assert client.post(f"/settings/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoke_token_stops_it_at_once(client, api):
    ana = UserFactory()
    token, secret = tokens.check_create_token(actor=ana, name="bot", scopes=["read"])
    client.force_login(ana)
    response = client.post(f"/settings/tokens/{token.pk}/revoke/", follow=True)
    assert "is revoked" in response.content.decode()
    client.logout()
    assert read_me(api, secret).json()["code"] == "token_revoked"


def test_token_settings_query_count(client, django_assert_max_num_queries):
    ana = UserFactory()
    for n in range(5):
        tokens.check_create_token(actor=ana, name=f"bot {n}", scopes=["read"])
    client.force_login(ana)
    with django_assert_max_num_queries(12):
        assert client.get("/settings/tokens/").status_code == 200
