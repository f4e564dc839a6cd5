"""Unit tests for purposes.tally: pure maths, no database."""

from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purposes.tally import (
    Choice,
    DecisionRule,
    Outcome,
    Tally,
    Threshold,
    count_votes,
    decide,
)

MAJORITY_25 = DecisionRule(quorum_percent=25, threshold=Threshold.SIMPLE_MAJORITY)
TWO_THIRDS_40 = DecisionRule(quorum_percent=40, threshold=Threshold.TWO_THIRDS)


def tally(f=0, a=0, ab=0, electorate=20, active=None):
    return Tally(
        for_count=f,
        against_count=a,
        abstain_count=ab,
        electorate_size=electorate,
        active_electorate_size=electorate if active is None else active,
    )


# --- DecisionRule ---------------------------------------------------------------------


def test_describe_majority_sentence():
    assert MAJORITY_25.describe() == (
        "Needs more votes for than against, with at least 25 % of active members voting."
    )


def test_describe_two_thirds_sentence():
    assert TWO_THIRDS_40.describe() == (
        "Needs two thirds of the votes cast for or against, "
        "with at least 40 % of active members voting."
    )


def test_describe_one_vote_when_quorum_zero():
    rule = DecisionRule(quorum_percent=0, threshold=Threshold.SIMPLE_MAJORITY)
    assert rule.describe() == "Needs more votes for than against, with at least one vote cast."


def test_decision_rule_accepts_stored_threshold_string():
    rule = DecisionRule(quorum_percent=40, threshold="two_thirds")
    assert rule.threshold is Threshold.TWO_THIRDS
    assert rule == TWO_THIRDS_40


@pytest.mark.parametrize("percent", [-1, 101])
def test_decision_rule_rejects_out_of_range_quorum(percent):
    with pytest.raises(ValueError):
        DecisionRule(quorum_percent=percent, threshold=Threshold.SIMPLE_MAJORITY)


def test_decision_rule_rejects_unknown_threshold():
    with pytest.raises(ValueError):
        DecisionRule(quorum_percent=25, threshold="three_quarters")


# --- Tally ----------------------------------------------------------------------------


def test_cast_counts_all_choices():
    assert tally(8, 3, 1).cast == 12


def test_turnout_percent_of_whole_electorate():
    assert tally(8, 3, 1, electorate=24, active=20).turnout_percent == 50.0


def test_turnout_percent_none_for_empty_electorate():
    assert tally(electorate=0).turnout_percent is None


@pytest.mark.parametrize(
    ("percent", "active", "needed"),
    [
        (25, 20, 5),  # exact
        (25, 21, 6),  # 5.25 rounds up
        (40, 10, 4),
        (40, 11, 5),  # 4.4 rounds up
        (25, 1, 1),  # 0.25 rounds up to one
        (25, 3, 1),
        (100, 7, 7),
        (0, 50, 1),  # never less than one vote
        (25, 0, 1),  # nobody active: the quorum is one vote
        (33, 100_000, 33_000),
        (1, 100_001, 1_001),  # 1000.01 rounds up
    ],
)
def test_quorum_needed_ceil_of_share_of_active(percent, active, needed):
    rule = DecisionRule(quorum_percent=percent, threshold=Threshold.SIMPLE_MAJORITY)
    assert tally(electorate=active + 5, active=active).quorum_needed(rule) == needed


def test_tally_rejects_negative_counts():
    with pytest.raises(ValueError):
        tally(f=-1)


def test_tally_rejects_more_active_than_electorate():
    with pytest.raises(ValueError):
        tally(electorate=5, active=6)


def test_tally_rejects_more_votes_than_electorate():
    with pytest.raises(ValueError):
        tally(3, 2, 1, electorate=5)


# --- count_votes ----------------------------------------------------------------------


def test_count_votes_counts_each_choice():
    choices = ["for", "against", Choice.FOR, "abstain", Choice.AGAINST, "for"]
    assert count_votes(choices) == (3, 2, 1)


def test_count_votes_zero_for_empty():
    assert count_votes([]) == (0, 0, 0)


def test_count_votes_accepts_generator():
    assert count_votes(c for c in ["abstain"] * 4) == (0, 0, 4)


def test_count_votes_rejects_unknown_choice():
    with pytest.raises(ValueError):
        count_votes(["for", "maybe"])


