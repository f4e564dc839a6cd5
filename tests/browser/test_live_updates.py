"""Pages that update themselves: a reader of an open thread is told of a new reply by a
button, and sees it only when they follow it."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_htmx_feedback import log_in_as
from tests.factories import community_with_members, reply_to, thread_with_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_replies_button_appears_after_another_member_replies(live_server, page, settings):
    settings.LIVE_POLL_SECONDS = 1
    community, members = community_with_members(2, slug="orchard")
    thread, root = thread_with_post(community=community, author=members[0].user)
    log_in_as(page, live_server, members[0].user)
    page.goto(f"{live_server.url}{thread.get_absolute_url()}")
    expect(page.get_by_text("No replies yet.")).to_be_visible()
    reply_to(root, author=members[1].user, body="Arriving while you read")
    expect(page.get_by_text("Arriving while you read")).to_have_count(0)
    button = page.get_by_role("link", name="1 new reply")
    expect(button).to_be_visible(timeout=10_000)
    expect(page.get_by_text("Arriving while you read")).to_have_count(0)  # nothing moved in
    button.click()
    expect(page.get_by_text("Arriving while you read")).to_be_visible()
