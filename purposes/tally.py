"""The vote tally: pure maths, no database (CONVENTIONS rule 11).

A proposal's votes are counted in SQL and handed to :func:`decide` as a :class:`Tally`;
the charter's quorum and threshold for that kind of proposal come in as a
:class:`DecisionRule`. The result says what happened and why, in a sentence people can
read on the proposal page.

The rules, as DESIGN.md sets them out:

* **Quorum.** The quorum is a share of the electorate's *active* members (active: posted,
  replied or voted in the last 90 days). The number of votes needed is
  ``ceil(quorum_percent * active_electorate_size / 100)``, and never less than one vote:
  a decision nobody voted on is no decision. When no member of the electorate is active,
  the quorum is therefore one vote. Every vote cast counts towards the quorum, whatever
  its choice (abstaining is taking part) and whether or not the voter is active: the
  active members only set the size of the quorum, so that long-silent members do not
  make it unreachable.
* **Lapsing.** A proposal that misses its quorum *lapses* with no decision; it does not
  fail. Fixed high quorums stall voluntary groups, and a lapse leaves the question open.
* **Threshold.** With the quorum met, a simple majority needs more votes for than
  against; two thirds needs ``3 * for >= 2 * (for + against)``. Abstentions count for
  neither side. Both are computed in integers, never floats, so the boundary is exact.
* **Ties and empty decisions fail.** A tie is not "more for than against". When every
  vote is an abstention there are no votes for or against, and zero of zero is not two
  thirds of anything: the members who took part declined to back the change, so it
  fails rather than passing on nobody's support.

Sentences here are plain English; the views wrap them for translation if needed (this
module must not import Django).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Choice",
    "DecisionRule",
    "Outcome",
    "Result",
    "Tally",
    "Threshold",
    "count_votes",
    "decide",
    "lapsed_reason",
    "quorum_needed",
]


class Choice(StrEnum):
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"


class Threshold(StrEnum):
    SIMPLE_MAJORITY = "majority"  # more votes for than against
    TWO_THIRDS = "two_thirds"  # for >= 2/3 of (for + against)


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    LAPSED = "lapsed"


def _ceil_div(numerator: int, denominator: int) -> int:
    """Exact integer ceiling of numerator / denominator (both non-negative)."""
    return -(-numerator // denominator)


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return singular if count == 1 else (plural or singular + "s")


def quorum_needed(quorum_percent: int, active_electorate_size: int) -> int:
    """Votes needed for a decision to count: ``ceil(quorum_percent * active / 100)``, at
    least 1. With no active member in the electorate the quorum is one vote: never zero,
    since a decision nobody voted on is no decision. Every decision method uses this."""
    return max(1, _ceil_div(quorum_percent * active_electorate_size, 100))


def lapsed_reason(cast: int, active_electorate_size: int, quorum: int) -> str:
    """Why a vote that missed its quorum lapsed, in a sentence (every method's wording)."""
    if cast == 0:
        voted = "nobody voted"
        needed = f"{quorum} {_plural(quorum, 'vote was', 'votes were')} needed"
    else:
        active = active_electorate_size
        voted = f"only {cast} of {active} active {_plural(active, 'member')} voted"
        needed = f"{quorum} {_plural(quorum, 'was', 'were')} needed"
    return f"Lapsed with no decision: {voted}; {needed}."


@dataclass(frozen=True)
class DecisionRule:
    """How a proposal is decided: the charter's quorum and pass threshold for its kind.

    ``threshold`` may be given as the stored string value ("majority", "two_thirds").
    """

    quorum_percent: int
    threshold: Threshold

    def __post_init__(self) -> None:
        if isinstance(self.quorum_percent, bool) or not isinstance(self.quorum_percent, int):
            raise TypeError("quorum_percent must be an int")
        if not 0 <= self.quorum_percent <= 100:
            raise ValueError(f"quorum_percent must be between 0 and 100, not {self.quorum_percent}")
        # Accept the stored value ("majority") as well as the enum member.
        object.__setattr__(self, "threshold", Threshold(self.threshold))

    def describe(self) -> str:
        """The rule as a plain sentence, for the proposal page and the charter."""
        if self.threshold is Threshold.TWO_THIRDS:
            needs = "Needs two thirds of the votes cast for or against"
        else:
            needs = "Needs more votes for than against"
        if self.quorum_percent == 0:
            return f"{needs}, with at least one vote cast."
        return f"{needs}, with at least {self.quorum_percent} % of active members voting."


@dataclass(frozen=True)
class Tally:
    """The counted votes of one proposal and the size of its electorate.

    ``electorate_size`` is the snapshot of members taken when voting opened;
    ``active_electorate_size`` is how many of them were active. Only the electorate
    votes, so the votes cast never exceed it.
    """

    for_count: int
    against_count: int
    abstain_count: int
    electorate_size: int
    active_electorate_size: int

    def __post_init__(self) -> None:
        for name in (
            "for_count",
            "against_count",
            "abstain_count",
            "electorate_size",
            "active_electorate_size",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int")
            if value < 0:
                raise ValueError(f"{name} must not be negative, not {value}")
        if self.active_electorate_size > self.electorate_size:
            raise ValueError("active_electorate_size cannot exceed electorate_size")
        if self.cast > self.electorate_size:
            raise ValueError(
                f"{self.cast} votes cast by an electorate of {self.electorate_size}: "
                "only the electorate votes"
            )

    @property
    def cast(self) -> int:
        """Votes cast, whatever the choice (abstentions included)."""
        return self.for_count + self.against_count + self.abstain_count

    @property
    def turnout_percent(self) -> float | None:
        """Votes cast as a percentage of the whole electorate; None for an empty one."""
        if self.electorate_size == 0:
            return None
        return 100 * self.cast / self.electorate_size

    def quorum_needed(self, rule: DecisionRule) -> int:
        """Votes needed for the decision to count under ``rule`` (:func:`quorum_needed`)."""
        return quorum_needed(rule.quorum_percent, self.active_electorate_size)


@dataclass(frozen=True)
class Result:
    """What :func:`decide` concluded, and why in a sentence."""

    outcome: Outcome
    tally: Tally
    rule: DecisionRule
    quorum_met: bool
    reason: str

    @property
    def quorum_needed(self) -> int:
        return self.tally.quorum_needed(self.rule)


def count_votes(choices: Iterable[str]) -> tuple[int, int, int]:
    """Count choices into ``(for, against, abstain)``.

    Accepts :class:`Choice` members or their string values; anything else is a
    ValueError rather than a silently dropped vote.
    """
    counts = {Choice.FOR: 0, Choice.AGAINST: 0, Choice.ABSTAIN: 0}
    for choice in choices:
        counts[Choice(choice)] += 1
    return counts[Choice.FOR], counts[Choice.AGAINST], counts[Choice.ABSTAIN]


def _threshold_met(tally: Tally, rule: DecisionRule) -> bool:
    decisive = tally.for_count + tally.against_count
    if decisive == 0:
        return False  # all abstentions: nobody backed the change (see module docstring)
    if rule.threshold is Threshold.TWO_THIRDS:
        return 3 * tally.for_count >= 2 * decisive
    return tally.for_count > tally.against_count


def _participation(tally: Tally, quorum: int) -> str:
    """'12 of 20 active members voted (quorum 5)', or a wording that fits when
    inactive members of the electorate voted too."""
    cast, active = tally.cast, tally.active_electorate_size
    if cast <= active:
        who = f"{cast} of {active} active {_plural(active, 'member')} voted"
    else:
        who = f"{cast} members voted, more than the {active} active"
    return f"{who} (quorum {quorum})"


def _counts(tally: Tally) -> str:
    return f"{tally.for_count} for, {tally.against_count} against, {tally.abstain_count} abstaining"


def _failure_reason(tally: Tally, rule: DecisionRule, quorum: int) -> str:
    f, a = tally.for_count, tally.against_count
    if f + a == 0:
        who = f"all {tally.cast} voters" if tally.cast > 1 else "the only voter"
        if rule.threshold is Threshold.TWO_THIRDS:
            return (
                f"Failed: {who} abstained, and a change needs two thirds "
                "of the votes cast for or against; there were none."
            )
        return f"Failed: {who} abstained, and a change needs more votes for than against."
    if rule.threshold is Threshold.TWO_THIRDS:
        needed = _ceil_div(2 * (f + a), 3)
        return (
            f"Failed: {f} for and {a} against falls short of two thirds; "
            f"{needed} of the {f + a} votes for or against were needed."
        )
    if f == a:
        return f"Failed: a tie of {f} for and {a} against needs more for than against."
    return f"Failed: {_counts(tally)}; {_participation(tally, quorum)}."


def decide(*, tally: Tally, rule: DecisionRule) -> Result:
    """Decide a closed vote: LAPSED without quorum, else PASSED or FAILED."""
    quorum = tally.quorum_needed(rule)
    if tally.cast < quorum:
        return Result(
            outcome=Outcome.LAPSED,
            tally=tally,
            rule=rule,
            quorum_met=False,
            reason=lapsed_reason(tally.cast, tally.active_electorate_size, quorum),
        )
    if _threshold_met(tally, rule):
        return Result(
            outcome=Outcome.PASSED,
            tally=tally,
            rule=rule,
            quorum_met=True,
            reason=f"Passed: {_counts(tally)}; {_participation(tally, quorum)}.",
        )
    return Result(
        outcome=Outcome.FAILED,
        tally=tally,
        rule=rule,
        quorum_met=True,
        reason=_failure_reason(tally, rule, quorum),
    )