# --- decide: simple majority ------------------------------------------------------------


def test_decide_passed_more_for_than_against():
    result = decide(tally=tally(8, 3, 1), rule=MAJORITY_25)
    assert result.outcome is Outcome.PASSED
    assert result.quorum_met
    assert result.quorum_needed == 5
    assert result.reason == (
        "Passed: 8 for, 3 against, 1 abstaining; 12 of 20 active members voted (quorum 5)."
    )


def test_decide_failed_more_against_than_for():
    result = decide(tally=tally(3, 8, 1), rule=MAJORITY_25)
    assert result.outcome is Outcome.FAILED
    assert result.quorum_met
    assert result.reason == (
        "Failed: 3 for, 8 against, 1 abstaining; 12 of 20 active members voted (quorum 5)."
    )


def test_decide_failed_tie():
    result = decide(tally=tally(4, 4), rule=MAJORITY_25)
    assert result.outcome is Outcome.FAILED
    assert result.reason == "Failed: a tie of 4 for and 4 against needs more for than against."


def test_decide_failed_tie_with_abstentions():
    assert decide(tally=tally(2, 2, 5), rule=MAJORITY_25).outcome is Outcome.FAILED


def test_decide_passed_by_one_vote():
    assert decide(tally=tally(5, 4), rule=MAJORITY_25).outcome is Outcome.PASSED


def test_decide_failed_all_abstain():
    result = decide(tally=tally(0, 0, 6), rule=MAJORITY_25)
    assert result.outcome is Outcome.FAILED
    assert result.quorum_met
    assert result.reason == (
        "Failed: all 6 voters abstained, and a change needs more votes for than against."
    )


def test_decide_failed_all_abstain_two_thirds():
    result = decide(tally=tally(0, 0, 8), rule=TWO_THIRDS_40)
    assert result.outcome is Outcome.FAILED
    assert result.reason == (
        "Failed: all 8 voters abstained, and a change needs two thirds of the votes cast "
        "for or against; there were none."
    )


def test_decide_failed_single_abstention():
    result = decide(tally=tally(0, 0, 1, electorate=1), rule=MAJORITY_25)
    assert result.outcome is Outcome.FAILED
    assert result.reason.startswith("Failed: the only voter abstained,")


# --- decide: quorum -----------------------------------------------------------------------


def test_decide_passed_quorum_exactly_met():
    result = decide(tally=tally(3, 1, 1), rule=MAJORITY_25)  # 5 of 20, quorum 5
    assert result.outcome is Outcome.PASSED
    assert result.quorum_met


def test_decide_lapsed_quorum_one_short():
    result = decide(tally=tally(3, 0, 1), rule=MAJORITY_25)  # 4 of 20, quorum 5
    assert result.outcome is Outcome.LAPSED
    assert not result.quorum_met
    assert result.reason == (
        "Lapsed with no decision: only 4 of 20 active members voted; 5 were needed."
    )


def test_decide_lapsed_reason_matches_design_example():
    result = decide(tally=tally(2, 1), rule=MAJORITY_25)
    assert result.reason == (
        "Lapsed with no decision: only 3 of 20 active members voted; 5 were needed."
    )


def test_decide_lapsed_not_failed_even_if_all_against():
    assert decide(tally=tally(0, 4), rule=MAJORITY_25).outcome is Outcome.LAPSED


def test_decide_lapsed_nobody_voted():
    result = decide(tally=tally(), rule=MAJORITY_25)
    assert result.outcome is Outcome.LAPSED
    assert result.reason == "Lapsed with no decision: nobody voted; 5 votes were needed."


def test_decide_abstentions_count_towards_quorum():
    result = decide(tally=tally(1, 0, 4), rule=MAJORITY_25)
    assert result.quorum_met
    assert result.outcome is Outcome.PASSED


def test_decide_quorum_counts_votes_of_inactive_members():
    # 10 members, 4 of them active: quorum is ceil(25 % of 4) = 1.
    result = decide(tally=tally(1, 0, electorate=10, active=4), rule=MAJORITY_25)
    assert result.quorum_needed == 1
    assert result.outcome is Outcome.PASSED


def test_decide_reason_when_more_voted_than_were_active():
    result = decide(tally=tally(3, 0, electorate=10, active=2), rule=MAJORITY_25)
    assert result.reason == (
        "Passed: 3 for, 0 against, 0 abstaining; "
        "3 members voted, more than the 2 active (quorum 1)."
    )


