"""Readable diffs between charter versions: pure functions, no database.

Every proposal shows the exact change it makes, and every charter version keeps a diff
from the one before (DESIGN.md, R3). A charter has three parts, each diffed in the way
that reads best:

* the purpose statement, word by word (:func:`diff_words`);
* the goals, item by item, a reworded goal getting its own word diff (:func:`diff_list`);
* the rules, field by field (:func:`diff_rules`).

:func:`diff_charters` puts them together and reports which fields a change touches
(``touched_fields``), which the proposals code uses to spot two proposals changing the
same field.

Word diffs are lossless: the text tokens keep every character, whitespace and
punctuation included, so joining the ``equal`` and ``delete`` spans gives back the old
text exactly, and joining the ``equal`` and ``insert`` spans gives back the new one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

from purposes.methods.charter import KINDS, METHODS, method_name

__all__ = [
    "CharterDiff",
    "CharterText",
    "ListChange",
    "RuleChange",
    "Span",
    "diff_charters",
    "diff_list",
    "diff_rules",
    "diff_words",
]

SpanOp = Literal["equal", "insert", "delete"]
ListOp = Literal["equal", "insert", "delete", "change"]

# A word, a run of whitespace, or any other single character (punctuation, symbols).
# Every character of a text falls in exactly one token, so tokens join back losslessly.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")

# A goal rewritten so that at least this share of its words stay (difflib ratio) is shown
# as one changed goal with a word diff; below it, as one goal removed and another added,
# which reads better than a diff in which almost every word changed.
CHANGE_SIMILARITY = 0.5


@dataclass(frozen=True)
class Span:
    op: SpanOp
    text: str


@dataclass(frozen=True)
class ListChange:
    """One goal in a goals diff. ``words`` is set only for ``change``."""

    op: ListOp
    old: str | None
    new: str | None
    words: list[Span] | None = None


@dataclass(frozen=True)
class RuleChange:
    field: str
    label: str
    old: object
    new: object


@dataclass
class CharterText:
    """The diffable content of one charter version."""

    purpose: str
    goals: list[str] = field(default_factory=list)
    rules: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class CharterDiff:
    purpose: list[Span]
    goals: list[ListChange]
    rules: list[RuleChange]
    is_empty: bool
    touched_fields: frozenset[str]


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _merge(spans: Sequence[Span]) -> list[Span]:
    """Make spans readable: a change made of several words reads as one deletion and
    one insertion, not a word-by-word alternation.

    A whitespace-only ``equal`` span between two changes is folded into the change
    (into both its deleted and its inserted text, so reconstruction still holds); then
    every run of changes becomes at most one ``delete`` followed by one ``insert``, and
    adjacent spans of the same op are joined.
    """
    folded: list[Span] = []
    for i, span in enumerate(spans):
        between_changes = (
            span.op == "equal"
            and span.text.isspace()
            and 0 < i < len(spans) - 1
            and spans[i - 1].op != "equal"
            and spans[i + 1].op != "equal"
        )
        if between_changes:
            folded += [Span("delete", span.text), Span("insert", span.text)]
        else:
            folded.append(span)

    merged: list[Span] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        if deleted:
            merged.append(Span("delete", "".join(deleted)))
        if inserted:
            merged.append(Span("insert", "".join(inserted)))
        deleted.clear()
        inserted.clear()

    for span in folded:
        if not span.text:
            continue
        if span.op == "delete":
            deleted.append(span.text)
        elif span.op == "insert":
            inserted.append(span.text)
        else:
            flush()
            if merged and merged[-1].op == "equal":
                merged[-1] = Span("equal", merged[-1].text + span.text)
            else:
                merged.append(span)
    flush()
    return merged


def diff_words(old: str, new: str) -> list[Span]:
    """Word-level diff of two texts, as a list of spans in reading order.

    ``"".join(s.text for s in spans if s.op != "insert") == old`` and
    ``"".join(s.text for s in spans if s.op != "delete") == new``. Identical texts give a
    single ``equal`` span (none if both are empty).
    """
    a, b = _tokens(old), _tokens(new)
    spans: list[Span] = []
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            spans.append(Span("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            spans.append(Span("delete", "".join(a[i1:i2])))
        if j2 > j1:
            spans.append(Span("insert", "".join(b[j1:j2])))
    return _merge(spans)


def _similarity(old: str, new: str) -> float:
    """Share of words two goals have in common (whitespace and case ignored)."""
    a = [t.casefold() for t in _tokens(old) if not t.isspace()]
    b = [t.casefold() for t in _tokens(new) if not t.isspace()]
    if not a and not b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _pair_replaced(old: Sequence[str], new: Sequence[str]) -> list[ListChange]:
    """Within a block of goals replaced by others, show a goal as ``change`` when it
    was reworded (similar enough to a replacement, in order), else as removed/added."""
    changes: list[ListChange] = []
    j = 0
    for old_goal in old:
        match = next(
            (k for k in range(j, len(new)) if _similarity(old_goal, new[k]) >= CHANGE_SIMILARITY),
            None,
        )
        if match is None:
            changes.append(ListChange("delete", old_goal, None))
            continue
        changes += [ListChange("insert", None, goal) for goal in new[j:match]]
        changes.append(ListChange("change", old_goal, new[match], diff_words(old_goal, new[match])))
        j = match + 1
    changes += [ListChange("insert", None, goal) for goal in new[j:]]
    return changes


def diff_list(old: Sequence[str], new: Sequence[str]) -> list[ListChange]:
    """Item-level diff of two lists of goals, in reading order.

    Unchanged goals are ``equal`` (``old == new``), removed ones ``delete``
    (``new is None``), added ones ``insert`` (``old is None``), and reworded ones
    ``change`` with a word diff in ``words``. A goal moved elsewhere in the list shows
    as removed in one place and added in the other.
    """
    changes: list[ListChange] = []
    matcher = SequenceMatcher(None, list(old), list(new), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes += [ListChange("equal", goal, goal) for goal in old[i1:i2]]
        elif tag == "delete":
            changes += [ListChange("delete", goal, None) for goal in old[i1:i2]]
        elif tag == "insert":
            changes += [ListChange("insert", None, goal) for goal in new[j1:j2]]
        else:
            changes += _pair_replaced(old[i1:i2], new[j1:j2])
    return changes


def _default_label(field_name: str) -> str:
    return field_name.replace("_", " ").capitalize()


def method_words(entry: object) -> str | None:
    """One kind's decision method in words: "Ranked choice, secret ballot"."""
    if entry is None:
        return None
    name = method_name(entry)
    words = METHODS[name].label if name in METHODS else str(name)
    if isinstance(entry, Mapping) and entry.get("secret"):
        words += ", secret ballot"
    return words


