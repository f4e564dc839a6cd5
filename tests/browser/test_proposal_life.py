"""The whole life of a proposal in Chromium (issue 5): a member proposes a change of
purpose, two others second it, the proposer revises it in discussion, voting opens (the
test moves the deadline back and runs the sweep), members vote and one changes their
vote, voting closes, charter version 2 is in the history with its diff and tally, and
members are asked to re-affirm."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from purposes.models import Proposal, Vote
from purposes.sweep import do_sweep
from tests.factories import community_with_members

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in_as(page, live_server, user) -> None:
    """Swap the browser's session for the given user's (force_login on a test client)."""
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def move_deadline(proposal: Proposal, field: str) -> None:
    Proposal.objects.filter(pk=proposal.pk).update(**{field: timezone.now() - timedelta(seconds=1)})


def test_a_change_of_purpose_from_proposal_to_charter_version_2(live_server, page):
    community, members = community_with_members(4, name="Riverside", slug="riverside")
    alice, bruno, chen, dara = (m.user for m in members)
    base = f"{live_server.url}/c/riverside"

    # Alice proposes a change of purpose and sees the exact change before submitting.
    log_in_as(page, live_server, alice)
    page.goto(f"{base}/proposals/")
    page.get_by_role("link", name="Propose a change").click()
    page.get_by_role("link", name="Amend the purpose and goals").click()
    page.get_by_label("Title").fill("Grow food together")
    page.get_by_label("Why").fill("Most of us garden now.")
    page.get_by_label("Purpose").fill("To grow food together and look after each other.")
    page.get_by_role("button", name="Save the draft and see the change").click()
    expect(page.get_by_role("heading", name="Grow food together")).to_be_visible()
    expect(page.locator(".diff-prose ins").first).to_contain_text("grow food together")
    page.get_by_role("button", name="Submit for seconds").click()
    expect(page.get_by_text("Your proposal is now seeking seconds.")).to_be_visible()
    proposal = Proposal.objects.get()

    # Two others second it; it goes to discussion.
    for user in (bruno, chen):
        log_in_as(page, live_server, user)
        page.goto(base + f"/proposals/{proposal.pk}/")
        page.get_by_role("button", name="Second this proposal").click()
        expect(page.get_by_text("You seconded this proposal.")).to_be_visible()
    expect(page.get_by_role("heading", name="In discussion")).to_be_visible()

    # They discuss in the proposal's own thread; Alice revises the text (revisions kept).
    page.get_by_role("link", name="Join the discussion").click()
    page.get_by_label("Your reply").fill("Yes, but say we share it too.")
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("Yes, but say we share it too.").first).to_be_visible()
    log_in_as(page, live_server, alice)
    page.goto(base + f"/proposals/{proposal.pk}/")
    page.get_by_role("link", name="Revise the proposal").click()
    page.get_by_label("Purpose").fill("To grow food together, share it, and look after each other.")
    page.get_by_role("button", name="Save the revision").click()
    expect(page.get_by_role("heading", name="Revisions")).to_be_visible()
    # A new purpose is a new change: Bruno and Chen second it again.
    expect(page.get_by_text("Seconds were reset")).to_be_visible()
    for user in (bruno, chen):
        log_in_as(page, live_server, user)
        page.goto(base + f"/proposals/{proposal.pk}/")
        page.get_by_role("button", name="Second this proposal").click()
    expect(page.get_by_role("heading", name="In discussion")).to_be_visible()

    # Time passes: the discussion period ends and the sweep opens voting.
    move_deadline(proposal, "discussion_ends_at")
    assert do_sweep()["opened"] == 1

    # Members vote (in place, through htmx); Chen changes his mind.
    for user, button in ((alice, "Vote for"), (bruno, "Vote for"), (chen, "Vote against")):
        log_in_as(page, live_server, user)
        page.goto(base + f"/proposals/{proposal.pk}/")
        page.get_by_label("Reason (optional)").fill(f"{user.username} thinks so")
        page.get_by_role("button", name=button).click()
        expect(page.get_by_text("Your vote is recorded:")).to_be_visible()
        # The reason joins the list in place, without a reload.
        expect(page.locator("#vote-reasons")).to_contain_text(f"{user.username} thinks so")
    page.get_by_role("button", name="Vote for").click()
    expect(page.get_by_text("Your vote is recorded: for")).to_be_visible()
    assert Vote.objects.filter(user=chen).count() == 2
    assert Vote.objects.filter(superseded_at__isnull=True).count() == 3
    expect(page.get_by_text("Votes", exact=True)).to_have_count(0)  # no tally before the close

    # Voting closes; the sweep tallies and applies.
    move_deadline(proposal, "voting_ends_at")
    assert do_sweep()["closed"] == 1
    page.goto(base + f"/proposals/{proposal.pk}/")
    expect(page.get_by_role("heading", name="Result: passed")).to_be_visible()
    expect(page.get_by_text("3 for, 0 against, 0 abstaining").first).to_be_visible()

    # Charter version 2 in the history, with its diff and tally.
    page.goto(base + "/charter/history/")
    expect(page.get_by_role("heading", name="Version 2")).to_be_visible()
    expect(page.get_by_text("3 for, 0 against, 0 abstaining; 3 of 4 members voted")).to_be_visible()
    expect(page.locator("#v2 .diff-prose ins").first).to_be_visible()
    expect(page.locator("#v2 .diff-prose del").first).to_be_visible()

    # Dara is asked to re-affirm the new purpose, and does.
    log_in_as(page, live_server, dara)
    page.goto(base + "/charter/")
    expect(page.get_by_role("heading", name="The purpose of Riverside has changed")).to_be_visible()
    page.get_by_role("button", name="Re-affirm the purpose").click()
    expect(page.get_by_text("You affirmed the charter, version 2.")).to_be_visible()
    expect(page.get_by_role("heading", name="The purpose of Riverside has changed")).to_have_count(
        0
    )