# --- decide: small electorates ----------------------------------------------------------


def test_decide_passed_electorate_of_one_voting_for():
    result = decide(tally=tally(1, electorate=1), rule=TWO_THIRDS_40)
    assert result.outcome is Outcome.PASSED
    assert result.reason == (
        "Passed: 1 for, 0 against, 0 abstaining; 1 of 1 active member voted (quorum 1)."
    )


def test_decide_failed_electorate_of_one_voting_against():
    assert decide(tally=tally(0, 1, electorate=1), rule=MAJORITY_25).outcome is Outcome.FAILED


def test_decide_lapsed_electorate_of_one_not_voting():
    result = decide(tally=tally(electorate=1), rule=MAJORITY_25)
    assert result.outcome is Outcome.LAPSED
    assert result.reason == "Lapsed with no decision: nobody voted; 1 vote was needed."


def test_decide_passed_active_electorate_zero_with_one_vote():
    result = decide(tally=tally(1, electorate=5, active=0), rule=TWO_THIRDS_40)
    assert result.quorum_needed == 1
    assert result.outcome is Outcome.PASSED


def test_decide_lapsed_active_electorate_zero_with_no_vote():
    result = decide(tally=tally(electorate=5, active=0), rule=TWO_THIRDS_40)
    assert result.outcome is Outcome.LAPSED


def test_decide_lapsed_empty_electorate():
    result = decide(tally=tally(electorate=0), rule=MAJORITY_25)
    assert result.outcome is Outcome.LAPSED
    assert result.quorum_needed == 1


# --- decide: two thirds -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "a", "outcome"),
    [
        (2, 1, Outcome.PASSED),  # exactly two thirds
        (1, 1, Outcome.FAILED),
        (4, 2, Outcome.PASSED),
        (3, 2, Outcome.FAILED),  # 60 %
        (66, 34, Outcome.FAILED),  # 66 % < 66.67 %
        (67, 33, Outcome.PASSED),
        (66, 33, Outcome.PASSED),  # exactly two thirds
        (66, 34, Outcome.FAILED),
        (200, 100, Outcome.PASSED),
        (199, 100, Outcome.FAILED),
        (1, 0, Outcome.PASSED),
        (0, 1, Outcome.FAILED),
    ],
)
def test_decide_two_thirds_boundary(f, a, outcome):
    result = decide(tally=tally(f, a, electorate=f + a), rule=TWO_THIRDS_40)
    assert result.quorum_met
    assert result.outcome is outcome


def test_decide_two_thirds_ignores_abstentions():
    assert decide(tally=tally(2, 1, 7), rule=TWO_THIRDS_40).outcome is Outcome.PASSED


def test_decide_failed_two_thirds_reason():
    result = decide(tally=tally(5, 4), rule=TWO_THIRDS_40)
    assert result.outcome is Outcome.FAILED
    assert result.reason == (
        "Failed: 5 for and 4 against falls short of two thirds; "
        "6 of the 9 votes for or against were needed."
    )


def test_decide_failed_two_thirds_tie():
    result = decide(tally=tally(4, 4), rule=TWO_THIRDS_40)
    assert result.outcome is Outcome.FAILED
    assert "6 of the 8 votes for or against were needed" in result.reason


# --- decide: large numbers ----------------------------------------------------------------


def test_decide_two_thirds_exact_at_100000():
    rule = DecisionRule(quorum_percent=40, threshold=Threshold.TWO_THIRDS)
    # 60,000 votes: 40,000 for and 20,000 against is exactly two thirds.
    exact = tally(40_000, 20_000, 0, electorate=100_000)
    assert decide(tally=exact, rule=rule).outcome is Outcome.PASSED
    one_short = tally(39_999, 20_001, 0, electorate=100_000)
    assert decide(tally=one_short, rule=rule).outcome is Outcome.FAILED


def test_decide_quorum_exact_at_100000():
    quorum_exact = tally(20_000, 5_000, 0, electorate=100_000)  # 25,000 of 100,000
    assert decide(tally=quorum_exact, rule=MAJORITY_25).outcome is Outcome.PASSED
    one_short = tally(20_000, 4_999, 0, electorate=100_000)
    assert decide(tally=one_short, rule=MAJORITY_25).outcome is Outcome.LAPSED


