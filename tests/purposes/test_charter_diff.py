"""Unit tests for purposes.charter_diff: pure functions, no database."""

from hypothesis import given
from hypothesis import strategies as st

from purposes.charter_diff import (
    CharterText,
    ListChange,
    RuleChange,
    Span,
    diff_charters,
    diff_list,
    diff_rules,
    diff_words,
)

LABELS = {
    "join_policy": "How people join",
    "seconds_needed": "Seconds a proposal needs",
    "quorum_percent": "Quorum",
}

RULES = {"join_policy": "open", "seconds_needed": 2, "quorum_percent": 25}


def old_text(spans):
    return "".join(s.text for s in spans if s.op != "insert")


def new_text(spans):
    return "".join(s.text for s in spans if s.op != "delete")


def charter(purpose="We grow food together.", goals=None, rules=None):
    return CharterText(
        purpose=purpose,
        goals=["Share tools", "Run a seed swap"] if goals is None else goals,
        rules=dict(RULES) if rules is None else rules,
    )


# --- diff_words -----------------------------------------------------------------------


def test_diff_words_single_equal_span_when_unchanged():
    assert diff_words("We grow food.", "We grow food.") == [Span("equal", "We grow food.")]


def test_diff_words_empty_when_both_empty():
    assert diff_words("", "") == []


def test_diff_words_replaced_word():
    assert diff_words("We grow food together.", "We grow flowers together.") == [
        Span("equal", "We grow "),
        Span("delete", "food"),
        Span("insert", "flowers"),
        Span("equal", " together."),
    ]


def test_diff_words_inserted_words():
    assert diff_words("We grow food.", "We grow and share food.") == [
        Span("equal", "We grow "),
        Span("insert", "and share "),
        Span("equal", "food."),
    ]


def test_diff_words_deleted_words():
    spans = diff_words("We grow and share food.", "We grow food.")
    assert [s.op for s in spans] == ["equal", "delete", "equal"]
    assert spans[1].text == "and share "


def test_diff_words_punctuation_is_its_own_token():
    assert diff_words("Grow food.", "Grow food!") == [
        Span("equal", "Grow food"),
        Span("delete", "."),
        Span("insert", "!"),
    ]


def test_diff_words_adjacent_changed_words_read_as_one_change():
    # "the cat" -> "a dog": one deletion and one insertion, not word-by-word.
    assert diff_words("the cat sat", "a dog sat") == [
        Span("delete", "the cat"),
        Span("insert", "a dog"),
        Span("equal", " sat"),
    ]


def test_diff_words_from_empty_is_one_insert():
    assert diff_words("", "Grow food.") == [Span("insert", "Grow food.")]


def test_diff_words_to_empty_is_one_delete():
    assert diff_words("Grow food.", "") == [Span("delete", "Grow food.")]


def test_diff_words_whitespace_change_is_kept():
    spans = diff_words("Grow  food\n", "Grow food")
    assert old_text(spans) == "Grow  food\n"
    assert new_text(spans) == "Grow food"


def test_diff_words_adjacent_spans_never_share_an_op():
    spans = diff_words("a b c d e f", "a x c y e z")
    assert all(s1.op != s2.op for s1, s2 in zip(spans, spans[1:], strict=False))
    assert all(s.text for s in spans)


# Text made of a few repeated words, spaces and punctuation, so that old and new share
# enough tokens for the diff to have equal, deleted and inserted parts.
texts = st.lists(
    st.sampled_from(["we", "grow", "food", "Ünï", " ", "  ", "\n", "\t", ",", ".", "!", "'", "-"]),
    max_size=30,
).map("".join)


@given(old=texts, new=texts)
def test_diff_words_reconstructs_both_texts(old, new):
    spans = diff_words(old, new)
    assert old_text(spans) == old
    assert new_text(spans) == new
    assert all(s.text for s in spans)
    assert all(s1.op != s2.op for s1, s2 in zip(spans, spans[1:], strict=False))


@given(old=st.text(max_size=80), new=st.text(max_size=80))
def test_diff_words_reconstructs_any_unicode(old, new):
    spans = diff_words(old, new)
    assert old_text(spans) == old
    assert new_text(spans) == new


@given(text=st.text(max_size=80))
def test_diff_words_identical_texts_are_all_equal(text):
    assert all(s.op == "equal" for s in diff_words(text, text))


# --- diff_list ------------------------------------------------------------------------


def test_diff_list_all_equal_when_unchanged():
    goals = ["Share tools", "Run a seed swap"]
    assert diff_list(goals, goals) == [
        ListChange("equal", "Share tools", "Share tools"),
        ListChange("equal", "Run a seed swap", "Run a seed swap"),
    ]


def test_diff_list_inserted_goal():
    changes = diff_list(
        ["Share tools", "Run a seed swap"], ["Share tools", "Plant trees", "Run a seed swap"]
    )
    assert changes == [
        ListChange("equal", "Share tools", "Share tools"),
        ListChange("insert", None, "Plant trees"),
        ListChange("equal", "Run a seed swap", "Run a seed swap"),
    ]


def test_diff_list_deleted_goal():
    changes = diff_list(["Share tools", "Run a seed swap"], ["Run a seed swap"])
    assert changes == [
        ListChange("delete", "Share tools", None),
        ListChange("equal", "Run a seed swap", "Run a seed swap"),
    ]


def test_diff_list_changed_goal_gets_word_diff():
    changes = diff_list(
        ["Share tools", "Run a seed swap"], ["Share tools", "Run a monthly seed swap"]
    )
    assert changes[1] == ListChange(
        "change",
        "Run a seed swap",
        "Run a monthly seed swap",
        [Span("equal", "Run a "), Span("insert", "monthly "), Span("equal", "seed swap")],
    )


