"""Breaking ties by lot, so that anyone can recompute the draw.

Before voting opens the proposal publishes a **seed**: any non-empty text (for example
32 random hexadecimal characters). Nobody can know at that point which options will tie,
and after the close nobody can change the seed, so the draw cannot be steered.

The recipe, exactly:

1. For each tied option, take its identifier as text (the ``id`` shown beside each option
   in the published count) and compute the SHA-256 digest of the UTF-8 bytes of
   ``seed + ":" + option_id``, written as 64 lower-case hexadecimal characters.
2. Sort the tied options by that hexadecimal text, smallest first (plain character
   order, which for lower-case hex is the same as numeric order). If two digests were
   ever equal, the option identifiers themselves decide, in character order.
3. The order is the draw. Where a tie decides a **winner**, the first option in the
   draw wins. Where a tie decides who is **eliminated** (a ranked-choice round), the
   *last* option in the draw is eliminated, so being first in a draw always helps.

To check a draw by hand on any Unix machine::

    printf '%s' 'SEED:OPTION' | sha256sum

For example, with the seed ``commons`` and options ``a`` and ``b``:
``sha256("commons:a")`` starts ``a03b30``, ``sha256("commons:b")`` starts ``46ca16``,
so the draw is ``b``, ``a`` (``4`` comes before ``a``): ``b`` wins a tie between them,
and where one of them must be eliminated it is ``a``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["TieBreak", "draw", "lot_key", "pick_loser", "pick_winner", "winner_of"]


def lot_key(seed: str, option_id: str) -> str:
    """The hexadecimal SHA-256 of ``seed + ":" + option_id`` (step 1 of the recipe)."""
    return hashlib.sha256(f"{seed}:{option_id}".encode()).hexdigest()


def draw(seed: str, option_ids: Iterable[str]) -> tuple[str, ...]:
    """The tied options in the order of the lot (step 2 of the recipe)."""
    if not isinstance(seed, str) or not seed:
        raise ValueError("a tie-break by lot needs the seed published before voting opened")
    ids = [str(option_id) for option_id in option_ids]
    if len(set(ids)) != len(ids):
        raise ValueError("each option may be drawn only once")
    return tuple(sorted(ids, key=lambda option_id: (lot_key(seed, option_id), option_id)))


@dataclass(frozen=True)
class TieBreak:
    """One tie broken by lot: what was tied, the draw, and what it decided."""

    seed: str
    tied: tuple[str, ...]  # the tied options, in the order they were listed
    order: tuple[str, ...]  # the draw
    chosen: str  # the option the draw picked (the winner, or the one eliminated)
    purpose: str  # "winner" or "elimination"
    round: int = 1

    def describe(self, labels: dict[str, str] | None = None) -> str:
        labels = labels or {}
        names = [f"“{labels.get(o, o)}”" for o in self.tied]
        tied = ", ".join(names[:-1]) + " and " + names[-1]
        chosen = f"“{labels.get(self.chosen, self.chosen)}”"
        if self.purpose == "winner":
            outcome = f"{chosen} was drawn first and wins"
        else:
            outcome = f"{chosen} was drawn last and is eliminated"
        return f"{tied} tied; by lot with the published seed “{self.seed}”, {outcome}."


def pick_winner(seed: str, tied: Iterable[str], round: int = 1) -> TieBreak:
    tied = tuple(tied)
    order = draw(seed, tied)
    return TieBreak(seed, tied, order, order[0], "winner", round)


def pick_loser(seed: str, tied: Iterable[str], round: int = 1) -> TieBreak:
    tied = tuple(tied)
    order = draw(seed, tied)
    return TieBreak(seed, tied, order, order[-1], "elimination", round)


def winner_of(counts: dict[str, int], seed: str, round: int = 1) -> tuple[str, TieBreak | None]:
    """The option with the most votes in ``counts``; a tie for the most broken by lot."""
    best = max(counts.values())
    tied = [option for option, votes in counts.items() if votes == best]
    if len(tied) == 1:
        return tied[0], None
    tie = pick_winner(seed, tied, round)
    return tie.chosen, tie
