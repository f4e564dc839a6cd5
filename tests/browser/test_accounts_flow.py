"""A person signs up, verifies by the emailed link, logs in and logs out, in Chromium."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_verify_log_in_log_out(live_server, page, mailoutbox):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign up").first.click()

    page.get_by_label("Username").fill("rosa")
    page.get_by_label("Email").fill("rosa@example.org")
    page.get_by_label("Password", exact=True).fill("tulips and tractors 42")
    page.get_by_label("Password (again)").fill("tulips and tractors 42")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Verify your email address")).to_be_visible()

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[-1].body).group(0)
    page.goto(live_server.url + link[link.index("/accounts/") :])
    page.get_by_role("button", name="Confirm").click()
    # Confirming in the browser that signed up logs the newcomer in.
    expect(page.get_by_text("rosa", exact=True)).to_be_visible()
    page.get_by_text("rosa", exact=True).click()
    page.get_by_role("button", name="Log out").click()

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username or email").fill("rosa@example.org")
    page.get_by_label("Password", exact=True).fill("tulips and tractors 42")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("rosa", exact=True)).to_be_visible()

    page.get_by_text("rosa", exact=True).click()
    page.get_by_role("button", name="Log out").click()
    site_nav = page.get_by_role("navigation", name="Site")
    expect(site_nav.get_by_role("link", name="Log in")).to_be_visible()
