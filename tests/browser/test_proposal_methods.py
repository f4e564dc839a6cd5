"""Each decision method in Chromium (#18): a member proposes a change of purpose in a
community whose charter decides it by consent, approval, ranked choice or score; members
vote through the page without JavaScript tricks; the sweep the worker runs closes it; the
page explains the result."""

import pytest
from playwright.sync_api import expect

from purposes.methods.charter import DEFAULT_METHODS
from purposes.models import Proposal
from purposes.seconds import check_second_proposal
from purposes.sweep import do_sweep
from tests.factories import community_with_members

from .test_proposal_life import log_in_as, move_deadline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def propose_and_open(page, live_server, method, alternatives=()):
    community, members = community_with_members(
        4,
        name="Riverside",
        slug="riverside",
        charter__methods={**DEFAULT_METHODS, "purpose": method},
        charter__major_quorum_percent=20,
    )
    users = [m.user for m in members]
    base = f"{live_server.url}/c/riverside"
    log_in_as(page, live_server, users[0])
    page.goto(f"{base}/proposals/new/?kind=purpose")
    page.get_by_label("Title").fill("Grow food together")
    page.get_by_label("Why").fill("Most of us garden now.")
    page.get_by_label("Purpose", exact=True).fill("To grow food together.")
    for n, text in enumerate(alternatives, start=1):
        page.get_by_label(f"Alternative wording {n} (optional)").fill(text)
    page.get_by_role("button", name="Save the draft and see the change").click()
    page.get_by_role("button", name="Submit for seconds").click()
    proposal = Proposal.objects.get()
    for user in users[1:3]:
        check_second_proposal(actor=user, proposal=proposal)
    page.goto(f"{base}/proposals/{proposal.pk}/")
    # The method is stated before anyone votes.
    expect(page.locator(".method-rule")).to_contain_text("Decided by")
    move_deadline(proposal, "discussion_ends_at")
    assert do_sweep()["opened"] == 1
    return users, f"{base}/proposals/{proposal.pk}/", proposal


def close_and_show(page, proposal, url):
    move_deadline(proposal, "voting_ends_at")
    assert do_sweep()["closed"] == 1
    page.goto(url)


def test_consent_object_withdraw_and_pass(live_server, page):
    users, url, proposal = propose_and_open(page, live_server, "consent")
    page.goto(url)
    expect(page.locator(".method-rule")).to_contain_text("Decided by consent:")
    expect(page.locator(".tie-seed")).to_have_text(Proposal.objects.get().tie_seed)
    page.get_by_role("button", name="Consent", exact=True).click()
    expect(page.get_by_text("Your vote is recorded: consent")).to_be_visible()

    log_in_as(page, live_server, users[1])
    page.goto(url)
    page.get_by_role("button", name="Object").click()
    expect(page.get_by_text("An objection needs a reason")).to_be_visible()
    page.get_by_label("Reason (needed to object)").fill("Say we share it too.")
    page.get_by_role("button", name="Object").click()
    expect(page.get_by_text("Your vote is recorded: object")).to_be_visible()
    page.goto(url)
    page.get_by_role("button", name="Withdraw my objection").click()
    expect(page.get_by_text("You withdrew your objection.")).to_be_visible()

    close_and_show(page, proposal, url)
    expect(page.get_by_role("heading", name="Result: passed")).to_be_visible()
    expect(page.locator(".result-reason")).to_contain_text("no objection stands at the close")
    expect(page.locator(".result-reason")).to_contain_text("1 objection was withdrawn")
    expect(page.locator(".method-result")).to_contain_text("Turnout: 2 of 4 voted")


def test_approval_with_an_alternative_wording(live_server, page):
    users, url, proposal = propose_and_open(
        page, live_server, "approval", alternatives=["To share the harvest."]
    )
    page.goto(url)
    expect(page.locator(".ballot-options")).to_contain_text("To share the harvest.")
    page.get_by_role("button", name="Cast my approval ballot").click()
    expect(page.get_by_text("Approve at least one option")).to_be_visible()
    for user, labels in (
        (users[0], ["Alternative wording 1"]),
        (users[1], ["Alternative wording 1", "The proposal as written"]),
        (users[2], ["Keep the current text"]),
    ):
        log_in_as(page, live_server, user)
        page.goto(url)
        for label in labels:
            page.get_by_label(label).check()
        page.get_by_role("button", name="Cast my approval ballot").click()
        expect(page.get_by_text("Your vote is recorded:")).to_be_visible()

    close_and_show(page, proposal, url)
    expect(page.get_by_role("heading", name="Result: passed")).to_be_visible()
    expect(page.locator(".result-reason")).to_contain_text("“Alternative wording 1” is chosen")
    page.goto(url.split("/proposals/")[0] + "/charter/")
    expect(page.get_by_text("To share the harvest.").first).to_be_visible()


def test_ranked_choice_round_by_round(live_server, page):
    users, url, proposal = propose_and_open(
        page, live_server, "ranked", alternatives=["To share the harvest."]
    )
    rankings = [
        ["The proposal as written"],
        ["Alternative wording 1", "The proposal as written"],
        ["Keep the current text"],
        ["The proposal as written", "Keep the current text"],
    ]
    for user, ranking in zip(users, rankings, strict=True):
        log_in_as(page, live_server, user)
        page.goto(url)
        if user == users[0]:  # a duplicate first: refused, nothing lost
            page.get_by_label("Choice 1").select_option(label="Keep the current text")
            page.get_by_label("Choice 2").select_option(label="Keep the current text")
            page.get_by_role("button", name="Cast my ranking").click()
            expect(page.get_by_text("An option is ranked twice")).to_be_visible()
            page.get_by_label("Choice 2").select_option(label="— none —")
        for rank, label in enumerate(ranking, start=1):
            page.get_by_label(f"Choice {rank}").select_option(label=label)
        page.get_by_role("button", name="Cast my ranking").click()
        expect(page.get_by_text("Your vote is recorded:")).to_be_visible()

    close_and_show(page, proposal, url)
    expect(page.get_by_role("heading", name="Result: passed")).to_be_visible()
    expect(page.get_by_text("Round 2")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the round-by-round count (CSV)").click()
    assert "round,option_id,option,votes,status" in download.value.path().read_text()


def test_score_from_0_to_5(live_server, page):
    users, url, proposal = propose_and_open(page, live_server, "score")
    for user, (mine, keep) in zip(users, [("5", "1"), ("4", "2"), ("1", "3")], strict=False):
        log_in_as(page, live_server, user)
        page.goto(url)
        page.get_by_label("The proposal as written").fill(mine)
        page.get_by_label("Keep the current text").fill(keep)
        page.get_by_role("button", name="Cast my scores").click()
        expect(page.get_by_text("Your vote is recorded:")).to_be_visible()
    close_and_show(page, proposal, url)
    expect(page.get_by_role("heading", name="Result: passed")).to_be_visible()
    expect(page.locator(".result-reason")).to_contain_text("total score of 10")
