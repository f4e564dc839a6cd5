"""A proposal's text: what it changes in the charter, that change laid onto a newer
charter, and the revisions recorded as it is changed after submission."""

from __future__ import annotations

from members.models import User
from purposes.charter_diff import CharterText, diff_charters
from purposes.models import Proposal, ProposalRevision, rule_labels


def touched_fields(proposal: Proposal) -> frozenset[str]:
    """The charter fields a charter proposal changes, relative to the version it was
    drafted against."""
    if not proposal.is_charter_change:
        return frozenset()
    return diff_charters(
        proposal.base_charter.text(), proposal.proposed_text(), rule_labels()
    ).touched_fields


def record_revision(
    *, proposal: Proposal, author: User, note: str = "", seconds_reset: bool = False
) -> ProposalRevision:
    number = proposal.revisions.count() + 1
    return ProposalRevision.objects.create(
        proposal=proposal,
        number=number,
        title=proposal.title,
        rationale=proposal.rationale,
        base_charter=proposal.base_charter,
        purpose=proposal.purpose,
        goals=proposal.goals,
        rules=proposal.rules,
        author=author,
        note=note[:200],
        seconds_reset=seconds_reset,
    )


def change_of(proposal: Proposal) -> dict[str, tuple]:
    """What a charter proposal does: each field it changes, from what to what. Two texts
    with the same change back the same decision, whatever their title or reasons."""
    if not proposal.is_charter_change:
        return {}
    base, new = proposal.base_charter.text(), proposal.proposed_text()
    change = {}
    if base.purpose != new.purpose:
        change["purpose"] = (base.purpose, new.purpose)
    if list(base.goals) != list(new.goals):
        change["goals"] = (list(base.goals), list(new.goals))
    for name in sorted(set(base.rules) | set(new.rules)):
        if base.rules.get(name) != new.rules.get(name):
            change[name] = (base.rules.get(name), new.rules.get(name))
    return change


def merge_onto(
    *, current: CharterText, proposed: CharterText, fields: frozenset[str]
) -> CharterText:
    rules = dict(current.rules)
    rules.update({name: proposed.rules[name] for name in fields if name in proposed.rules})
    return CharterText(
        purpose=proposed.purpose if "purpose" in fields else current.purpose,
        goals=list(proposed.goals if "goals" in fields else current.goals),
        rules=rules,
    )
