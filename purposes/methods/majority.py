"""Majority: for / against / abstain, a quorum and a threshold (today's rule).

The counting itself lives in :mod:`purposes.tally` (``decide``), which the closing of a
vote has always used; this module only checks each ballot's shape and wraps the decision
in the common :class:`~purposes.methods.result.MethodResult`, so there is one
implementation of the rule. The quorum, the lapse, the simple-majority and two-thirds
thresholds and how ties and all-abstention votes fail are set out in that module.
"""

from __future__ import annotations

from collections.abc import Iterable

from purposes.methods.result import BallotError, Electorate, MethodResult, Round
from purposes.tally import Choice, DecisionRule, Tally, count_votes, decide

__all__ = ["count", "validate_ballot"]

METHOD = "majority"


def validate_ballot(choice: object) -> Choice:
    """The ballot as a :class:`~purposes.tally.Choice`, or BallotError."""
    try:
        return Choice(choice)
    except ValueError:
        raise BallotError(
            f"“{choice}” is not a choice in this vote: choose for, against or abstain."
        ) from None


def count(choices: Iterable[object], *, electorate: Electorate, rule: DecisionRule) -> MethodResult:
    """Decide a closed majority vote from each voter's choice."""
    for_count, against, abstain = count_votes(validate_ballot(c) for c in choices)
    tally = Tally(
        for_count=for_count,
        against_count=against,
        abstain_count=abstain,
        electorate_size=electorate.size,
        active_electorate_size=electorate.active,
    )
    result = decide(tally=tally, rule=rule)
    counts = {Choice.FOR.value: for_count, Choice.AGAINST.value: against}
    counts[Choice.ABSTAIN.value] = abstain
    return MethodResult(
        method=METHOD,
        outcome=result.outcome,
        explanation=result.reason,
        cast=tally.cast,
        quorum=result.quorum_needed,
        electorate=electorate,
        rounds=(Round(number=1, counts=counts),),
    )
