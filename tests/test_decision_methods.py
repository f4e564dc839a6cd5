"""Unit tests for purposes.methods: the decision methods, pure maths, no database.

Properties (Hypothesis) for each method, the ballot shapes each one refuses, and a table of
worked examples from the literature (the "Tennessee capital" election).
"""

import ast
import csv
import hashlib
import io
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purposes.methods import approval, consent, majority, ranked, score, ties
from purposes.methods import charter as charter_methods
from purposes.methods.consent import ConsentBallot, Position
from purposes.methods.result import BallotError, Electorate, Outcome, option_labels, rounds_csv
from purposes.tally import DecisionRule, Tally, Threshold, decide

SEED = "3f9a1c0de2b84f7e"
ALL_OPTIONS = ("a", "b", "c", "d", "e")


def electorate(size=100, active=None):
    return Electorate(size=size, active=size if active is None else active)


# --- strategies -----------------------------------------------------------------------

options_st = st.integers(min_value=2, max_value=len(ALL_OPTIONS)).map(lambda k: ALL_OPTIONS[:k])


@st.composite
def approval_vote(draw):
    options = draw(options_st)
    ballot = st.lists(st.sampled_from(options), min_size=1, unique=True)
    return options, draw(st.lists(ballot, min_size=1, max_size=40))


@st.composite
def ranked_vote(draw):
    options = draw(options_st)
    ballot = st.permutations(options).flatmap(
        lambda order: st.integers(1, len(order)).map(lambda k: list(order[:k]))
    )
    return options, draw(st.lists(ballot, min_size=1, max_size=40))


@st.composite
def score_vote(draw):
    options = draw(options_st)
    ballot = st.fixed_dictionaries({o: st.integers(0, 5) for o in options})
    return options, draw(st.lists(ballot, min_size=1, max_size=40))


consent_ballot = st.one_of(
    st.just(ConsentBallot(Position.CONSENT)),
    st.just(ConsentBallot(Position.STAND_ASIDE)),
    st.builds(ConsentBallot, st.just(Position.OBJECT), st.just("It harms us"), st.booleans()),
)
seeds = st.text(min_size=1, max_size=20)


def reversed_and_rotated(ballots):
    return [list(reversed(ballots)), ballots[1:] + ballots[:1]]


# --- the package stays pure -----------------------------------------------------------


def test_methods_import_nothing_but_the_standard_library_and_pure_modules():
    allowed_project = {"purposes.tally", "purposes.methods"}
    folder = Path(__file__).resolve().parent.parent / "purposes" / "methods"
    found = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "__future__":
                    continue
                if not any(name == p or name.startswith(p + ".") for p in allowed_project):
                    found.append(f"{path.name} imports {name}")
    assert found == []


# --- ties -----------------------------------------------------------------------------


def test_draw_follows_the_published_recipe():
    def key(option):
        return hashlib.sha256(f"{SEED}:{option}".encode()).hexdigest()

    assert ties.draw(SEED, ["c", "a", "b"]) == tuple(sorted(["a", "b", "c"], key=key))


def test_draw_matches_the_example_in_the_module_docstring():
    assert hashlib.sha256(b"commons:a").hexdigest().startswith("a03b30")
    assert hashlib.sha256(b"commons:b").hexdigest().startswith("46ca16")
    assert ties.draw("commons", ["a", "b"]) == ("b", "a")
    assert ties.pick_winner("commons", ["a", "b"]).chosen == "b"
    assert ties.pick_loser("commons", ["a", "b"]).chosen == "a"


@given(seeds, st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=8, unique=True))
def test_draw_is_a_permutation_whatever_the_order_given(seed, options):
    order = ties.draw(seed, options)
    assert sorted(order) == sorted(options)
    assert ties.draw(seed, list(reversed(options))) == order


def test_draw_differs_between_seeds():
    options = list("abcdefgh")
    orders = {ties.draw(f"seed-{n}", options) for n in range(20)}
    assert len(orders) > 1  # not a fixed order dressed up as a lot
    assert all(sorted(order) == options for order in orders)


