"""Consent: the proposal passes when the vote closes with the quorum met and no
objection standing.

Each member of the electorate who takes part casts one :class:`ConsentBallot`:

* **consent**: "I can live with this";
* **stand aside**: "I would not do this myself, but I will not block it";
* **object**: "this would harm us", with a **reason** (required: an objection is an
  argument the proposer can answer, not a veto by silence). An objection may later be
  **withdrawn** (the objector is satisfied, for instance by an amendment); a withdrawn
  objection no longer blocks, and its ballot still counts towards the quorum.

The rule:

* **Quorum.** As for every method (:func:`purposes.tally.quorum_needed`): every ballot
  counts towards it, whatever it says. Missing it, the proposal *lapses* with no decision.
* **Objections.** With the quorum met, a single standing objection blocks: the proposal
  *fails*. With none it *passes*, however many stood aside.

So adding a ballot that does not object can never turn "blocked" into "passed"; only
withdrawing the objections can.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from purposes.methods.result import (
    BallotError,
    Electorate,
    MethodResult,
    Outcome,
    Round,
    check_quorum,
    plural,
)

__all__ = ["ConsentBallot", "Position", "count", "validate_ballot"]

METHOD = "consent"


class Position(StrEnum):
    CONSENT = "consent"
    STAND_ASIDE = "stand_aside"
    OBJECT = "object"


@dataclass(frozen=True)
class ConsentBallot:
    position: Position
    reason: str = ""
    withdrawn: bool = False  # only an objection can be withdrawn

    @property
    def blocks(self) -> bool:
        return self.position is Position.OBJECT and not self.withdrawn


def validate_ballot(ballot: ConsentBallot) -> ConsentBallot:
    """The ballot with its position as a :class:`Position`, or BallotError."""
    try:
        position = Position(ballot.position)
    except ValueError:
        raise BallotError(
            f"“{ballot.position}” is not a position in a consent vote: "
            "consent, stand aside or object."
        ) from None
    reason = (ballot.reason or "").strip()
    if position is Position.OBJECT and not reason:
        raise BallotError(
            "An objection needs a reason: say what harm you see, so that the proposer can "
            "answer it."
        )
    if ballot.withdrawn and position is not Position.OBJECT:
        raise BallotError("Only an objection can be withdrawn.")
    return ConsentBallot(position=position, reason=reason, withdrawn=bool(ballot.withdrawn))


def count(
    ballots: Iterable[ConsentBallot], *, electorate: Electorate, quorum_percent: int
) -> MethodResult:
    """Decide a closed consent vote."""
    ballots = [validate_ballot(b) for b in ballots]
    cast = len(ballots)
    counts = {
        "consent": sum(b.position is Position.CONSENT for b in ballots),
        "stand aside": sum(b.position is Position.STAND_ASIDE for b in ballots),
        "objection standing": sum(b.blocks for b in ballots),
        "objection withdrawn": sum(b.position is Position.OBJECT and b.withdrawn for b in ballots),
    }
    rounds = (Round(number=1, counts=counts),)
    quorum, lapse = check_quorum(METHOD, cast, electorate, quorum_percent, rounds=rounds)
    if lapse:
        return lapse
    standing = counts["objection standing"]
    withdrawn = counts["objection withdrawn"]
    took_part = f"{cast} {plural(cast, 'member')} took part (quorum {quorum})"
    if standing:
        explanation = (
            f"Blocked: {standing} {plural(standing, 'objection')} still "
            f"{plural(standing, 'stands', 'stand')} at the close, and under consent a single "
            f"standing objection stops a proposal; {took_part}."
        )
        outcome = Outcome.FAILED
    else:
        parts = [f"{counts['consent']} consented"]
        if counts["stand aside"]:
            parts.append(f"{counts['stand aside']} stood aside")
        if withdrawn:
            parts.append(
                f"{withdrawn} {plural(withdrawn, 'objection was', 'objections were')} withdrawn"
            )
        explanation = f"Passed: no objection stands at the close ({', '.join(parts)}); {took_part}."
        outcome = Outcome.PASSED
    return MethodResult(
        method=METHOD,
        outcome=outcome,
        explanation=explanation,
        cast=cast,
        quorum=quorum,
        electorate=electorate,
        rounds=rounds,
    )
