"""Amendments through the API: listed on the proposal's read, proposed, accepted,
declined and carried to the vote by the same actions as the page, with the page's
refusals as JSON errors with stable codes; a refused request changes nothing."""

import pytest

from purposes.models import Amendment, Proposal, ProposalOption
from tests.api.conftest import amending, bearer

pytestmark = pytest.mark.django_db


def base(proposal) -> str:
    return f"/communities/den/proposals/{proposal.pk}"


def test_the_proposal_read_lists_its_amendments_with_text_state_and_reasons(api, world):
    a = amending(world)
    answer = api.get(base(a.others), token=bearer(world.member))
    assert answer.status_code == 200, answer.content
    (row,) = answer.json()["amendments"]
    assert row["author"] == {"username": "mia", "name": world.member.shown_name}
    assert row["state"] == "declined" and row["reason"] == "Warmer words."
    assert row["decline_reason"] == "Too broad." and row["carried_to_vote"] is False
    assert row["text"]["purpose"] == "A den for readers and writers."
    assert row["against"]["purpose"] == "A den for readers."
    assert row["changes"] == ["purpose"] and row["outdated"] is False
    # a proposal that changes no text has none; the list of proposals stays lean
    assert api.get(base(world.seeking), token=bearer(world.member)).json()["amendments"] == []
    listed = api.get("/communities/den/proposals", token=bearer(world.member)).json()
    assert all("amendments" not in p for p in listed)


def test_propose_an_amendment_records_it_and_refuses_as_the_page_does(api, world):
    a = amending(world)
    token = bearer(world.moderator)
    path = f"{base(a.others)}/amendments"
    made = api.post(path, {"purpose": "A den for all.", "reason": "Open it."}, token=token)
    assert made.status_code == 201, made.content
    assert made.json()["state"] == "pending" and made.json()["changes"] == ["purpose"]
    assert Amendment.objects.get(pk=made.json()["id"]).purpose == "A den for all."

    refusals = [
        (world.other, {"purpose": "A den for us.", "reason": "Mine."}, "own_proposal",
         "This is your proposal: revise it instead of amending it."),
        (world.moderator, {"purpose": "A den for readers.", "reason": "Same."}, "no_change",
         "The amendment is the same as the proposal's text: change something in it."),
        (world.moderator, {"purpose": "A den for all of us.", "reason": "  "},
         "reason_required", "Say why you propose this amendment."),
    ]  # fmt: skip
    for user, body, code, message in refusals:
        answer = api.post(path, body, token=bearer(user))
        assert answer.status_code == 422, answer.content
        assert answer.json()["code"] == code and answer.json()["message"] == message
    rules = api.post(path, {"rules": {"seconds_required": 3}, "reason": "x"}, token=token)
    assert rules.status_code == 422 and "rules" in rules.json()["fields"]
    typo = api.post(path, {"purpos": "A den.", "reason": "x"}, token=token)
    assert typo.status_code == 422 and typo.json()["code"] == "invalid_request"
    assert Amendment.objects.filter(proposal=a.others).count() == 2  # the two made


def test_the_proposer_accepts_an_amendment_and_its_text_becomes_the_proposals(api, world):
    a = amending(world)
    path = f"{base(a.mine)}/amendments/{a.waiting.pk}"
    token = bearer(world.member)
    accepted = api.post(f"{path}/accept", token=token)
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["state"] == "accepted"
    assert Proposal.objects.get(pk=a.mine.pk).purpose == "A den for friends and neighbours."
    again = api.post(f"{path}/accept", token=token)
    assert again.status_code == 422
    assert again.json()["code"] == "already_decided"
    assert again.json()["message"] == "This amendment has already been accepted."


def test_decline_needs_a_reason_and_only_the_proposer_may(api, world):
    a = amending(world)
    path = f"{base(a.mine)}/amendments/{a.waiting.pk}/decline"
    empty = api.post(path, {"reason": ""}, token=bearer(world.member))
    assert empty.status_code == 422 and empty.json()["code"] == "reason_required"
    others = api.post(path, {"reason": "No."}, token=bearer(world.moderator))
    assert others.status_code == 422 and others.json()["code"] == "not_the_proposer"
    assert others.json()["message"] == "Only the proposer may decline an amendment."
    assert Amendment.objects.get(pk=a.waiting.pk).state == "pending"
    declined = api.post(path, {"reason": "Too long."}, token=bearer(world.member))
    assert declined.status_code == 200, declined.content
    assert declined.json()["decline_reason"] == "Too long."
    assert Amendment.objects.get(pk=a.waiting.pk).state == "declined"


def test_carry_puts_a_declined_amendment_to_the_vote_once(api, world):
    a = amending(world)
    path = f"{base(a.others)}/amendments/{a.declined.pk}/carry"
    carried = api.post(path, token=bearer(world.member))
    assert carried.status_code == 200, carried.content
    assert carried.json()["carried_to_vote"] is True
    assert ProposalOption.objects.get(proposal=a.others).amendment_id == a.declined.pk
    again = api.post(path, token=bearer(world.member))
    assert again.status_code == 422 and again.json()["code"] == "already_carried"
    assert ProposalOption.objects.filter(proposal=a.others).count() == 1