@pytest.mark.parametrize("seed", ["", None])
def test_draw_refuses_without_a_seed(seed):
    with pytest.raises(ValueError, match="seed"):
        ties.draw(seed, ["a", "b"])


# --- the common shape -----------------------------------------------------------------


def test_electorate_refuses_more_active_members_than_members():
    with pytest.raises(ValueError):
        Electorate(size=3, active=4)


def test_count_refuses_more_ballots_than_the_electorate():
    with pytest.raises(ValueError, match="only the electorate votes"):
        approval.count(
            [["a"]] * 4, options=["a", "b"], electorate=electorate(3), quorum_percent=0, seed=SEED
        )


@pytest.mark.parametrize("options", [["a"], ["a", "a"], ["a", ""], {"a": "A"}])
def test_option_labels_refuses_fewer_than_two_distinct_options(options):
    with pytest.raises(ValueError):
        option_labels(options)


def test_rounds_csv_has_a_row_per_option_per_round_and_the_exhausted_ballots():
    result = ranked.count(
        [["a"], ["a"], ["b"], ["b"], ["c"]],
        options={"a": "Alpha", "b": "Beta", "c": "Gamma"},
        electorate=electorate(5),
        quorum_percent=0,
        seed="commons",
    )
    rows = list(csv.DictReader(io.StringIO(rounds_csv(result))))
    assert [(r["round"], r["option"], r["votes"], r["status"]) for r in rows[:4]] == [
        ("1", "Alpha", "2", ""),
        ("1", "Beta", "2", ""),
        ("1", "Gamma", "1", "eliminated"),
        ("1", "exhausted ballots", "0", ""),
    ]
    # Round 2: Alpha and Beta tie 2-2 with Gamma's ballot exhausted; the lot eliminates
    # the one drawn last (a for seed "commons", see the ties docstring), and Beta wins
    # round 3 alone.
    assert [(r["round"], r["option_id"], r["votes"], r["status"]) for r in rows[4:10]] == [
        ("2", "a", "2", "eliminated"),
        ("2", "b", "2", ""),
        ("2", "", "1", ""),
        ("3", "b", "2", "elected"),
        ("3", "", "3", ""),
        ("2", "a", "", "tie-break"),
    ]
    assert rows[-1]["option"] == (
        "“Alpha” and “Beta” tied; by lot with the published seed “commons”, "
        "“Alpha” was drawn last and is eliminated."
    )
    assert result.winner == "b"
    assert "“Beta” is chosen after 3 rounds" in result.explanation


# --- majority -------------------------------------------------------------------------


@given(
    st.lists(st.sampled_from(["for", "against", "abstain"]), max_size=30),
    st.integers(0, 100),
    st.sampled_from(list(Threshold)),
)
def test_majority_is_tally_decide(choices, percent, threshold):
    rule = DecisionRule(quorum_percent=percent, threshold=threshold)
    result = majority.count(choices, electorate=electorate(30, 20), rule=rule)
    expected = decide(
        tally=Tally(
            for_count=choices.count("for"),
            against_count=choices.count("against"),
            abstain_count=choices.count("abstain"),
            electorate_size=30,
            active_electorate_size=20,
        ),
        rule=rule,
    )
    assert result.outcome == expected.outcome
    assert result.explanation == expected.reason
    assert result.rounds[0].counts == {
        "for": choices.count("for"),
        "against": choices.count("against"),
        "abstain": choices.count("abstain"),
    }


def test_majority_refuses_a_choice_it_does_not_know():
    with pytest.raises(BallotError, match="choose for, against or abstain"):
        majority.validate_ballot("maybe")


# --- consent --------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_consent_refuses_an_objection_without_a_reason(reason):
    with pytest.raises(BallotError, match="An objection needs a reason"):
        consent.validate_ballot(ConsentBallot(Position.OBJECT, reason))


