"""Account export and deletion in a real browser (issue 9): a member downloads their data,
then deletes their account with their password; their post stays, by a former member."""

import json

import pytest
from playwright.sync_api import expect

from members.models import User
from tests.factories import PASSWORD, CommunityFactory, MembershipFactory, thread_with_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_downloads_their_data_then_deletes_their_account(page, live_server):
    community = CommunityFactory(slug="orchard")
    user = MembershipFactory(community=community, user__username="ana").user
    thread, _post = thread_with_post(community=community, author=user, body="Apples on Sunday")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username or email").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log in")).to_have_count(0)

    page.goto(f"{live_server.url}/u/ana/delete/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download all your data (JSON) first").click()
    data = json.loads(download.value.path().read_text())
    assert data["posts"][0]["body"] == "Apples on Sunday"

    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("That is not your password.").first).to_be_visible()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your account is deleted.")).to_be_visible()
    assert not User.objects.get(pk=user.pk).is_active
    page.goto(f"{live_server.url}{thread.get_absolute_url()}")
    expect(page.get_by_text("Apples on Sunday")).to_be_visible()
    expect(page.get_by_text("Former member").first).to_be_visible()
