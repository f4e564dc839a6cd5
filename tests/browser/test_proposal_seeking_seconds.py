"""A proposal seeking seconds is visible, in Chromium: a member proposes; another member
finds it on the community home ("needs 2 more seconds") and in their notifications, and
seconds it from there; the proposer is told when it enters discussion."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from purposes.models import Proposal
from tests.factories import community_with_members

from .test_proposal_life import log_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-proposals"))


def shoot(page, name: str) -> None:
    """Screenshots at desktop and phone widths, for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_item_4_a_member_finds_a_proposal_seeking_seconds_and_seconds_it(live_server, page):
    community, members = community_with_members(4, name="Riverside", slug="riverside")
    alice, bruno, chen, _dara = (m.user for m in members)
    base = f"{live_server.url}/c/riverside"

    # Alice proposes a change of purpose and submits it for seconds.
    log_in_as(page, live_server, alice)
    page.goto(f"{base}/proposals/")
    page.get_by_role("link", name="Propose a change").click()
    page.get_by_role("link", name="Amend the purpose and goals").click()
    page.get_by_label("Title").fill("Grow food together")
    page.get_by_label("Why").fill("Most of us garden now.")
    page.get_by_label("Purpose").fill("To grow food together and look after each other.")
    page.get_by_role("button", name="Save the draft and see the change").click()
    page.get_by_role("button", name="Submit for seconds").click()
    expect(page.get_by_text("Your proposal is now seeking seconds.")).to_be_visible()
    proposal = Proposal.objects.get()

    # Bruno sees it on the community home, with the seconds it still needs.
    log_in_as(page, live_server, bruno)
    page.goto(f"{base}/")
    deciding = page.get_by_role("region", name="Being decided now")
    expect(deciding.get_by_role("link", name="Grow food together")).to_be_visible()
    expect(deciding.get_by_text("needs 2 more seconds before discussion")).to_be_visible()
    shoot(page, "home-seeking")

    # And in his notifications, which lead to the proposal, where he seconds it.
    page.goto(f"{live_server.url}/notifications/")
    notice = page.get_by_role("link").filter(has_text="proposes “Grow food together” in Riverside")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("It needs 2 seconds from members before discussion")
    shoot(page, "notifications-seeking")
    notice.click()
    expect(page.get_by_role("heading", name="Seeking seconds")).to_be_visible()
    page.get_by_role("button", name="Second this proposal").click()
    expect(page.get_by_text("1 of 2 seconds needed before discussion.")).to_be_visible()
    page.goto(f"{base}/")
    expect(page.get_by_text("needs 1 more second before discussion")).to_be_visible()

    # Chen's second takes it to discussion; Alice is told.
    log_in_as(page, live_server, chen)
    page.goto(f"{base}/proposals/{proposal.pk}/")
    page.get_by_role("button", name="Second this proposal").click()
    expect(page.get_by_role("heading", name="In discussion")).to_be_visible()
    log_in_as(page, live_server, alice)
    page.goto(f"{live_server.url}/notifications/")
    expect(
        page.get_by_role("link").filter(has_text="has its seconds and is now in discussion")
    ).to_be_visible()
