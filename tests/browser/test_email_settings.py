"""A member sets how they hear from Commons by email, in Chromium: on one page, when each
kind of notification is emailed and how often their digest comes; a choice the page does
not offer is refused beside the field."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from notifications import actions as notifications
from notifications.models import DigestSetting
from tests.factories import UserFactory

from .test_proposal_life import log_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-email-settings"))


def shoot(page, name: str) -> None:
    """Screenshots at desktop and phone widths, for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_member_chooses_each_kind_and_the_digest_on_one_page(live_server, page):
    ana = UserFactory(username="ana")
    log_in_as(page, live_server, ana)
    page.goto(f"{live_server.url}/notifications/")
    page.get_by_role("link", name="Email settings").first.click()
    expect(page.get_by_role("heading", name="Email settings", level=1)).to_be_visible()

    mentions = page.get_by_role("group", name="Mentions of you")
    expect(mentions.get_by_role("radio", name="Email me right away")).to_be_checked()
    mentions.get_by_role("radio", name="In my digest").check()
    digest = page.get_by_role("group", name="Email me my digest")
    expect(digest.get_by_role("radio", name="Weekly")).to_be_checked()
    digest.get_by_role("radio", name="Daily").check()
    shoot(page, "email-settings")
    page.get_by_role("button", name="Save email settings").click()

    expect(page.get_by_text("Your email choices are saved.")).to_be_visible()
    assert notifications.preferences_for(ana)["mention"] == "daily"
    assert DigestSetting.objects.get(user=ana).frequency == "daily"
    expect(
        page.get_by_role("group", name="Email me my digest").get_by_role("radio", name="Daily")
    ).to_be_checked()

    # The old digest address leads here.
    page.goto(f"{live_server.url}/notifications/digest/")
    expect(page.get_by_role("heading", name="Email settings", level=1)).to_be_visible()