def test_diff_list_rewritten_goal_is_delete_and_insert():
    changes = diff_list(["Share tools"], ["Plant an orchard"])
    assert changes == [
        ListChange("delete", "Share tools", None),
        ListChange("insert", None, "Plant an orchard"),
    ]


def test_diff_list_reworded_goal_among_new_ones():
    changes = diff_list(
        ["Share tools", "Keep"],
        ["Plant trees", "Share garden tools", "Keep"],
    )
    assert [c.op for c in changes] == ["insert", "change", "equal"]
    assert changes[1].old == "Share tools"
    assert changes[1].new == "Share garden tools"


def test_diff_list_from_empty_all_inserted():
    assert [c.op for c in diff_list([], ["a", "b"])] == ["insert", "insert"]


goal_lists = st.lists(
    st.sampled_from(["Share tools", "Share garden tools", "Plant trees", "Run a seed swap", "x"]),
    max_size=6,
)


@given(old=goal_lists, new=goal_lists)
def test_diff_list_reconstructs_both_lists(old, new):
    changes = diff_list(old, new)
    assert [c.old for c in changes if c.op != "insert"] == old
    assert [c.new for c in changes if c.op != "delete"] == new
    for c in changes:
        if c.op == "change":
            assert old_text(c.words) == c.old
            assert new_text(c.words) == c.new
        else:
            assert c.words is None


# --- diff_rules -----------------------------------------------------------------------


def test_diff_rules_empty_when_unchanged():
    assert diff_rules(RULES, dict(RULES), LABELS) == []


def test_diff_rules_changed_fields_in_label_order():
    new = {"join_policy": "application", "seconds_needed": 2, "quorum_percent": 30}
    assert diff_rules(RULES, new, LABELS) == [
        RuleChange("join_policy", "How people join", "open", "application"),
        RuleChange("quorum_percent", "Quorum", 25, 30),
    ]


def test_diff_rules_missing_field_is_none():
    new = {"join_policy": "open", "seconds_needed": 2}
    assert diff_rules(RULES, new, LABELS) == [RuleChange("quorum_percent", "Quorum", 25, None)]


def test_diff_rules_unlabelled_change_still_reported():
    old = dict(RULES, flag_threshold=3)
    new = dict(RULES, flag_threshold=5)
    assert diff_rules(old, new, LABELS) == [
        RuleChange("flag_threshold", "Flag threshold", 3, 5),
    ]


# --- diff_charters --------------------------------------------------------------------


def test_diff_charters_is_empty_when_unchanged():
    diff = diff_charters(charter(), charter(), LABELS)
    assert diff.is_empty
    assert diff.touched_fields == frozenset()
    assert diff.rules == []
    assert all(c.op == "equal" for c in diff.goals)
    assert diff.purpose == [Span("equal", "We grow food together.")]


def test_diff_charters_changed_purpose_touches_purpose():
    diff = diff_charters(charter(), charter(purpose="We grow food for everyone."), LABELS)
    assert not diff.is_empty
    assert diff.touched_fields == {"purpose"}
    assert new_text(diff.purpose) == "We grow food for everyone."


def test_diff_charters_changed_goal_touches_goals():
    new = charter(goals=["Share tools", "Run a monthly seed swap"])
    diff = diff_charters(charter(), new, LABELS)
    assert diff.touched_fields == {"goals"}
    assert [c.op for c in diff.goals] == ["equal", "change"]


def test_diff_charters_inserted_goal_touches_goals():
    new = charter(goals=["Share tools", "Run a seed swap", "Plant trees"])
    diff = diff_charters(charter(), new, LABELS)
    assert diff.touched_fields == {"goals"}
    assert diff.goals[-1] == ListChange("insert", None, "Plant trees")


def test_diff_charters_changed_rule_touches_that_field_only():
    new = charter(rules=dict(RULES, seconds_needed=3))
    diff = diff_charters(charter(), new, LABELS)
    assert diff.touched_fields == {"seconds_needed"}
    assert diff.rules == [RuleChange("seconds_needed", "Seconds a proposal needs", 2, 3)]


def test_diff_charters_touched_fields_combine():
    new = charter(
        purpose="We grow food.",
        goals=["Share tools"],
        rules=dict(RULES, join_policy="invitation", quorum_percent=40),
    )
    diff = diff_charters(charter(), new, LABELS)
    assert diff.touched_fields == {"purpose", "goals", "join_policy", "quorum_percent"}


def test_diff_charters_overlapping_proposals_share_a_touched_field():
    base = charter()
    one = diff_charters(base, charter(rules=dict(RULES, quorum_percent=30)), LABELS)
    two = diff_charters(base, charter(rules=dict(RULES, quorum_percent=35)), LABELS)
    three = diff_charters(base, charter(purpose="We grow food."), LABELS)
    assert one.touched_fields & two.touched_fields == {"quorum_percent"}
    assert not one.touched_fields & three.touched_fields


def test_diff_charters_first_version_is_all_inserted():
    diff = diff_charters(None, charter(), LABELS)
    assert diff.purpose == [Span("insert", "We grow food together.")]
    assert [c.op for c in diff.goals] == ["insert", "insert"]
    assert [r.field for r in diff.rules] == ["join_policy", "seconds_needed", "quorum_percent"]
    assert all(r.old is None for r in diff.rules)
    assert diff.touched_fields == {"purpose", "goals", *RULES}
    assert not diff.is_empty
