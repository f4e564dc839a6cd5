"""The site frame: front page, /healthz, security headers, error pages."""

import pytest
from django.test import Client
from django.urls import reverse

from community.views import site
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_is_503_when_the_broker_is_down(client, monkeypatch):
    monkeypatch.setattr(site, "_broker_ok", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
    assert response.json()["database"] == "ok"


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr(site, "_database_ok", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_broker_check_fails_for_an_unreachable_redis(monkeypatch):
    # Celery reads CELERY_BROKER_URL from the environment before its own settings.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    assert site._broker_ok() is False


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/no-such-page/"])
def test_html_responses_carry_a_nonce_csp_and_no_unsafe_inline(client, path):
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    assert "script-src 'self' 'nonce-" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_scripts_or_styles(client):
    body = client.get("/").content.decode()
    assert "<style" not in body
    assert "style=" not in body
    for tag in body.split("<script")[1:]:
        assert "nonce=" in tag.split(">")[0]


def test_not_found_page_is_in_the_site_style(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert 'class="site-header"' in body


def test_server_error_page_says_what_to_do_and_shows_no_trace(rf):
    response = site.server_error(rf.get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert "Traceback" not in body


def test_csrf_failure_page_explains_what_to_do():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {"login": "x", "password": "y"})
    assert response.status_code == 403
    assert "Your form had expired" in response.content.decode()


def test_front_page_invites_to_sign_up_when_logged_out(client):
    body = client.get("/").content.decode()
    assert "Create an account" in body
    assert "Browse communities" in body


def test_front_page_lists_your_communities_first(client, django_assert_max_num_queries):
    membership = MembershipFactory(community__name="Riverside Gardeners")
    MembershipFactory.create_batch(3)
    client.force_login(membership.user)
    with django_assert_max_num_queries(8):
        body = client.get("/").content.decode()
    assert body.index("Your communities") < body.index("Riverside Gardeners")
    assert "Lively communities" in body


def test_front_page_hides_member_counts_of_members_only_communities(client):
    MembershipFactory(community__name="Secret Garden", community__visibility="members")
    body = client.get("/").content.decode()
    assert "Secret Garden" in body
    assert "members only" in body
    assert "1 member<" not in body
