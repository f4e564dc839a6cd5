"""Where a community stands (DESIGN.md, R6): pure maths, no database.

The engagement job counts things in SQL (members, active members, two-way relationships,
one-way connections, who affirmed the charter, proposal turnout) and hands them here as
:class:`HealthFigures`. This module decides the community's stage and says, in plain
sentences, what would move it on. It never ranks people.

Words, as DESIGN.md uses them:

* an **active** member posted, replied or voted in the last 90 days;
* a **relationship** is a pair of members who have each replied to the other in the last
  90 days; a **connection** is a pair where only one has replied to the other.

The three stages:

* **gathering**: connections at most, and no two-way relationship yet (or nobody
  active at all). People are around one another, not yet with one another.
* **community**: all three of
  1. at least :data:`RELATIONSHIP_SHARE_FOR_COMMUNITY` % of active members are in at
     least one two-way relationship (relationships, not just connections);
  2. more than :data:`AFFIRMED_SHARE_FOR_COMMUNITY` % of active members (a majority)
     have affirmed the current charter (a purpose they share, as it stands now);
  3. proposal turnout over the last :data:`WINDOW_DAYS` days is at least the charter's
     default quorum (members take part in governing the purpose). When no proposal
     closed in that time there is no turnout to show, and this is not met: a community
     changes from within, and a purpose nobody has engaged with recently is not yet
     shown to be shared.
* **network**: everything in between (two-way relationships exist, but not all three
  conditions for a community hold).

Shares are compared in exact integer arithmetic (``100 * part >= percent * whole``),
so a boundary such as 40 % of 30 active members (12) is met by exactly 12.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "AFFIRMED_SHARE_FOR_COMMUNITY",
    "RELATIONSHIP_SHARE_FOR_COMMUNITY",
    "WINDOW_DAYS",
    "HealthFigures",
    "Stage",
    "ACTIVE_DAYS_SHOWN",
    "Condition",
    "affirmed_needed",
    "conditions",
    "explain",
    "median",
    "next_steps",
    "reciprocity",
    "relationships_needed",
    "stage",
]

# --- The thresholds, all in one place ----------------------------------------------------

# Days behind "active", "relationship" and the turnout measure: the same 90 days the
# charter uses for a quorum's active members, so the figures agree with one another.
WINDOW_DAYS = 90

# The health page also plots members active in the last 30 days (posted, replied or voted),
# a quicker pulse than the 90-day base of the stage.
ACTIVE_DAYS_SHOWN = 30

# Percent of active members who must be in at least one two-way relationship (at least
# this share, inclusive). Below it, people mostly talk past one another: a network.
RELATIONSHIP_SHARE_FOR_COMMUNITY = 40

# Percent of active members who must have affirmed the current charter: strictly MORE
# than this share, i.e. a majority. Half is not a shared purpose; more than half is.
AFFIRMED_SHARE_FOR_COMMUNITY = 50

# Turnout has no constant of its own: it must reach the charter's default quorum
# (HealthFigures.quorum_percent), which the community itself sets by proposal.


class Stage(StrEnum):
    GATHERING = "gathering"
    NETWORK = "network"
    COMMUNITY = "community"


@dataclass(frozen=True)
class HealthFigures:
    """One community's figures over the last :data:`WINDOW_DAYS` days.

    ``relationships`` and ``connections`` count pairs of members (two-way and one-way);
    ``active_in_relationship`` counts active members in at least one relationship;
    ``affirmed_active`` counts active members who affirmed the current charter;
    ``turnout_percent`` is proposal turnout, None when no proposal closed in the window;
    ``quorum_percent`` is the charter's default quorum.
    """

    members: int
    active_members: int
    relationships: int
    connections: int
    active_in_relationship: int
    affirmed_active: int
    turnout_percent: float | None
    quorum_percent: int

    def __post_init__(self) -> None:
        for name in (
            "members",
            "active_members",
            "relationships",
            "connections",
            "active_in_relationship",
            "affirmed_active",
            "quorum_percent",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int")
            if value < 0:
                raise ValueError(f"{name} must not be negative, not {value}")
        if self.active_members > self.members:
            raise ValueError("active_members cannot exceed members")
        if self.active_in_relationship > self.active_members:
            raise ValueError("active_in_relationship cannot exceed active_members")
        if self.affirmed_active > self.active_members:
            raise ValueError("affirmed_active cannot exceed active_members")
        if self.quorum_percent > 100:
            raise ValueError("quorum_percent cannot exceed 100")
        if self.turnout_percent is not None and not 0 <= self.turnout_percent <= 100:
            raise ValueError("turnout_percent must be between 0 and 100")


def relationships_needed(active_members: int) -> int:
    """Active members in a two-way relationship needed for a community:
    ``ceil(RELATIONSHIP_SHARE_FOR_COMMUNITY % of active_members)``."""
    return -(-RELATIONSHIP_SHARE_FOR_COMMUNITY * active_members // 100)


def affirmed_needed(active_members: int) -> int:
    """Active members who must affirm the current charter: the smallest number that is
    more than :data:`AFFIRMED_SHARE_FOR_COMMUNITY` % of them (a majority)."""
    return AFFIRMED_SHARE_FOR_COMMUNITY * active_members // 100 + 1


def _is_gathering(f: HealthFigures) -> bool:
    return f.active_members == 0 or f.relationships == 0 or f.active_in_relationship == 0


def _relationships_met(f: HealthFigures) -> bool:
    return f.active_in_relationship >= relationships_needed(f.active_members)


def _affirmation_met(f: HealthFigures) -> bool:
    return f.affirmed_active >= affirmed_needed(f.active_members)


def _turnout_met(f: HealthFigures) -> bool:
    return f.turnout_percent is not None and f.turnout_percent >= f.quorum_percent


def stage(f: HealthFigures) -> Stage:
    """The community's stage (see the module docstring for the rules)."""
    if _is_gathering(f):
        return Stage.GATHERING
    if _relationships_met(f) and _affirmation_met(f) and _turnout_met(f):
        return Stage.COMMUNITY
    return Stage.NETWORK


