"""What every decision method returns, the error a badly shaped ballot raises, and the
downloadable round-by-round count.

A :class:`MethodResult` says what happened (``outcome``: passed, failed or lapsed, the
same :class:`purposes.tally.Outcome` today's votes use; and for methods with several
options, the ``winner``), how the count went (``rounds``, one for most methods and one per
elimination for ranked choice), which ties were broken by lot (``tie_breaks``) and why, in
sentences a member understands (``explanation``).

For methods with several options, "passed" means a winner was chosen. Whether that winner
changes anything (it may be "keep the current text") is for the caller to say.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from purposes.methods.ties import TieBreak
from purposes.tally import Outcome, lapsed_reason, quorum_needed

__all__ = [
    "BallotError",
    "Electorate",
    "MethodResult",
    "Outcome",
    "Round",
    "check_quorum",
    "option_labels",
    "rounds_csv",
]


class BallotError(ValueError):
    """A ballot in the wrong shape for its method. The message is for the voter: it says
    what is wrong and how to put it right, and the ballot is not counted."""


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return singular if count == 1 else (plural_form or singular + "s")


@dataclass(frozen=True)
class Electorate:
    """Who may vote: ``size`` members, ``active`` of them active (they set the quorum)."""

    size: int
    active: int

    def __post_init__(self) -> None:
        for name in ("size", "active"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative int, not {value!r}")
        if self.active > self.size:
            raise ValueError("the active members cannot outnumber the electorate")

    def check_cast(self, cast: int) -> None:
        if cast > self.size:
            raise ValueError(
                f"{cast} ballots from an electorate of {self.size}: only the electorate votes"
            )


@dataclass(frozen=True)
class Round:
    """One round of a count. ``counts`` maps each option (or choice) still in the count to
    its votes, in display order; ``exhausted`` is how many ballots no longer count for any
    option (ranked choice); ``eliminated`` and ``elected`` say what the round decided."""

    number: int
    counts: Mapping[str, int]
    exhausted: int = 0
    eliminated: tuple[str, ...] = ()
    elected: str | None = None


@dataclass(frozen=True)
class MethodResult:
    method: str  # "majority", "consent", "approval", "ranked", "score"
    outcome: Outcome
    explanation: str
    cast: int  # ballots counted
    quorum: int  # ballots the quorum needed
    electorate: Electorate
    rounds: tuple[Round, ...] = ()
    winner: str | None = None
    tie_breaks: tuple[TieBreak, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def quorum_met(self) -> bool:
        return self.cast >= self.quorum

    @property
    def tie_break(self) -> TieBreak | None:
        """The tie-break that decided the winner, if the winner was drawn by lot."""
        for tie in self.tie_breaks:
            if tie.purpose == "winner":
                return tie
        return None


def option_labels(options: Sequence[str] | Mapping[str, str]) -> dict[str, str]:
    """The options of a several-option vote as ``{id: label}``, in display order.

    ``options`` is either the ids (each its own label) or a mapping of id to label. At
    least two options, each id a non-empty text, none twice.
    """
    if isinstance(options, Mapping):
        labels = {str(k): str(v) for k, v in options.items()}
        ids = list(options)
    else:
        ids = list(options)
        labels = {str(k): str(k) for k in ids}
    if any(not isinstance(i, str) or not i for i in ids):
        raise ValueError("every option needs a non-empty text id")
    if len(labels) != len(ids):
        raise ValueError("an option is listed twice")
    if len(ids) < 2:
        raise ValueError("a choice between options needs at least two of them")
    return labels


def check_quorum(
    method: str,
    cast: int,
    electorate: Electorate,
    quorum_percent: int,
    *,
    rounds: tuple[Round, ...] = (),
    labels: Mapping[str, str] | None = None,
) -> tuple[int, MethodResult | None]:
    """The quorum ``cast`` ballots needed, and the lapsed result if they missed it.

    Every method uses today's quorum (:func:`purposes.tally.quorum_needed`): every ballot
    counts towards it, whatever it says.
    """
    electorate.check_cast(cast)
    quorum = quorum_needed(quorum_percent, electorate.active)
    if cast >= quorum:
        return quorum, None
    return quorum, MethodResult(
        method=method,
        outcome=Outcome.LAPSED,
        explanation=lapsed_reason(cast, electorate.active, quorum),
        cast=cast,
        quorum=quorum,
        electorate=electorate,
        rounds=rounds,
        labels=dict(labels or {}),
    )


def rounds_csv(result: MethodResult) -> str:
    """The round-by-round count as CSV (RFC 4180), one row per option per round.

    Columns: ``round``, ``option_id``, ``option`` (its label), ``votes``, ``status``
    (``elected``, ``eliminated`` or empty). Where ballots were exhausted, a row with
    ``option_id`` empty and ``option`` "exhausted ballots" follows each round. The tie-breaks
    come last, one row each, ``status`` ``tie-break`` and ``option`` its sentence.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["round", "option_id", "option", "votes", "status"])
    any_exhausted = any(r.exhausted for r in result.rounds)
    for r in result.rounds:
        for option_id, votes in r.counts.items():
            if option_id == r.elected:
                status = "elected"
            elif option_id in r.eliminated:
                status = "eliminated"
            else:
                status = ""
            label = result.labels.get(option_id, option_id)
            writer.writerow([r.number, option_id, label, votes, status])
        if any_exhausted:
            writer.writerow([r.number, "", "exhausted ballots", r.exhausted, ""])
    for tie in result.tie_breaks:
        writer.writerow([tie.round, tie.chosen, tie.describe(dict(result.labels)), "", "tie-break"])
    return out.getvalue()