def test_consent_refuses_withdrawing_what_is_not_an_objection():
    with pytest.raises(BallotError, match="Only an objection can be withdrawn"):
        consent.validate_ballot(ConsentBallot(Position.CONSENT, withdrawn=True))


def test_consent_refuses_an_unknown_position():
    with pytest.raises(BallotError, match="consent, stand aside or object"):
        consent.validate_ballot(ConsentBallot("veto"))


def test_consent_blocked_by_one_standing_objection():
    ballots = [ConsentBallot(Position.CONSENT)] * 9 + [ConsentBallot(Position.OBJECT, "Too soon")]
    result = consent.count(ballots, electorate=electorate(20), quorum_percent=25)
    assert result.outcome is Outcome.FAILED
    assert result.explanation.startswith("Blocked: 1 objection still stands at the close")


def test_consent_passes_once_the_objection_is_withdrawn():
    ballots = [ConsentBallot(Position.CONSENT)] * 4 + [
        ConsentBallot(Position.STAND_ASIDE),
        ConsentBallot(Position.OBJECT, "Too soon", withdrawn=True),
    ]
    result = consent.count(ballots, electorate=electorate(20), quorum_percent=25)
    assert result.outcome is Outcome.PASSED
    assert result.explanation == (
        "Passed: no objection stands at the close (4 consented, 1 stood aside, "
        "1 objection was withdrawn); 6 members took part (quorum 5)."
    )


def test_consent_lapses_below_quorum_even_without_objection():
    result = consent.count(
        [ConsentBallot(Position.CONSENT)] * 4, electorate=electorate(20), quorum_percent=25
    )
    assert result.outcome is Outcome.LAPSED
    assert result.explanation == (
        "Lapsed with no decision: only 4 of 20 active members voted; 5 were needed."
    )


@given(st.lists(consent_ballot, max_size=30), st.integers(0, 100))
def test_consent_passes_exactly_with_quorum_and_no_standing_objection(ballots, percent):
    result = consent.count(ballots, electorate=electorate(30, 20), quorum_percent=percent)
    if not result.quorum_met:
        assert result.outcome is Outcome.LAPSED
    elif any(b.blocks for b in ballots):
        assert result.outcome is Outcome.FAILED
    else:
        assert result.outcome is Outcome.PASSED
    for other in reversed_and_rotated(ballots) if ballots else []:
        assert consent.count(other, electorate=electorate(30, 20), quorum_percent=percent) == result


@given(
    st.lists(consent_ballot, max_size=28),
    st.sampled_from([Position.CONSENT, Position.STAND_ASIDE]),
    st.integers(0, 100),
)
def test_consent_never_unblocked_by_a_ballot_that_does_not_object(ballots, position, percent):
    before = consent.count(ballots, electorate=electorate(30, 20), quorum_percent=percent)
    after = consent.count(
        [*ballots, ConsentBallot(position)], electorate=electorate(30, 20), quorum_percent=percent
    )
    if before.outcome is Outcome.FAILED:
        assert after.outcome is Outcome.FAILED


# --- approval -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ballot", "message"),
    [
        ([], "Approve at least one option"),
        (["a", "a"], "only once"),
        (["z"], "“z” is not an option"),
        ("ab", "a list of the options"),
    ],
)
def test_approval_refuses_a_badly_shaped_ballot(ballot, message):
    with pytest.raises(BallotError, match=message):
        approval.validate_ballot(ballot, ["a", "b"])


@given(approval_vote())
def test_approval_winner_has_the_most_approvals(vote):
    options, ballots = vote
    result = approval.count(
        ballots, options=options, electorate=electorate(), quorum_percent=0, seed=SEED
    )
    counts = {o: sum(o in b for b in ballots) for o in options}
    assert result.rounds[0].counts == counts
    assert counts[result.winner] == max(counts.values())
    tied = [o for o in options if counts[o] == max(counts.values())]
    assert (result.tie_break is not None) == (len(tied) > 1)
    if len(tied) > 1:
        assert result.winner == ties.draw(SEED, tied)[0]
    for other in reversed_and_rotated(ballots):
        again = approval.count(
            other, options=options, electorate=electorate(), quorum_percent=0, seed=SEED
        )
        assert again == result


