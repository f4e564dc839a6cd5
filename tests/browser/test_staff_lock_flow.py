"""Platform staff lock an account in a real browser: from the account's admin page, with
a reason; the person sees that reason when they try to log in, and anyone reads it in
the platform log. Staff find no way there to edit the account."""

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from members.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_staff_lock_an_account_with_a_reason_the_person_and_the_public_see_finding_2(
    browser, live_server
):
    staff = UserFactory(username="sam", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    spammer = UserFactory(username="spamz")
    page = browser.new_context().new_page()
    log_in(page, live_server, "sam")
    page.goto(f"{live_server.url}/admin/members/user/{spammer.pk}/change/")
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    expect(page.get_by_role("link", name="Reset password")).to_have_count(0)
    page.get_by_role("link", name="Lock").click()
    page.get_by_role("button", name="Lock the account").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    page.get_by_label("Reason (abuse or legal)").fill("Phishing links sent to members")
    page.get_by_role("button", name="Lock the account").click()
    expect(page.get_by_text("Locked spamz.")).to_be_visible()
    assert not User.objects.get(pk=spammer.pk).is_active

    other = browser.new_context().new_page()
    log_in(other, live_server, "spamz")
    expect(other.get_by_role("heading", name="This account is locked")).to_be_visible()
    expect(other.get_by_text("Phishing links sent to members")).to_be_visible()
    other.get_by_role("link", name="See the platform log").click()
    expect(other.get_by_role("heading", name="Platform log")).to_be_visible()
    expect(other.get_by_text("Phishing links sent to members")).to_be_visible()