def _percent(value: float) -> str:
    """A percentage for display, rounded DOWN to one decimal so that a figure just short
    of a threshold never reads as reaching it (24.96 shows as 24.9, not 25)."""
    shown = math.floor(round(value * 10, 6)) / 10  # round first: 5.7 * 10 may be 56.99...
    return f"{shown:.0f}" if shown == int(shown) else f"{shown:.1f}"


def _have(count: int) -> str:
    return "has" if count == 1 else "have"


def _members(count: int) -> str:
    return "member" if count == 1 else "members"


def next_steps(f: HealthFigures) -> list[str]:
    """Plain sentences on what would move the community to the next stage; empty once
    it is a community."""
    active = f.active_members
    if active == 0:
        return [
            f"Nobody has posted, replied or voted in the last {WINDOW_DAYS} days; "
            "a first conversation would start things off."
        ]
    if stage(f) is Stage.COMMUNITY:
        return []

    steps: list[str] = []
    if _is_gathering(f):
        if f.connections:
            pairs = "pair" if f.connections == 1 else "pairs"
            steps.append(
                f"{f.connections} {pairs} of members have a one-way connection: one replied "
                "and the other has not replied back yet. A reply back makes a "
                "two-way relationship."
            )
        else:
            steps.append(
                "No two members have replied to each other yet; a two-way relationship "
                "starts when each replies to the other."
            )

    if not _relationships_met(f):
        needed = relationships_needed(active)
        steps.append(
            f"{f.active_in_relationship} of {active} active {_members(active)} "
            f"{_have(f.active_in_relationship)} a two-way relationship; "
            f"{needed} would make this a community."
        )
    if not _affirmation_met(f):
        needed = affirmed_needed(active)
        steps.append(
            f"{f.affirmed_active} of {active} active {_members(active)} "
            f"{_have(f.affirmed_active)} affirmed the current charter; "
            f"{needed} would make it a shared purpose."
        )
    if not _turnout_met(f):
        if f.turnout_percent is None:
            steps.append(
                f"No proposal has closed in the last {WINDOW_DAYS} days; a vote with a "
                f"turnout of at least {f.quorum_percent} % would show members taking "
                "part in the purpose."
            )
        else:
            steps.append(
                f"Turnout in votes over the last {WINDOW_DAYS} days was "
                f"{_percent(f.turnout_percent)} %; at least {f.quorum_percent} % "
                "(the charter's quorum) would make this a community."
            )
    return steps


def reciprocity(relationships: int, connections: int) -> float | None:
    """Share (0 to 1) of reply pairs that are two-way; None when no pair has replied."""
    if relationships < 0 or connections < 0:
        raise ValueError("counts must not be negative")
    pairs = relationships + connections
    if pairs == 0:
        return None
    return relationships / pairs


def median(values: Sequence[float]) -> float | None:
    """The median of ``values``, or None when there are none."""
    if not values:
        return None
    return float(statistics.median(values))


@dataclass(frozen=True)
class Condition:
    """One of the three marks of a community, met or not, in a sentence."""

    label: str
    met: bool
    detail: str


def conditions(f: HealthFigures) -> list[Condition]:
    """The three conditions of the community stage, each with where it stands now."""
    active = f.active_members
    if f.turnout_percent is None:
        turnout = f"No proposal closed in the last {WINDOW_DAYS} days."
    else:
        turnout = (
            f"Turnout was {_percent(f.turnout_percent)} %; the quorum is {f.quorum_percent} %."
        )
    return [
        Condition(
            label="Two-way relationships",
            met=active > 0 and _relationships_met(f),
            detail=(
                f"{f.active_in_relationship} of {active} active {_members(active)} "
                f"{_have(f.active_in_relationship)} a two-way relationship "
                f"(at least {RELATIONSHIP_SHARE_FOR_COMMUNITY} %, "
                f"{relationships_needed(active)}, needed)."
            ),
        ),
        Condition(
            label="A purpose they share",
            met=active > 0 and _affirmation_met(f),
            detail=(
                f"{f.affirmed_active} of {active} active {_members(active)} "
                f"{_have(f.affirmed_active)} affirmed the current charter "
                f"(a majority, {affirmed_needed(active)}, needed)."
            ),
        ),
        Condition(
            label="Taking part in decisions",
            met=_turnout_met(f),
            detail=turnout,
        ),
    ]


def explain(f: HealthFigures) -> str:
    """Why the community is at its stage, in one plain sentence."""
    current = stage(f)
    if f.active_members == 0:
        return (
            f"Nobody has posted, replied or voted in the last {WINDOW_DAYS} days, so this "
            "is a gathering: people who are here, not yet people who talk with one another."
        )
    if current is Stage.GATHERING:
        return (
            "No two members have replied to each other in the last "
            f"{WINDOW_DAYS} days, so this is a gathering: people are around one another, "
            "not yet with one another."
        )
    if current is Stage.NETWORK:
        pairs = "pair" if f.relationships == 1 else "pairs"
        return (
            f"{f.relationships} {pairs} of members have replied to each other, so this is "
            "more than a gathering; it is a network until all three marks of a community "
            "below are there."
        )
    return (
        "Members reply to one another, a majority of them affirmed the charter as it "
        "stands, and enough of them vote: this is a community."
    )