def test_approval_lapses_below_quorum():
    result = approval.count(
        [["a"]], options=["a", "b"], electorate=electorate(20), quorum_percent=25, seed=SEED
    )
    assert result.outcome is Outcome.LAPSED
    assert result.winner is None


# --- ranked choice --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ballot", "message"),
    [
        (["a", "a"], "ranked twice"),
        (["a", None, "b"], "Choice 2 is empty"),
        (["a", "", "b"], "without a gap"),
        ({"a": 1, "b": 1}, "share a rank"),
        ({"a": 1, "b": 3}, "Rank 2 is missing"),
        ({"a": 2}, "Rank 1 is missing"),
        ({"a": 0}, "whole number from 1"),
        (["z"], "“z” is not an option"),
        ({"z": 1}, "“z” is not an option"),
        ([], "Rank at least one option"),
        ([None, None], "Rank at least one option"),
        ("ab", "in your order of preference"),
    ],
)
def test_ranked_refuses_a_badly_shaped_ballot(ballot, message):
    with pytest.raises(BallotError, match=message):
        ranked.validate_ballot(ballot, ["a", "b", "c"])


@pytest.mark.parametrize(
    ("ballot", "ranking"),
    [
        (["b"], ("b",)),
        (["b", "a", None], ("b", "a")),
        ({"c": 2, "a": 1}, ("a", "c")),
    ],
)
def test_ranked_accepts_a_prefix_ranking(ballot, ranking):
    assert ranked.validate_ballot(ballot, ["a", "b", "c"]) == ranking


@given(ranked_vote(), seeds)
def test_ranked_rounds_add_up_and_eliminate_for_good(vote, seed):
    options, ballots = vote
    result = ranked.count(
        ballots, options=options, electorate=electorate(), quorum_percent=0, seed=seed
    )
    gone = set()
    for r in result.rounds:
        assert sum(r.counts.values()) + r.exhausted == len(ballots)
        assert not gone & set(r.counts)
        gone |= set(r.eliminated)
    last = result.rounds[-1]
    assert last.elected == result.winner
    counting = len(ballots) - last.exhausted
    assert 2 * last.counts[result.winner] > counting or len(last.counts) == 1
    for other in reversed_and_rotated(ballots):
        again = ranked.count(
            other, options=options, electorate=electorate(), quorum_percent=0, seed=seed
        )
        assert again == result


@given(ranked_vote(), st.data())
def test_ranked_elects_the_first_choice_of_a_strict_majority(vote, data):
    options, others = vote
    favourite = data.draw(st.sampled_from(options))
    rest = [o for o in options if o != favourite]
    backing = [[favourite, *rest]] * (len(others) + 1)
    ballots = data.draw(st.permutations(backing + others))
    result = ranked.count(
        ballots, options=options, electorate=electorate(), quorum_percent=0, seed=SEED
    )
    assert result.winner == favourite
    assert len(result.rounds) == 1


def test_ranked_records_exhausted_ballots_round_by_round():
    ballots = [["a"]] * 4 + [["b", "a"]] * 2 + [["c"]] * 3 + [["d", "b"]]
    result = ranked.count(
        ballots, options=["a", "b", "c", "d"], electorate=electorate(), quorum_percent=0, seed=SEED
    )
    assert [(dict(r.counts), r.exhausted, r.eliminated) for r in result.rounds] == [
        ({"a": 4, "b": 2, "c": 3, "d": 1}, 0, ("d",)),
        ({"a": 4, "b": 3, "c": 3}, 0, (ties.pick_loser(SEED, ["b", "c"]).chosen,)),
        *(
            [({"a": 6, "c": 3}, 1, ())]
            if ties.pick_loser(SEED, ["b", "c"]).chosen == "b"
            else [({"a": 4, "b": 3}, 3, ())]
        ),
    ]
    assert result.winner == "a"
    assert result.tie_breaks[0].round == 2