def test_decide_tie_at_100000():
    big_tie = tally(50_000, 50_000, electorate=100_000)
    assert decide(tally=big_tie, rule=MAJORITY_25).outcome is Outcome.FAILED


def test_decide_result_keeps_tally_and_rule():
    t = tally(8, 3, 1)
    result = decide(tally=t, rule=MAJORITY_25)
    assert result.tally is t
    assert result.rule is MAJORITY_25


# --- properties ---------------------------------------------------------------------------


@st.composite
def tallies(draw, max_size=2_000):
    electorate = draw(st.integers(min_value=0, max_value=max_size))
    active = draw(st.integers(min_value=0, max_value=electorate))
    f = draw(st.integers(min_value=0, max_value=electorate))
    a = draw(st.integers(min_value=0, max_value=electorate - f))
    ab = draw(st.integers(min_value=0, max_value=electorate - f - a))
    return Tally(
        for_count=f,
        against_count=a,
        abstain_count=ab,
        electorate_size=electorate,
        active_electorate_size=active,
    )


rules = st.builds(
    DecisionRule,
    quorum_percent=st.integers(min_value=0, max_value=100),
    threshold=st.sampled_from(Threshold),
)


@given(t=tallies(), rule=rules)
def test_decide_lapsed_iff_cast_below_quorum(t, rule):
    result = decide(tally=t, rule=rule)
    assert (result.outcome is Outcome.LAPSED) == (t.cast < t.quorum_needed(rule))
    assert result.quorum_met == (result.outcome is not Outcome.LAPSED)


@given(t=tallies(), rule=rules)
def test_decide_never_passes_without_quorum_or_votes_for(t, rule):
    result = decide(tally=t, rule=rule)
    if result.outcome is Outcome.PASSED:
        assert t.cast >= t.quorum_needed(rule)
        assert t.for_count > t.against_count


@given(t=tallies(), rule=rules)
def test_decide_adding_a_vote_for_never_turns_passed_into_failed(t, rule):
    before = decide(tally=t, rule=rule).outcome
    more = replace(t, for_count=t.for_count + 1, electorate_size=t.electorate_size + 1)
    after = decide(tally=more, rule=rule).outcome
    if before is Outcome.PASSED:
        assert after is Outcome.PASSED
    assert not (before is Outcome.PASSED and after is Outcome.FAILED)
    # Nor does a vote ever turn a decision back into "no decision".
    if before is not Outcome.LAPSED:
        assert after is not Outcome.LAPSED


@given(t=tallies(), rule=rules)
def test_decide_adding_a_vote_against_never_turns_failed_into_passed(t, rule):
    before = decide(tally=t, rule=rule).outcome
    more = replace(t, against_count=t.against_count + 1, electorate_size=t.electorate_size + 1)
    assert not (
        before is Outcome.FAILED and decide(tally=more, rule=rule).outcome is Outcome.PASSED
    )


@given(t=tallies(), rule=rules)
def test_decide_matches_exact_fraction_oracle(t, rule):
    result = decide(tally=t, rule=rule)
    if result.outcome is Outcome.LAPSED:
        return
    decisive = t.for_count + t.against_count
    if rule.threshold is Threshold.TWO_THIRDS:
        expected = decisive > 0 and Fraction(t.for_count, decisive) >= Fraction(2, 3)
    else:
        expected = t.for_count > t.against_count
    assert (result.outcome is Outcome.PASSED) == expected


@given(t=tallies(), rule=rules)
def test_quorum_needed_is_smallest_count_reaching_share(t, rule):
    needed = t.quorum_needed(rule)
    active = t.active_electorate_size
    assert needed >= 1
    assert 100 * needed >= rule.quorum_percent * active
    if needed > 1:
        assert 100 * (needed - 1) < rule.quorum_percent * active
    if active:
        assert needed <= active


@given(t=tallies(), rule=rules)
def test_decide_reason_names_outcome(t, rule):
    result = decide(tally=t, rule=rule)
    prefix = {
        Outcome.PASSED: "Passed: ",
        Outcome.FAILED: "Failed: ",
        Outcome.LAPSED: "Lapsed with no decision: ",
    }[result.outcome]
    assert result.reason.startswith(prefix)
    assert result.reason.endswith(".")