def _method_changes(old: object, new: object) -> list[RuleChange]:
    """A change of ``methods`` as one row per kind whose method changed, in words."""
    before = old if isinstance(old, Mapping) else {}
    after = new if isinstance(new, Mapping) else {}
    kinds = list(KINDS) + sorted((set(before) | set(after)) - set(KINDS))
    return [
        RuleChange(
            field="methods",
            label=f"{KINDS.get(kind, kind)}: decided by",
            old=method_words(before.get(kind)),
            new=method_words(after.get(kind)),
        )
        for kind in kinds
        if method_words(before.get(kind)) != method_words(after.get(kind))
    ]


def _rule_words(value: object) -> object:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def diff_rules(
    old: Mapping[str, object], new: Mapping[str, object], labels: Mapping[str, str]
) -> list[RuleChange]:
    """The rule fields whose value changed, in the order of ``labels``.

    A field missing on one side counts as ``None`` there. A changed field that
    ``labels`` does not name is still reported (after the labelled ones, by name, with
    a label made from its name): a charter change is never hidden from the diff. The
    decision methods (``methods``) read as one row per kind whose method changed ("changing
    the rules: decided by", "Two-thirds majority" → "Ranked choice, secret ballot"), and a
    yes/no rule as "yes" or "no".
    """
    names = list(labels) + sorted((set(old) | set(new)) - set(labels))
    changes: list[RuleChange] = []
    for name in names:
        if old.get(name) == new.get(name):
            continue
        if name == "methods":
            changes += _method_changes(old.get(name), new.get(name))
            continue
        changes.append(
            RuleChange(
                field=name,
                label=labels.get(name) or _default_label(name),
                old=_rule_words(old.get(name)),
                new=_rule_words(new.get(name)),
            )
        )
    return changes


def diff_charters(
    old: CharterText | None, new: CharterText, labels: Mapping[str, str]
) -> CharterDiff:
    """Diff two charter versions; ``old=None`` for a community's first charter, which
    then reads as everything added.

    ``touched_fields`` holds ``"purpose"`` and ``"goals"`` when those changed, and the
    name of each rule field that changed.
    """
    before = old if old is not None else CharterText(purpose="", goals=[], rules={})
    purpose = diff_words(before.purpose, new.purpose)
    goals = diff_list(before.goals, new.goals)
    rules = diff_rules(before.rules, new.rules, labels)

    touched: set[str] = {change.field for change in rules}
    if before.purpose != new.purpose:
        touched.add("purpose")
    if list(before.goals) != list(new.goals):
        touched.add("goals")
    return CharterDiff(
        purpose=purpose,
        goals=goals,
        rules=rules,
        is_empty=not touched,
        touched_fields=frozenset(touched),
    )
