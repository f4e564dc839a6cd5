"""A bait and switch after seconds, in Chromium: the proposer rewrites a seconded
proposal's rules under the same title; its seconds are withdrawn, the seconders are told,
the page says why, and a typo fix afterwards keeps the new seconds."""

import pytest
from playwright.sync_api import expect

from notifications.models import Notification
from purposes.drafting import check_create_proposal, check_submit_proposal
from purposes.models import Proposal
from purposes.seconds import check_second_proposal
from tests.factories import community_with_members

from .test_proposal_life import log_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finding_7_a_substantive_revision_resets_the_seconds_in_the_browser(live_server, page):
    community, members = community_with_members(4, name="Riverside", slug="riverside")
    alice, bruno, chen, _dara = (m.user for m in members)
    text = community.charter.text()
    text.rules["voting_days"] = 5
    proposal = check_create_proposal(
        actor=alice, community=community, kind=Proposal.Kind.CHANGE_RULES,
        title="A shorter vote", rationale="A week is long.", proposed=text,
    )  # fmt: skip
    check_submit_proposal(actor=alice, proposal=proposal)
    for user in (bruno, chen):
        check_second_proposal(actor=user, proposal=proposal)
    address = f"{live_server.url}/c/riverside/proposals/{proposal.pk}/"

    # Alice rewrites the rules under the same title; the form warns her first.
    log_in_as(page, live_server, alice)
    page.goto(address)
    expect(page.get_by_role("heading", name="In discussion")).to_be_visible()
    page.get_by_role("link", name="Revise the proposal").click()
    expect(page.get_by_text("withdraws the 2 seconds")).to_be_visible()
    page.get_by_label("Quorum (%)", exact=True).fill("1")
    page.get_by_role("button", name="Save the revision").click()
    expect(page.get_by_role("heading", name="Seeking seconds")).to_be_visible()
    expect(page.get_by_text("Seconds were reset")).to_be_visible()
    expect(page.get_by_text("0 of 2 seconds needed before discussion.")).to_be_visible()
    assert Notification.objects.filter(recipient=bruno, text__contains="withdrawn").count() == 1

    # Bruno reads why and seconds the new text again.
    log_in_as(page, live_server, bruno)
    page.goto(address)
    expect(page.get_by_text("changed what the proposal does after it was seconded")).to_be_visible()
    expect(
        page.get_by_text("The rule of the charter in force when voting opens decides it")
    ).to_be_visible()
    page.get_by_role("button", name="Second this proposal").click()
    expect(page.get_by_text("1 of 2 seconds needed before discussion.")).to_be_visible()
