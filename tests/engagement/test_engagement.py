"""Unit tests for engagement.health: pure maths, no database."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engagement.health import (
    AFFIRMED_SHARE_FOR_COMMUNITY,
    RELATIONSHIP_SHARE_FOR_COMMUNITY,
    HealthFigures,
    Stage,
    affirmed_needed,
    median,
    next_steps,
    reciprocity,
    relationships_needed,
    stage,
)

# 30 active members: 12 (40 %) in a relationship, 16 (a majority) affirmed, turnout 25 %
# against a quorum of 25 %: every condition for a community met exactly.
BOUNDARY = HealthFigures(
    members=50,
    active_members=30,
    relationships=9,
    connections=20,
    active_in_relationship=12,
    affirmed_active=16,
    turnout_percent=25.0,
    quorum_percent=25,
)


def test_thresholds_are_the_documented_ones():
    assert RELATIONSHIP_SHARE_FOR_COMMUNITY == 40
    assert AFFIRMED_SHARE_FOR_COMMUNITY == 50


# --- needed counts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("active", "needed"),
    [(0, 0), (1, 1), (2, 1), (3, 2), (5, 2), (10, 4), (11, 5), (30, 12), (31, 13), (100, 40)],
)
def test_relationships_needed_ceil_of_forty_percent(active, needed):
    assert relationships_needed(active) == needed


@pytest.mark.parametrize(
    ("active", "needed"),
    [(1, 1), (2, 2), (3, 2), (4, 3), (30, 16), (31, 16), (100, 51)],
)
def test_affirmed_needed_strict_majority(active, needed):
    assert affirmed_needed(active) == needed


# --- stage ------------------------------------------------------------------------------


def test_stage_community_when_every_condition_exactly_met():
    assert stage(BOUNDARY) is Stage.COMMUNITY


def test_stage_network_one_short_of_relationship_share():
    assert stage(replace(BOUNDARY, active_in_relationship=11)) is Stage.NETWORK


def test_stage_network_at_exactly_half_affirmed():
    assert stage(replace(BOUNDARY, affirmed_active=15)) is Stage.NETWORK


def test_stage_network_turnout_just_below_quorum():
    assert stage(replace(BOUNDARY, turnout_percent=24.99)) is Stage.NETWORK


def test_stage_network_when_no_proposal_closed():
    assert stage(replace(BOUNDARY, turnout_percent=None)) is Stage.NETWORK


def test_stage_community_with_odd_active_count_boundaries():
    # 31 active: 13 is ceil(12.4) and 16 is the smallest majority.
    figures = replace(BOUNDARY, active_members=31, active_in_relationship=13, affirmed_active=16)
    assert stage(figures) is Stage.COMMUNITY
    assert stage(replace(figures, active_in_relationship=12)) is Stage.NETWORK


def test_stage_community_turnout_above_quorum_uses_charter_quorum():
    figures = replace(BOUNDARY, quorum_percent=40, turnout_percent=40.0)
    assert stage(figures) is Stage.COMMUNITY
    assert stage(replace(figures, turnout_percent=39.9)) is Stage.NETWORK


def test_stage_gathering_when_only_connections():
    figures = replace(BOUNDARY, relationships=0, active_in_relationship=0)
    assert stage(figures) is Stage.GATHERING


def test_stage_gathering_when_nobody_active():
    figures = HealthFigures(
        members=10,
        active_members=0,
        relationships=0,
        connections=0,
        active_in_relationship=0,
        affirmed_active=0,
        turnout_percent=None,
        quorum_percent=25,
    )
    assert stage(figures) is Stage.GATHERING


def test_stage_gathering_even_if_charter_affirmed_and_turnout_high():
    figures = replace(BOUNDARY, relationships=0, active_in_relationship=0, affirmed_active=30)
    assert stage(replace(figures, turnout_percent=100.0)) is Stage.GATHERING


def test_stage_network_with_a_single_relationship():
    figures = replace(BOUNDARY, relationships=1, active_in_relationship=2)
    assert stage(figures) is Stage.NETWORK


def test_stage_community_small_group_of_three():
    figures = HealthFigures(
        members=3,
        active_members=3,
        relationships=1,
        connections=0,
        active_in_relationship=2,
        affirmed_active=2,
        turnout_percent=100.0,
        quorum_percent=25,
    )
    assert stage(figures) is Stage.COMMUNITY


@pytest.mark.parametrize(
    "changes",
    [
        {"active_members": 51},
        {"active_in_relationship": 31},
        {"affirmed_active": 31},
        {"members": -1},
        {"quorum_percent": 101},
        {"turnout_percent": 100.5},
        {"turnout_percent": -1.0},
    ],
)
def test_health_figures_reject_impossible_values(changes):
    with pytest.raises(ValueError):
        replace(BOUNDARY, **changes)


figures_strategy = st.integers(min_value=0, max_value=200).flatmap(
    lambda active: st.builds(
        HealthFigures,
        members=st.integers(min_value=active, max_value=active + 50),
        active_members=st.just(active),
        relationships=st.integers(min_value=0, max_value=300),
        connections=st.integers(min_value=0, max_value=300),
        active_in_relationship=st.integers(min_value=0, max_value=active),
        affirmed_active=st.integers(min_value=0, max_value=active),
        turnout_percent=st.none() | st.floats(min_value=0, max_value=100),
        quorum_percent=st.integers(min_value=0, max_value=100),
    )
)


@given(f=figures_strategy)
def test_stage_matches_exact_share_oracle(f):
    result = stage(f)
    if f.active_members == 0 or f.relationships == 0 or f.active_in_relationship == 0:
        assert result is Stage.GATHERING
        return
    community = (
        f.active_in_relationship / f.active_members >= 0.4 - 1e-12
        and f.affirmed_active / f.active_members > 0.5
        and f.turnout_percent is not None
        and f.turnout_percent >= f.quorum_percent
    )
    assert result is (Stage.COMMUNITY if community else Stage.NETWORK)


@given(f=figures_strategy)
def test_next_steps_empty_iff_community(f):
    steps = next_steps(f)
    assert (steps == []) == (stage(f) is Stage.COMMUNITY)
    assert all(step.endswith(".") for step in steps)


# --- next_steps -------------------------------------------------------------------------


def test_next_steps_empty_for_a_community():
    assert next_steps(BOUNDARY) == []


def test_next_steps_relationship_sentence():
    steps = next_steps(replace(BOUNDARY, active_in_relationship=5))
    assert steps == [
        "5 of 30 active members have a two-way relationship; 12 would make this a community."
    ]


def test_next_steps_relationship_sentence_singular():
    steps = next_steps(replace(BOUNDARY, relationships=1, active_in_relationship=1))
    assert steps[0] == (
        "1 of 30 active members has a two-way relationship; 12 would make this a community."
    )


def test_next_steps_affirmation_sentence():
    steps = next_steps(replace(BOUNDARY, affirmed_active=10))
    assert steps == [
        "10 of 30 active members have affirmed the current charter; "
        "16 would make it a shared purpose."
    ]


def test_next_steps_turnout_sentence():
    steps = next_steps(replace(BOUNDARY, turnout_percent=18.0))
    assert steps == [
        "Turnout in votes over the last 90 days was 18 %; "
        "at least 25 % (the charter's quorum) would make this a community."
    ]


def test_next_steps_turnout_never_rounds_up_to_the_quorum():
    steps = next_steps(replace(BOUNDARY, turnout_percent=24.96))
    assert "was 24.9 %;" in steps[0]


def test_next_steps_no_proposal_closed_sentence():
    steps = next_steps(replace(BOUNDARY, turnout_percent=None))
    assert steps == [
        "No proposal has closed in the last 90 days; a vote with a turnout of at least 25 % "
        "would show members taking part in the purpose."
    ]


def test_next_steps_lists_every_unmet_condition_in_order():
    figures = replace(BOUNDARY, active_in_relationship=4, affirmed_active=3, turnout_percent=5.5)
    steps = next_steps(figures)
    assert len(steps) == 3
    assert steps[0].startswith("4 of 30 active members have a two-way relationship")
    assert steps[1].startswith("3 of 30 active members have affirmed")
    assert steps[2].startswith("Turnout in votes over the last 90 days was 5.5 %")


def test_next_steps_gathering_with_connections():
    figures = replace(BOUNDARY, relationships=0, connections=7, active_in_relationship=0)
    steps = next_steps(figures)
    assert steps[0] == (
        "7 pairs of members have a one-way connection: one replied and the other has not "
        "replied back yet. A reply back makes a two-way relationship."
    )
    assert steps[1] == (
        "0 of 30 active members have a two-way relationship; 12 would make this a community."
    )


def test_next_steps_gathering_without_connections():
    figures = replace(BOUNDARY, relationships=0, connections=0, active_in_relationship=0)
    assert next_steps(figures)[0] == (
        "No two members have replied to each other yet; a two-way relationship starts when "
        "each replies to the other."
    )


def test_next_steps_nobody_active():
    figures = HealthFigures(
        members=4,
        active_members=0,
        relationships=0,
        connections=0,
        active_in_relationship=0,
        affirmed_active=0,
        turnout_percent=None,
        quorum_percent=25,
    )
    assert next_steps(figures) == [
        "Nobody has posted, replied or voted in the last 90 days; "
        "a first conversation would start things off."
    ]


def test_next_steps_single_active_member():
    figures = HealthFigures(
        members=1,
        active_members=1,
        relationships=0,
        connections=0,
        active_in_relationship=0,
        affirmed_active=0,
        turnout_percent=None,
        quorum_percent=25,
    )
    steps = next_steps(figures)
    assert "0 of 1 active member have a two-way relationship; 1 would make" in steps[1]
    assert steps[2] == (
        "0 of 1 active member have affirmed the current charter; 1 would make it a shared purpose."
    )


# --- reciprocity ------------------------------------------------------------------------


def test_reciprocity_none_when_no_pairs():
    assert reciprocity(0, 0) is None


def test_reciprocity_zero_when_only_connections():
    assert reciprocity(0, 5) == 0.0


def test_reciprocity_one_when_only_relationships():
    assert reciprocity(4, 0) == 1.0


def test_reciprocity_share_of_two_way_pairs():
    assert reciprocity(1, 3) == 0.25


def test_reciprocity_rejects_negative_counts():
    with pytest.raises(ValueError):
        reciprocity(-1, 2)


@given(r=st.integers(min_value=0, max_value=10**6), c=st.integers(min_value=0, max_value=10**6))
def test_reciprocity_between_zero_and_one(r, c):
    value = reciprocity(r, c)
    if r + c == 0:
        assert value is None
    else:
        assert 0.0 <= value <= 1.0


# --- median -----------------------------------------------------------------------------


def test_median_none_when_empty():
    assert median([]) is None


def test_median_odd_count():
    assert median([3, 1, 2]) == 2.0


def test_median_even_count_is_mean_of_middle_two():
    assert median([4, 1, 3, 2]) == 2.5


def test_median_single_value_is_float():
    value = median([7])
    assert value == 7.0
    assert isinstance(value, float)
