"""An amendment, in Chromium (#18 part 4): a member proposes a change to a proposal in
discussion; the proposer sees it as a diff against the proposal's text and accepts it; the
proposal's text changes, its seconds stay, and the seconders are told."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from notifications.models import Notification
from purposes.charter_diff import CharterText
from purposes.drafting import check_create_proposal, check_submit_proposal
from purposes.models import Proposal
from purposes.seconds import check_second_proposal
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


def test_a_member_amends_and_the_proposer_accepts_in_the_browser(live_server, page):
    community, members = community_with_members(4, name="Riverside", slug="riverside")
    alice, bruno, chen, dara = (m.user for m in members)
    text = community.charter.text()
    proposal = check_create_proposal(
        actor=alice, community=community, kind=Proposal.Kind.AMEND_PURPOSE,
        title="Grow food together", rationale="Most of us garden now.",
        proposed=CharterText(purpose="We grow food together.", goals=text.goals, rules=text.rules),
    )  # fmt: skip
    check_submit_proposal(actor=alice, proposal=proposal)
    for user in (bruno, chen):
        check_second_proposal(actor=user, proposal=proposal)
    address = f"{live_server.url}/c/riverside/proposals/{proposal.pk}/"

    # Dara proposes an amendment; a missing reason comes back with her text kept.
    log_in_as(page, live_server, dara)
    page.goto(address)
    page.get_by_role("link", name="Propose an amendment").first.click()
    page.get_by_label("Purpose").fill("We grow food together and share the harvest.")
    page.get_by_role("button", name="Propose this amendment").click()
    expect(page.get_by_role("alert")).to_contain_text("Why this amendment")
    shoot(page, "amendment-form-error")
    expect(page.get_by_label("Purpose")).to_have_value(
        "We grow food together and share the harvest."
    )
    page.get_by_label("Why this amendment").fill("Sharing is why we garden.")
    page.get_by_role("button", name="Propose this amendment").click()
    amendment = page.locator(".amendment").first
    expect(amendment).to_contain_text("waiting for the proposer")
    expect(amendment.locator(".diff-prose ins")).to_contain_text("and share the harvest")

    # Alice reads the diff and accepts it: the text changes, the seconds stay.
    log_in_as(page, live_server, alice)
    page.goto(address)
    shoot(page, "proposal-amendment")
    page.get_by_role("button", name="Accept the amendment").click()
    expect(page.get_by_text("Amendment accepted")).to_be_visible()
    expect(page.locator(".amendment").first).to_contain_text("accepted")
    expect(page.get_by_role("heading", name="In discussion")).to_be_visible()
    proposal.refresh_from_db()
    assert proposal.purpose == "We grow food together and share the harvest."
    assert proposal.seconds.filter(withdrawn_at__isnull=True).count() == 2
    assert Notification.objects.filter(recipient=bruno, text__contains="accepted an amendment")
