"""Approval voting: several options; each ballot approves one or more of them; the option
approved by the most ballots wins.

* A ballot approves **at least one** option (a ballot approving none says nothing; to take
  no side, do not vote), names only options of this vote, and names each at most once.
  Approving every option is allowed: it counts towards the quorum and changes no ranking.
* **Quorum**, as for every method (:func:`purposes.tally.quorum_needed`): each ballot counts
  towards it. Missing it, the vote *lapses* with no decision.
* **Ties** for the most approvals are broken by lot with the seed published before voting
  opened (:mod:`purposes.methods.ties`); the result records the draw.

The count has a single round: each option's approvals. "Passed" means a winner was chosen.
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

__all__ = ["count", "validate_ballot"]

METHOD = "approval"


def validate_ballot(ballot: Iterable[str], options: Iterable[str]) -> frozenset[str]:
    """The approved options, or BallotError."""
    if isinstance(ballot, str | bytes) or not isinstance(ballot, Iterable):
        raise BallotError("An approval ballot is a list of the options you approve.")
    approved = list(ballot)
    known = set(options)
    unknown = [o for o in approved if o not in known]
    if unknown:
        raise BallotError(f"“{unknown[0]}” is not an option in this vote.")
    if len(set(approved)) != len(approved):
        raise BallotError("Each option can be approved only once on a ballot.")
    if not approved:
        raise BallotError("Approve at least one option, or do not vote.")
    return frozenset(approved)


def count(
    ballots: Iterable[Iterable[str]],
    *,
    options: Sequence[str] | Mapping[str, str],
    electorate: Electorate,
    quorum_percent: int,
    seed: str,
) -> MethodResult:
    """Decide a closed approval vote between ``options`` (ids, or ``{id: label}``)."""
    labels = option_labels(options)
    ballots = [validate_ballot(b, labels) for b in ballots]
    counts = {option: 0 for option in labels}
    for ballot in ballots:
        for option in ballot:
            counts[option] += 1
    cast = len(ballots)
    rounds = (Round(number=1, counts=counts),)
    quorum, lapse = check_quorum(
        METHOD, cast, electorate, quorum_percent, rounds=rounds, labels=labels
    )
    if lapse:
        return lapse
    winner, tie = winner_of(counts, seed)
    rounds = (Round(number=1, counts=counts, elected=winner),)
    best = counts[winner]
    sentence = (
        f"“{labels[winner]}” is chosen: approved on {best} of {cast} "
        f"{plural(cast, 'ballot')}, more than any other option"
    )
    if tie:
        sentence = (
            f"“{labels[winner]}” is chosen: approved on {best} of {cast} "
            f"{plural(cast, 'ballot')}, tied for the most. {tie.describe(labels)}"
        )
    else:
        runner_up = max((o for o in counts if o != winner), key=lambda o: counts[o])
        sentence += f" (next, “{labels[runner_up]}”, {counts[runner_up]})."
    explanation = f"{sentence} Quorum {quorum}: {cast} {plural(cast, 'member')} voted."
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
