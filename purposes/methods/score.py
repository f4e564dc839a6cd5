"""Score voting: each ballot gives each option a score from 0 to 5; the option with the
highest **total** wins.

* A score is a whole number from 0 to 5. A ballot scores at least one option; an option
  it leaves out scores 0 on it (as a form's default would). It names only options of this
  vote.
* **Total, not mean.** Because every ballot scores every option (left out means 0), each
  option's mean is its total divided by the same number of ballots: the two always pick the
  same winner. The total is a whole number a member can add up from the published ballots,
  with no rounding to argue about, so the count shows totals.
* **Quorum**, as for every method (:func:`purposes.tally.quorum_needed`): each ballot counts
  towards it. Missing it, the vote *lapses* with no decision.
* **Ties** for the highest total are broken by lot with the seed published before voting
  opened (:mod:`purposes.methods.ties`).

The count has a single round: each option's total. "Passed" means a winner was chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from purposes.methods.result import (
    BallotError,
    Electorate,
    MethodResult,
    Outcome,
    Round,
    check_quorum,
    option_labels,
    plural,
)
from purposes.methods.ties import winner_of

__all__ = ["MAX_SCORE", "MIN_SCORE", "count", "validate_ballot"]

METHOD = "score"
MIN_SCORE, MAX_SCORE = 0, 5


def validate_ballot(ballot: Mapping[str, int], options: Iterable[str]) -> dict[str, int]:
    """The ballot as ``{option: score}`` for every option (0 where left out), or BallotError."""
    if not isinstance(ballot, Mapping):
        raise BallotError("A score ballot gives each option a score from 0 to 5.")
    options = list(options)
    for option, score in ballot.items():
        if option not in options:
            raise BallotError(f"“{option}” is not an option in this vote.")
        if isinstance(score, bool) or not isinstance(score, int):
            raise BallotError(f"The score for “{option}” must be a whole number from 0 to 5.")
        if not MIN_SCORE <= score <= MAX_SCORE:
            raise BallotError(
                f"The score for “{option}” is {score}; scores go from {MIN_SCORE} to {MAX_SCORE}."
            )
    if not ballot:
        raise BallotError("Score at least one option, or do not vote.")
    return {option: ballot.get(option, 0) for option in options}


def count(
    ballots: Iterable[Mapping[str, int]],
    *,
    options: Sequence[str] | Mapping[str, str],
    electorate: Electorate,
    quorum_percent: int,
    seed: str,
) -> MethodResult:
    """Decide a closed score vote between ``options`` (ids, or ``{id: label}``)."""
    labels = option_labels(options)
    ballots = [validate_ballot(b, labels) for b in ballots]
    totals = {option: sum(b[option] for b in ballots) for option in labels}
    cast = len(ballots)
    rounds = (Round(number=1, counts=totals),)
    quorum, lapse = check_quorum(
        METHOD, cast, electorate, quorum_percent, rounds=rounds, labels=labels
    )
    if lapse:
        return lapse
    winner, tie = winner_of(totals, seed)
    rounds = (Round(number=1, counts=totals, elected=winner),)
    best, most = totals[winner], MAX_SCORE * cast
    sentence = f"“{labels[winner]}” is chosen with a total score of {best} (of {most} possible)"
    if tie:
        sentence += f", tied for the highest. {tie.describe(labels)}"
    else:
        runner_up = max((o for o in totals if o != winner), key=lambda o: totals[o])
        sentence += f", the highest; next, “{labels[runner_up]}”, {totals[runner_up]}."
    explanation = (
        f"{sentence} {cast} {plural(cast, 'ballot')} scored the options from 0 to 5 "
        f"(an option left out scores 0); quorum {quorum}."
    )
    return MethodResult(
        method=METHOD,
        outcome=Outcome.PASSED,
        explanation=explanation,
        cast=cast,
        quorum=quorum,
        electorate=electorate,
        rounds=rounds,
        winner=winner,
        tie_breaks=(tie,) if tie else (),
        labels=labels,
    )
