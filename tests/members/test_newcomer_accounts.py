"""A newcomer's first hour on the account pages: the site's wording,
confirming the email logs in, "contact us" goes somewhere, a display name at sign-up."""

import re

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _sign_up(client, **extra):
    data = {
        "username": "rosa",
        "email": "rosa@example.org",
        "password1": "tulips and tractors 42",
        "password2": "tulips and tractors 42",
        **extra,
    }
    return client.post(reverse("account_signup"), data, follow=True)


def _confirm_path(mail) -> str:
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.body).group(0)
    return link[link.index("/accounts/") :]


def test_account_pages_finding_8_say_log_in_and_sign_up_like_the_site(client):
    login = client.get(reverse("account_login")).content.decode()
    assert re.search(r"<button[^>]*>\s*Log in\s*</button>", login)
    assert "<h1>Log in</h1>" in login.replace("\n", "").replace("  ", "")
    signup = client.get(reverse("account_signup")).content.decode()
    assert re.search(r"<button[^>]*>\s*Sign up\s*</button>", signup)
    client.force_login(UserFactory())
    logout = client.get(reverse("account_logout")).content.decode()
    assert re.search(r"<button[^>]*>\s*Log out\s*</button>", logout)
    reset = client.get(reverse("account_reset_password")).content.decode()
    for page in (login, signup, logout, reset):
        for wrong in ("Sign In", "Sign Up", "Signup", "Sign Out", "sign in", "Password Reset"):
            assert wrong not in page


def test_account_mails_finding_8_subjects_in_sentence_case(client, mailoutbox):
    _sign_up(client)
    assert mailoutbox[-1].subject == "[Commons] Confirm your email address"


def test_confirming_email_finding_8_logs_in_the_browser_that_signed_up(client, mailoutbox):
    page = _sign_up(client).content.decode()
    assert "Verify your email address" in page
    assert "_auth_user_id" not in client.session
    response = client.post(_confirm_path(mailoutbox[-1]), follow=True)
    assert response.context["user"].username == "rosa"
    assert "You are logged in as rosa." in response.content.decode()


def test_confirming_email_finding_8_elsewhere_confirms_without_logging_in(
    client, mailoutbox, django_user_model
):
    """A link opened in another browser (a forwarded mail) must not log its opener in."""
    _sign_up(client)
    from django.test import Client

    other = Client()
    response = other.post(_confirm_path(mailoutbox[-1]), follow=True)
    assert not response.context["user"].is_authenticated
    assert django_user_model.objects.get(username="rosa").emailaddress_set.get().verified


def test_contact_us_finding_8_links_to_the_contact_address(client, settings):
    settings.CONTACT_EMAIL = "help@example.org"
    link = '<a href="mailto:help@example.org">contact us</a>'
    assert link in _sign_up(client).content.decode()
    assert link in client.get(reverse("account_reset_password")).content.decode()
    done = client.post(reverse("account_reset_password"), {"email": "x@example.org"}, follow=True)
    assert link in done.content.decode()


def test_sign_up_finding_8_keeps_a_display_name_on_one_clean_line(client, django_user_model):
    signup = client.get(reverse("account_signup")).content.decode()
    assert "Display name (optional)" in signup
    _sign_up(client, display_name="  Rosa\u200b \n Lima\u202e ")
    assert django_user_model.objects.get(username="rosa").display_name == "Rosa Lima"


def test_sign_up_finding_8_display_name_is_optional(client, django_user_model):
    _sign_up(client)
    user = django_user_model.objects.get(username="rosa")
    assert user.display_name == "" and user.shown_name == "rosa"


def test_log_in_finding_8_says_logged_in(client):
    user = UserFactory(username="ana")
    response = client.post(
        reverse("account_login"), {"login": "ana", "password": PASSWORD}, follow=True
    )
    assert response.context["user"] == user
    assert "You are logged in as ana." in response.content.decode()


def test_where_they_were_going_survives_log_in_sign_up_and_confirming(client, mailoutbox):
    """Someone follows a link that needs an account (a claim, an invitation): the login
    page sends them on with it, through the header's links as well as the page's, and
    after signing up and confirming their email they land where they were going."""
    going = "/c/growers/claim/?token=abc.def"
    login = client.get(reverse("account_login"), {"next": going}).content.decode()
    carried = "?next=%2Fc%2Fgrowers%2Fclaim%2F%3Ftoken%3Dabc.def"
    header = login[: login.index("<main")]
    assert f'href="/accounts/signup/{carried}"' in header
    assert f'href="/accounts/login/{carried}"' in header
    signup = client.get(reverse("account_signup"), {"next": going}).content.decode()
    assert f'href="/accounts/login/{carried}"' in signup[: signup.index("<main")]
    # Elsewhere the header's links stay plain: a shared page never carries someone's next.
    assert "?next=" not in client.get("/", {"next": going}).content.decode()
    _sign_up(client, next=going)
    response = client.post(_confirm_path(mailoutbox[-1]))
    assert response.status_code == 302 and response["Location"] == going
