"""Ranked choice by instant runoff (IRV): each ballot ranks options in order of
preference; the count goes round by round until one option holds a majority.

**Ballots.** A ballot ranks one or more options, first choice first. It need not rank them
all (a *prefix* ranking: "A, then B, and none of the others"), but it may not rank an
option twice, give two options the same rank, or leave a gap (ranks 1 and 3 with no 2).
It names only options of this vote. A ballot arrives either as the sequence of options in
order (an empty entry, ``None`` or ``""``, is an unfilled rank: allowed at the end, a gap
before a filled one) or as ``{option: rank}`` with ranks 1, 2, 3... each used once.

**The count.**

1. Each ballot counts for its highest-ranked option still in the count.
2. If one option has more than half of the ballots that still count for an option, it
   wins. A ballot whose ranked options have all been eliminated is **exhausted**: it no
   longer counts for anyone, and each round says how many are.
3. Otherwise the option with the fewest votes is eliminated and the next round starts.
   Options with no votes at all are eliminated together (no ballot moves, so the order
   among them cannot matter). A tie for the fewest is broken by lot with the seed
   published before voting opened (:mod:`purposes.methods.ties`: the option drawn last
   is eliminated). When one option is left, it wins.

**Quorum**, as for every method (:func:`purposes.tally.quorum_needed`): each ballot counts
towards it. Missing it, the vote *lapses* with no decision.

The result carries every round, so the whole count can be shown and downloaded.
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
from purposes.methods.ties import TieBreak, pick_loser

__all__ = ["count", "validate_ballot"]

METHOD = "ranked"


def _known(option: object, options: Iterable[str]) -> str:
    if option not in options:
        raise BallotError(f"“{option}” is not an option in this vote.")
    return option  # type: ignore[return-value]


def validate_ballot(
    ballot: Sequence[str | None] | Mapping[str, int], options: Iterable[str]
) -> tuple[str, ...]:
    """The ballot as the options it ranks, first choice first, or BallotError."""
    options = list(options)
    if isinstance(ballot, Mapping):
        for option, rank in ballot.items():
            _known(option, options)
            if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
                raise BallotError(f"The rank of “{option}” must be a whole number from 1.")
        ranks = sorted(ballot.values())
        if len(set(ranks)) != len(ranks):
            raise BallotError("Two options share a rank: give each option its own rank.")
        if ranks != list(range(1, len(ranks) + 1)):
            missing = next(r for r in range(1, len(ranks) + 1) if r not in ranks)
            raise BallotError(
                f"Rank {missing} is missing: number your choices 1, 2, 3… without a gap."
            )
        ranking = tuple(sorted(ballot, key=ballot.__getitem__))
    elif isinstance(ballot, str | bytes) or not isinstance(ballot, Sequence):
        raise BallotError("A ranked ballot lists the options in your order of preference.")
    else:
        filled = [choice not in (None, "") for choice in ballot]
        if any(filled[i + 1] and not filled[i] for i in range(len(filled) - 1)):
            gap = filled.index(False) + 1
            raise BallotError(
                f"Choice {gap} is empty but a later one is filled: rank your choices "
                "1, 2, 3… without a gap."
            )
        ranking = tuple(_known(choice, options) for choice in ballot if choice not in (None, ""))
        if len(set(ranking)) != len(ranking):
            raise BallotError("An option is ranked twice: rank each option at most once.")
    if not ranking:
        raise BallotError("Rank at least one option, or do not vote.")
    return ranking


def count(
    ballots: Iterable[Sequence[str | None] | Mapping[str, int]],
    *,
    options: Sequence[str] | Mapping[str, str],
    electorate: Electorate,
    quorum_percent: int,
    seed: str,
) -> MethodResult:
    """Decide a closed ranked-choice vote between ``options`` (ids, or ``{id: label}``)."""
    labels = option_labels(options)
    ballots = [validate_ballot(b, labels) for b in ballots]
    cast = len(ballots)
    quorum, lapse = check_quorum(METHOD, cast, electorate, quorum_percent, labels=labels)
    if lapse:
        return lapse

    continuing = list(labels)
    rounds: list[Round] = []
    ties: list[TieBreak] = []
    number = 0
    while True:
        number += 1
        still = set(continuing)
        counts = {option: 0 for option in continuing}
        exhausted = 0
        for ranking in ballots:
            top = next((option for option in ranking if option in still), None)
            if top is None:
                exhausted += 1
            else:
                counts[top] += 1
        counting = cast - exhausted
        most = max(counts.values())
        if 2 * most > counting or len(continuing) == 1:
            winner = next(option for option in continuing if counts[option] == most)
            rounds.append(Round(number, counts, exhausted, elected=winner))
            break
        zeros = [option for option in continuing if counts[option] == 0]
        if zeros and len(zeros) < len(continuing):
            eliminated = tuple(zeros)
        else:
            fewest = min(counts.values())
            lowest = [option for option in continuing if counts[option] == fewest]
            if len(lowest) > 1:
                tie = pick_loser(seed, lowest, number)
                ties.append(tie)
                eliminated = (tie.chosen,)
            else:
                eliminated = (lowest[0],)
        rounds.append(Round(number, counts, exhausted, eliminated=eliminated))
        continuing = [option for option in continuing if option not in eliminated]

    return MethodResult(
        method=METHOD,
        outcome=Outcome.PASSED,
        explanation=_explain(rounds, ties, labels, cast, quorum),
        cast=cast,
        quorum=quorum,
        electorate=electorate,
        rounds=tuple(rounds),
        winner=winner,
        tie_breaks=tuple(ties),
        labels=labels,
    )


def _explain(rounds, ties, labels, cast, quorum) -> str:
    last = rounds[-1]
    winner = last.elected
    votes = last.counts[winner]
    counting = cast - last.exhausted
    name = f"“{labels[winner]}”"
    if len(rounds) == 1:
        how = (
            f"{name} is chosen in the first round with {votes} of the {cast} first choices, "
            "a majority."
        )
    else:
        how = (
            f"{name} is chosen after {len(rounds)} rounds with {votes} of the {counting} "
            f"{plural(counting, 'ballot')} still counting"
        )
        if last.exhausted:
            how += (
                f" ({last.exhausted} {plural(last.exhausted, 'ballot')} ranked no option "
                "left in the count)"
            )
        how += ". Each round the option with the fewest votes was eliminated and its ballots "
        how += "moved to their next choice: "
        steps = [
            ", ".join(f"“{labels[o]}”" for o in r.eliminated) + f" in round {r.number}"
            for r in rounds[:-1]
        ]
        how += "; ".join(steps) + "."
    sentences = [how]
    sentences += [tie.describe(labels) for tie in ties]
    sentences.append(f"{cast} {plural(cast, 'member')} voted (quorum {quorum}).")
    return " ".join(sentences)