# --- score ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ballot", "message"),
    [
        ({"a": 6}, "scores go from 0 to 5"),
        ({"a": -1}, "scores go from 0 to 5"),
        ({"a": 2.5}, "whole number"),
        ({"a": True}, "whole number"),
        ({"z": 3}, "“z” is not an option"),
        ({}, "Score at least one option"),
        (["a"], "gives each option a score"),
    ],
)
def test_score_refuses_a_badly_shaped_ballot(ballot, message):
    with pytest.raises(BallotError, match=message):
        score.validate_ballot(ballot, ["a", "b"])


def test_score_counts_an_option_left_out_as_zero():
    assert score.validate_ballot({"b": 4}, ["a", "b"]) == {"a": 0, "b": 4}


@given(score_vote())
def test_score_winner_has_the_highest_total(vote):
    options, ballots = vote
    result = score.count(
        ballots, options=options, electorate=electorate(), quorum_percent=0, seed=SEED
    )
    totals = {o: sum(b[o] for b in ballots) for o in options}
    assert result.rounds[0].counts == totals
    assert totals[result.winner] == max(totals.values())
    for other in reversed_and_rotated(ballots):
        again = score.count(
            other, options=options, electorate=electorate(), quorum_percent=0, seed=SEED
        )
        assert again == result


# --- worked examples from the literature ----------------------------------------------
#
# The "Tennessee capital" election (Wikipedia, "Effects of different voting systems under
# similar circumstances"; electowiki, "Tennessee example"): 100 voters, each wanting the
# capital near home.
#   42: Memphis > Nashville > Chattanooga > Knoxville
#   26: Nashville > Chattanooga > Knoxville > Memphis
#   15: Chattanooga > Knoxville > Nashville > Memphis
#   17: Knoxville > Chattanooga > Nashville > Memphis
# Known results: plurality elects Memphis (42 first choices); instant runoff eliminates
# Chattanooga (15, its votes go to Knoxville: 32), then Nashville (26, to Knoxville: 58)
# and elects Knoxville 58-42. Nashville, the Condorcet winner, wins approval and score
# with sincere ballots; the approval and score ballots below are derived from the
# rankings as stated (top two approved; 5, 3, 1, 0 by rank), not quoted.

CITIES = {"M": "Memphis", "N": "Nashville", "C": "Chattanooga", "K": "Knoxville"}
TENNESSEE = [(42, "MNCK"), (26, "NCKM"), (15, "CKNM"), (17, "KCNM")]
RANKINGS = [list(order) for voters, order in TENNESSEE for _ in range(voters)]


def _tennessee(method, ballots):
    return method.count(
        ballots, options=CITIES, electorate=electorate(100), quorum_percent=25, seed=SEED
    )


@pytest.mark.parametrize(
    ("name", "method", "ballots", "winner", "counts"),
    [
        (
            "plurality (approve the first choice only)",
            approval,
            [r[:1] for r in RANKINGS],
            "M",
            [{"M": 42, "N": 26, "C": 15, "K": 17}],
        ),
        (
            "instant runoff",
            ranked,
            RANKINGS,
            "K",
            [
                {"M": 42, "N": 26, "C": 15, "K": 17},
                {"M": 42, "N": 26, "K": 32},
                {"M": 42, "K": 58},
            ],
        ),
        (
            "approval (approve the top two)",
            approval,
            [r[:2] for r in RANKINGS],
            "N",
            [{"M": 42, "N": 68, "C": 58, "K": 32}],
        ),
        (
            "score (5, 3, 1, 0 by rank)",
            score,
            [dict(zip(r, (5, 3, 1, 0), strict=True)) for r in RANKINGS],
            "N",
            [{"M": 210, "N": 288, "C": 246, "K": 156}],
        ),
    ],
)
def test_tennessee_capital(name, method, ballots, winner, counts):
    result = _tennessee(method, ballots)
    assert result.outcome is Outcome.PASSED
    assert result.winner == winner
    assert [dict(r.counts) for r in result.rounds] == counts
    assert result.tie_breaks == ()
    assert f"“{CITIES[winner]}” is chosen" in result.explanation


