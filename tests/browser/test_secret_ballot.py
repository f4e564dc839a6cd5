"""A secret ballot in Chromium (#18): the page says the ballot is secret before anyone
votes; a member casts a ballot, gets a receipt key, changes their vote with it (kept in
their browser); after the close the page lists who voted and the ballots without voters."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from purposes.drafting import check_create_proposal, check_submit_proposal
from purposes.methods.charter import DEFAULT_METHODS
from purposes.models import Proposal, SecretBallot
from purposes.seconds import check_second_proposal
from purposes.sweep import do_sweep
from purposes.voting import check_cast_secret
from tests.factories import community_with_members
from tests.purposes.test_proposals import purpose_text

from .test_proposal_life import log_in_as, move_deadline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots-secret")


def shoot(page, name):
    SHOTS.mkdir(exist_ok=True)
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_cast_change_and_check_a_secret_ballot(live_server, page):
    community, members = community_with_members(
        4,
        name="Riverside",
        slug="riverside",
        charter__methods={**DEFAULT_METHODS, "purpose": {"method": "two_thirds", "secret": True}},
        charter__major_quorum_percent=20,
    )
    alice, bruno, chen, _ = (m.user for m in members)
    proposal = check_create_proposal(
        actor=alice, community=community, kind=Proposal.Kind.AMEND_PURPOSE,
        title="Grow food together", rationale="Most of us garden now.",
        proposed=purpose_text(community, "To grow food together."),
    )  # fmt: skip
    check_submit_proposal(actor=alice, proposal=proposal)
    for user in (bruno, chen):
        check_second_proposal(actor=user, proposal=proposal)
    url = f"{live_server.url}/c/riverside/proposals/{proposal.pk}/"
    log_in_as(page, live_server, bruno)
    page.goto(url)
    expect(page.locator(".secret-rule")).to_contain_text("By secret ballot.")

    move_deadline(proposal, "discussion_ends_at")
    assert do_sweep()["opened"] == 1
    page.goto(url)
    expect(page.locator(".secret-note")).to_contain_text("Secret ballot.")
    expect(page.get_by_label("Reason (optional)")).to_have_count(0)
    page.get_by_role("button", name="Vote against").click()
    expect(page.locator(".message--success")).to_contain_text("Your secret ballot is cast.")
    receipt = page.locator(".receipt__key").inner_text()
    assert len(receipt) == 29
    shoot(page, "secret-ballot-voting")
    # Bruno changes his mind: this browser holds his key, so it just works.
    page.goto(url)
    page.get_by_role("button", name="Vote for").click()
    expect(page.locator(".message--success")).to_contain_text("Your secret ballot is cast.")
    expect(page.locator(".receipt__key")).to_have_text(receipt)
    assert list(SecretBallot.objects.exclude(choice="").values_list("choice", flat=True)) == ["for"]
    proposal.refresh_from_db()
    check_cast_secret(actor=chen, proposal=proposal, choice="for")

    move_deadline(Proposal.objects.get(pk=proposal.pk), "voting_ends_at")
    assert do_sweep()["closed"] == 1
    log_in_as(page, live_server, alice)
    page.goto(url)
    expect(page.get_by_role("heading", name="Result: passed")).to_be_visible()
    turnout = page.locator(".vote-reasons")
    expect(turnout).to_contain_text(bruno.shown_name)
    expect(turnout).to_contain_text(chen.shown_name)
    expect(page.locator(".badge--vote-for")).to_have_count(0)
    ballots = page.locator(".ballots-table tbody tr")
    expect(ballots).to_have_count(2)
    expect(page.locator(".published-ballots")).to_contain_text("2 ballots for 2 members who voted")
    shoot(page, "secret-ballot-closed")
