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
* **Secret ballots.** A kind's entry is either a method's name or
  ``{"method": name, "secret": true}``: a secret ballot, where nobody sees how any member
  voted and every ballot is published without its voter at the close (README, "Secret
  ballots"). Not secret is the default. Consent cannot be secret: its objections are
  reasoned and answered in the open.
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
    "method_name",
    "secret_for",
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


def method_name(entry: object) -> object:
    """The method's name in one kind's entry: the entry itself, or its ``method``."""
    if isinstance(entry, Mapping):
        return entry.get("method")
    return entry


def _clean_entry(kind: str, entry: object) -> str | dict[str, object]:
    if isinstance(entry, Mapping):
        extra = [key for key in entry if key not in ("method", "secret")]
        if extra:
            raise MethodsError(
                f"“{extra[0]}” is not part of a decision method (for {KINDS[kind]}); "
                "say only the method and whether the ballot is secret."
            )
        if not isinstance(entry.get("secret", False), bool):
            raise MethodsError(
                f"Whether the ballot is secret (for {KINDS[kind]}) must be true or false."
            )
    name = method_name(entry)
    if name not in METHODS:
        choices = ", ".join(m.label.lower() for m in METHODS.values())
        raise MethodsError(
            f"“{name}” is not a decision method (for {KINDS[kind]}); choose one of: {choices}."
        )
    if not (isinstance(entry, Mapping) and entry.get("secret")):
        return name
    if METHODS[name].counted_by == "consent":
        raise MethodsError(
            f"Consent cannot be decided by secret ballot (for {KINDS[kind]}): its "
            "objections are reasoned and answered in the open."
        )
    return {"method": name, "secret": True}


def validate_methods(methods: object) -> dict[str, str | dict[str, object]]:
    """A clean copy of a charter's methods, in the kinds' order, or MethodsError. Each
    kind's entry is a method's name, or ``{"method": name, "secret": True}`` for a secret
    ballot (an entry saying ``"secret": false`` is cleaned to the plain name)."""
    if not isinstance(methods, Mapping):
        raise MethodsError("The decision methods must say, for each kind of proposal, a method.")
    unknown_kinds = [k for k in methods if k not in KINDS]
    if unknown_kinds:
        raise MethodsError(f"“{unknown_kinds[0]}” is not a kind of proposal.")
    missing = [kind for kind in KINDS if not method_name(methods.get(kind))]
    if missing:
        listed = ", ".join(KINDS[kind] for kind in missing)
        raise MethodsError(
            f"Every kind of proposal needs a decision method; none is set for {listed}."
        )
    return {kind: _clean_entry(kind, methods[kind]) for kind in KINDS}


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
    return METHODS[method_name(validate_methods(methods)[kind])]


def secret_for(charter_rules: Mapping[str, object], kind: str) -> bool:
    """Whether these charter rules decide a proposal of ``kind`` by secret ballot (by
    default, and for a charter written before methods existed, not)."""
    if kind not in KINDS:
        raise MethodsError(f"“{kind}” is not a kind of proposal.")
    methods = charter_rules.get("methods")
    if methods is None:
        return False
    return isinstance(validate_methods(methods)[kind], dict)