def test_tennessee_instant_runoff_explained_round_by_round():
    result = _tennessee(ranked, RANKINGS)
    assert result.explanation == (
        "“Knoxville” is chosen after 3 rounds with 58 of the 100 ballots still counting. "
        "Each round the option with the fewest votes was eliminated and its ballots moved "
        "to their next choice: “Chattanooga” in round 1; “Nashville” in round 2. "
        "100 members voted (quorum 25)."
    )
    rows = list(csv.reader(io.StringIO(rounds_csv(result))))
    assert rows[0] == ["round", "option_id", "option", "votes", "status"]
    assert ["3", "K", "Knoxville", "58", "elected"] in rows
    assert ["1", "C", "Chattanooga", "15", "eliminated"] in rows


# --- the charter's method for each kind -----------------------------------------------


def test_method_kinds_are_the_proposal_kinds():
    from purposes.models import Proposal

    assert list(charter_methods.KINDS) == list(Proposal.Kind.values)
    assert set(charter_methods.MAJOR_KINDS) == set(Proposal.MAJOR_KINDS)


@pytest.mark.parametrize(
    ("kind", "method", "threshold"),
    [
        ("purpose", "two_thirds", Threshold.TWO_THIRDS),
        ("rules", "two_thirds", Threshold.TWO_THIRDS),
        ("dissolve", "two_thirds", Threshold.TWO_THIRDS),
        ("elect", "majority", Threshold.SIMPLE_MAJORITY),
        ("recall", "majority", Threshold.SIMPLE_MAJORITY),
        ("remove", "majority", Threshold.SIMPLE_MAJORITY),
    ],
)
def test_method_for_defaults_to_todays_rule(kind, method, threshold):
    chosen = charter_methods.method_for({"methods": charter_methods.default_methods()}, kind)
    assert (chosen.name, chosen.counted_by, chosen.threshold) == (method, "majority", threshold)
    # Rules written before methods existed decide as before.
    assert charter_methods.method_for({"quorum_percent": 25}, kind) == chosen


def test_method_for_reads_the_charters_choice():
    methods = charter_methods.default_methods() | {"elect": "ranked", "rules": "consent"}
    assert charter_methods.method_for({"methods": methods}, "elect").counted_by == "ranked"
    assert charter_methods.method_for({"methods": methods}, "rules").counted_by == "consent"
    assert charter_methods.method_for({"methods": methods}, "dissolve").name == "two_thirds"


@pytest.mark.parametrize(
    ("methods", "message"),
    [
        (
            {k: v for k, v in charter_methods.DEFAULT_METHODS.items() if k != "dissolve"},
            "Every kind of proposal needs a decision method; none is set for dissolving the "
            "community.",
        ),
        (
            charter_methods.DEFAULT_METHODS | {"elect": "", "remove": None},
            "none is set for electing a moderator, removing a member.",
        ),
        (charter_methods.DEFAULT_METHODS | {"elect": "dice"}, "“dice” is not a decision method"),
        (charter_methods.DEFAULT_METHODS | {"other": "majority"}, "“other” is not a kind"),
        (["majority"], "for each kind of proposal, a method"),
    ],
)
def test_validate_methods_refuses_a_kind_left_without_a_method(methods, message):
    with pytest.raises(charter_methods.MethodsError, match=message):
        charter_methods.validate_methods(methods)
    with pytest.raises(charter_methods.MethodsError):
        charter_methods.method_for({"methods": methods}, "purpose")


def test_validate_methods_keeps_the_kinds_order():
    methods = dict(reversed(list(charter_methods.DEFAULT_METHODS.items())))
    assert list(charter_methods.validate_methods(methods)) == list(charter_methods.KINDS)


def test_method_for_refuses_an_unknown_kind():
    with pytest.raises(charter_methods.MethodsError, match="“other” is not a kind"):
        charter_methods.method_for({}, "other")
