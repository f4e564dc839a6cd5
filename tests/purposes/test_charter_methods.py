"""The charter's decision method for each kind of proposal, in the database: defaults
that match how votes are decided today, validation, and versions that keep them."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from purposes.charter_diff import CharterText
from purposes.drafting import check_create_proposal, check_submit_proposal
from purposes.methods.charter import DEFAULT_METHODS
from purposes.models import Charter, Proposal
from purposes.seconds import check_second_proposal
from purposes.sweep import do_sweep
from purposes.validation import validate_charter
from purposes.voting import check_cast_vote
from tests.factories import community_with_members

pytestmark = pytest.mark.django_db


def test_method_for_matches_the_rule_each_kind_is_decided_by_today():
    community, _members = community_with_members(3)
    charter = community.charter
    assert charter.methods == DEFAULT_METHODS
    for kind in Proposal.Kind.values:
        proposal = Proposal(kind=kind, base_charter=charter)
        assert charter.method_for(kind).threshold == proposal.decision_rule().threshold


def test_passed_change_keeps_the_charters_methods():
    community, members = community_with_members(4)
    chosen = DEFAULT_METHODS | {"elect": "ranked", "remove": "consent"}
    Charter.objects.filter(pk=community.charter_id).update(methods=chosen)
    community.refresh_from_db()
    text = community.charter.text()
    proposal = check_create_proposal(
        actor=members[0].user,
        community=community,
        kind=Proposal.Kind.AMEND_PURPOSE,
        title="Grow food",
        rationale="We mostly garden now.",
        proposed=CharterText(purpose="To grow food together.", goals=text.goals, rules=text.rules),
    )
    now = timezone.now()
    check_submit_proposal(actor=members[0].user, proposal=proposal, now=now)
    for m in members[1:3]:
        check_second_proposal(actor=m.user, proposal=proposal, now=now)
    do_sweep(now=now + timedelta(days=3))
    for m in members:
        check_cast_vote(actor=m.user, proposal=proposal, choice="for", now=now + timedelta(days=4))
    do_sweep(now=now + timedelta(days=10))
    community.refresh_from_db()
    assert community.charter.version == 2
    assert community.charter.purpose == "To grow food together."
    assert community.charter.methods == chosen
    assert community.charter.method_for("elect").name == "ranked"


def charter_fields(**extra):
    return {"purpose": "To grow food.", "goals": ["Share seeds"]} | extra


def test_validate_charter_refuses_a_kind_left_without_a_method():
    methods = {k: v for k, v in DEFAULT_METHODS.items() if k != "recall"}
    with pytest.raises(ValidationError) as caught:
        validate_charter(charter_fields(methods=methods))
    assert caught.value.code == "methods"
    assert caught.value.messages == [
        "Every kind of proposal needs a decision method; none is set for recalling a moderator."
    ]


def test_validate_charter_keeps_valid_methods_and_leaves_out_missing_ones():
    methods = DEFAULT_METHODS | {"elect": "approval"}
    assert validate_charter(charter_fields(methods=methods))["methods"] == methods
    assert "methods" not in validate_charter(charter_fields())
