"""Which decision method the charter gives each kind of proposal.

Pure: the charter stores the mapping as ``{kind: method}`` (``Charter.methods``), and this
module says what a complete, valid mapping is and which method decides a kind.

* **Kinds** are the values of ``purposes.models.Proposal.Kind`` (a test keeps the two in
  step): ``purpose``, ``rules``, ``elect``, ``recall``, ``remove``, ``dissolve``,
  ``move``.
* **Methods**: ``majority`` (more for than against), ``two_thirds`` (the majority count
  with a two-thirds threshold), ``consent``, ``approval``, ``ranked`` and ``score``. The
  last three choose among several options; for a yes/no question the options are the
  proposal and "keep things as they are".
* **Defaults** are today's behaviour: two thirds for changes of purpose or rules, for
  dissolution and for moving to another home, a simple majority for everything else. The
  quorum is not part of the method: every method uses the charter's quorum for the kind
  (the major quorum for the major kinds), as today.
* **Every kind has a method.** A mapping that leaves a kind without one, names a kind that
  does not exist or a method that does not, is refused with a :class:`MethodsError` that
  says which.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from purposes.tally import Threshold

__all__ = [
    "DEFAULT_METHODS",
    "KINDS",
    "MAJOR_KINDS",
    "METHODS",
    "Method",
    "MethodsError",
    "default_methods",
    "method_for",
    "validate_methods",
]

# The values of Proposal.Kind, in its order, with the words the charter page uses.
KINDS = {
    "purpose": "amending the purpose and goals",
    "rules": "changing the rules",
    "elect": "electing a moderator",
    "recall": "recalling a moderator",
    "remove": "removing a member",
    "dissolve": "dissolving the community",
    "move": "moving to another home",
}


@dataclass(frozen=True)
class Method:
    name: str
    label: str
    counted_by: str  # the module of purposes.methods that counts it
    how: str  # how it is counted, for the proposal page before anyone votes
    threshold: Threshold | None = None  # for the majority count only
    several_options: bool = False


METHODS = {
    m.name: m
    for m in (
        Method(
            "majority",
            "Simple majority",
            "majority",
            "Vote for, against or abstain; it passes with more votes for than against.",
            threshold=Threshold.SIMPLE_MAJORITY,
        ),
        Method(
            "two_thirds",
            "Two-thirds majority",
            "majority",
            "Vote for, against or abstain; it passes with at least two thirds of the votes "
            "cast for or against.",
            threshold=Threshold.TWO_THIRDS,
        ),
        Method(
            "consent",
            "Consent",
            "consent",
            "Consent, stand aside or object with a reason; it passes if no objection stands "
            "when the vote closes.",
        ),
        Method(
            "approval",
            "Approval",
            "approval",
            "Approve every option you can accept; the option approved most wins.",
            several_options=True,
        ),
        Method(
            "ranked",
            "Ranked choice",
            "ranked",
            "Rank the options in order of preference; the option with the fewest first "
            "choices is eliminated round by round until one has a majority.",
            several_options=True,
        ),
        Method(
            "score",
            "Score",
            "score",
            "Give each option a score from 0 to 5; the highest total wins.",
            several_options=True,
        ),
    )
}

MAJOR_KINDS = ("purpose", "rules", "dissolve", "move")
DEFAULT_METHODS = {kind: "two_thirds" if kind in MAJOR_KINDS else "majority" for kind in KINDS}


class MethodsError(ValueError):
    """A charter's methods that leave a kind undecided or name something unknown."""


def default_methods() -> dict[str, str]:
    """Today's behaviour, as a fresh mapping (the model field's default)."""
    return dict(DEFAULT_METHODS)


def validate_methods(methods: object) -> dict[str, str]:
    """A clean copy of a charter's ``{kind: method}``, in the kinds' order, or MethodsError."""
    if not isinstance(methods, Mapping):
        raise MethodsError("The decision methods must say, for each kind of proposal, a method.")
    unknown_kinds = [k for k in methods if k not in KINDS]
    if unknown_kinds:
        raise MethodsError(f"“{unknown_kinds[0]}” is not a kind of proposal.")
    missing = [kind for kind in KINDS if not methods.get(kind)]
    if missing:
        listed = ", ".join(KINDS[kind] for kind in missing)
        raise MethodsError(
            f"Every kind of proposal needs a decision method; none is set for {listed}."
        )
    for kind in KINDS:
        if methods[kind] not in METHODS:
            choices = ", ".join(m.label.lower() for m in METHODS.values())
            raise MethodsError(
                f"“{methods[kind]}” is not a decision method (for {KINDS[kind]}); "
                f"choose one of: {choices}."
            )
    return {kind: methods[kind] for kind in KINDS}


def method_for(charter_rules: Mapping[str, object], kind: str) -> Method:
    """The method that decides a proposal of ``kind`` under these charter rules.

    ``charter_rules`` is the charter's rules with its ``methods`` mapping. Rules without
    one (a charter written before methods existed) decide as Commons always has (the
    defaults); a mapping that is there must be complete, or MethodsError.
    """
    if kind not in KINDS:
        raise MethodsError(f"“{kind}” is not a kind of proposal.")
    methods = charter_rules.get("methods")
    if methods is None:
        return METHODS[DEFAULT_METHODS[kind]]
    return METHODS[validate_methods(methods)[kind]]
