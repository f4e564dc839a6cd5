"""A whole proposal through the API alone: propose, submit, second, vote; the worker's
sweep opens and closes it; the result and the new charter version are read back."""

from datetime import timedelta

import pytest

from purposes.models import Proposal, Vote
from purposes.sweep import do_sweep
from tests.api.conftest import bearer
from tests.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_rules_change_proposed_seconded_voted_and_applied_through_the_api(api):
    garden = CommunityFactory(slug="garden", name="Garden")
    people = [
        MembershipFactory(community=garden, user__username=name).user
        for name in ("ana", "ben", "cy", "di")
    ]
    tokens = {user.username: bearer(user) for user in people}
    base = "/communities/garden/proposals"

    made = api.post(
        base,
        {
            "kind": "rules",
            "title": "Three seconds",
            "rationale": "Fewer, better proposals.",
            "rules": {"seconds_required": 3},
        },
        token=tokens["ana"],
    )
    assert made.status_code == 201, made.content
    proposal = made.json()
    assert proposal["state"] == "draft" and proposal["method"] == "two_thirds"
    assert proposal["quorum_percent"] == 40
    path = f"{base}/{proposal['id']}"

    assert api.post(f"{path}/submit", token=tokens["ana"]).json()["state"] == "seeking"
    assert api.post(f"{path}/seconds", token=tokens["ben"]).json()["state"] == "seeking"
    seconded = api.post(f"{path}/seconds", token=tokens["cy"]).json()
    assert seconded["state"] == "discussion"
    assert seconded["thread_id"]

    # The worker's sweep opens voting once discussion has ended.
    row = Proposal.objects.get(pk=proposal["id"])
    do_sweep(now=row.discussion_ends_at + timedelta(seconds=1))
    assert api.get(path, token=tokens["di"]).json()["stage"] == "voting"

    for name, choice in (("ana", "for"), ("ben", "for"), ("cy", "for"), ("di", "against")):
        cast = api.call("PUT", f"{path}/vote", {"choice": choice, "reason": ""}, token=tokens[name])
        assert cast.status_code == 200, cast.content
    # Di changes her mind: one live vote per member, history kept.
    api.call("PUT", f"{path}/vote", {"choice": "abstain"}, token=tokens["di"])
    assert Vote.objects.filter(proposal_id=proposal["id"]).count() == 5

    row.refresh_from_db()
    do_sweep(now=row.voting_ends_at + timedelta(seconds=1))

    result = api.get(path).json()
    assert result["state"] == "passed"
    assert result["result"]["for_count"] == 3
    assert result["result"]["against_count"] == 0
    assert result["result"]["abstain_count"] == 1
    community = api.get("/communities/garden").json()
    assert community["charter"]["version"] == 2
    assert community["charter"]["rules"]["seconds_required"] == 3
    assert community["history"][0]["proposal_id"] == proposal["id"]


def test_a_vote_needs_the_vote_scope(api, world):
    path = f"/communities/den/proposals/{world.in_vote.pk}/vote"
    write_only = bearer(world.member, "read", "write")
    response = api.call("PUT", path, {"choice": "for"}, token=write_only)
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    assert not Vote.objects.filter(user=world.member).exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"choice": "maybe"}, "Choose for, against or abstain."),
        ({"choice": "for", "reason": "x" * 501}, "Keep the reason to 500 characters or fewer."),
    ],
)
def test_a_bad_vote_gets_the_actions_message_and_counts_nothing(api, world, body, message):
    path = f"/communities/den/proposals/{world.in_vote.pk}/vote"
    response = api.call("PUT", path, body, token=bearer(world.member))
    assert response.status_code == 422
    assert response.json()["message"] == message
    assert not Vote.objects.filter(user=world.member).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "rules", "title": "t", "rationale": "r", "rules": {"quorum_percent": 0}},
         "rules.quorum_percent"),
        ({"kind": "rules", "title": "t", "rationale": "r", "rules": {"owner": 1}}, "rules.owner"),
        ({"kind": "purpose", "title": "t", "rationale": "r", "purpose": " "}, "purpose"),
        ({"kind": "purpose", "title": "t" * 141, "rationale": "r"}, "title"),
    ],
)  # fmt: skip
def test_propose_bad_input_is_refused_and_drafts_nothing(api, world, body, field):
    before = Proposal.objects.count()
    response = api.post("/communities/den/proposals", body, token=bearer(world.member))
    assert response.status_code == 422
    assert field in response.json()["fields"]
    assert Proposal.objects.count() == before


def test_propose_nothing_changed_same_refusal_as_the_action(api, world):
    body = {"kind": "rules", "title": "Same", "rationale": "r", "rules": {}}
    response = api.post("/communities/den/proposals", body, token=bearer(world.member))
    assert response.status_code == 422
    assert response.json()["message"] == "The proposal changes nothing in the charter yet."
