"""An imported community's earlier history, shaped for reading: the records of its
archive (docs/archive-format.md) turned into the values its pages show.

Pure: no ORM and no Django (``portability.selectors`` reads the records and hands them
here); a body is rendered by ``core.markdown``, as live posts are, when a page shows it.
A record is trusted as far as the archive's schema checked it at import and no further:
anything a page shows is read with a default, so a record of an older or odd archive
shows less rather than failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from core.markdown import render_markdown

# Why a post's text is not in the archive (the post record's ``withheld``).
WITHHELD = ("hidden", "taken_down", "deleted_by_author", "deleted_member")


def when(value: object) -> datetime | None:
    """An archive time (ISO 8601 with an offset) as a datetime; None if absent or odd."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass(frozen=True)
class Person:
    """Someone the archive credits, by public name only, in the shape the avatar tag and
    the pages read a member (``shown_name``, ``username``, no picture)."""

    shown_name: str
    avatar_key: str = ""
    display_name: str = ""

    @property
    def username(self) -> str:
        return self.shown_name


def person(value: object) -> Person | None:
    return Person(value) if isinstance(value, str) and value else None


@dataclass
class ImportedThread:
    number: int
    title: str | None  # None: its author deleted their account
    author: Person | None
    goal: str
    created_at: datetime | None
    last_activity_at: datetime | None
    posts: int = 0

    @property
    def reply_count(self) -> int:
        return max(self.posts - 1, 0)


def thread(number: int, data: dict, posts: int = 0) -> ImportedThread:
    title = data.get("title")
    return ImportedThread(
        number=number,
        title=title if isinstance(title, str) else None,
        author=person(data.get("author")),
        goal=_text(data.get("goal")),
        created_at=when(data.get("created_at")),
        last_activity_at=when(data.get("last_activity_at")),
        posts=posts,
    )


@dataclass
class ImportedPost:
    number: int
    parent: int | None
    depth: int
    author: Person | None
    body: str | None  # the Markdown source, or None when withheld
    withheld: str | None  # one of WITHHELD, "other" for an odd record, or None
    reason: str  # the reason the placeholder shows (hidden, taken down)
    created_at: datetime | None
    edited_at: datetime | None
    # Set by ``nest``: how many levels end after this post, and whom it answers when its
    # parent is not the post it is shown under.
    closes: range = field(default_factory=lambda: range(0))
    answers: int | None = None  # the parent's number, when it is not the post above
    answers_shown: bool = False  # whether that parent is on this page (a link to it)
    in_reply_to: Person | None = None
    position: int | None = None

    @cached_property
    def body_html(self) -> str:
        """The body as live posts' are rendered (no raw HTML, sanitised), when a page shows
        it (the thread page keeps its rendered posts in the cache). Names are not linked:
        the people an old post mentions have no accounts here."""
        return render_markdown(self.body) if self.body is not None else ""


def post(number: int, data: dict) -> ImportedPost:
    withheld = data.get("withheld")
    body = data.get("body")
    if withheld is not None and withheld not in WITHHELD:
        withheld = "other"
    if withheld is None and not isinstance(body, str):
        withheld = "other"  # no text and no reason: say it was not carried, never guess
    parent = data.get("parent")
    return ImportedPost(
        number=number,
        parent=parent if isinstance(parent, int) else None,
        depth=max(_count(data.get("depth")), 0),
        author=person(data.get("author")),
        # A withheld post never shows text, whatever else its record holds.
        body=None if withheld else body,
        withheld=withheld,
        reason=_text(data.get("moderation_reason")),
        created_at=when(data.get("created_at")),
        edited_at=when(data.get("edited_at")),
    )


def cut_at_branch(rows: list[ImportedPost], limit: int) -> tuple[list[ImportedPost], bool]:
    """At most ``limit`` replies, ending at a whole top-level branch unless one branch fills
    the page alone (as the live thread page pages), and whether more follow. ``rows``
    may hold one more than ``limit``: that is how the caller knows more follow."""
    if len(rows) <= limit:
        return rows, False
    extra, rows = rows[limit], rows[:limit]
    if extra.depth > 1:
        starts = [i for i, row in enumerate(rows) if row.depth <= 1]
        if starts and starts[-1] > 0:
            rows = rows[: starts[-1]]
    return rows, True


def nest(
    posts: list[ImportedPost],
    *,
    max_level: int,
    authors: dict[int, Person | None],
    start: int = 1,
) -> None:
    """Lay the replies of one page out as the live thread page does: printed flat, in the
    archive's depth-first order, each opening a level that ``closes`` ends. A reply goes
    one level under the post above it at most and never deeper than ``max_level``; a
    reply to a reply that lands under another post than its parent (deeper than the page
    nests, or its parent on an earlier page) says which post it answers (``answers``) and
    whose (``in_reply_to``, from ``authors``: archive post number to author)."""
    chain: list[int] = []  # the post open at each level, level 1 first
    shown = {reply.number for reply in posts}
    previous = None
    for number, reply in enumerate(posts, start):
        level = max(1, min(reply.depth, max_level, len(chain) + 1))
        closing = len(chain) - (level - 1)
        del chain[level - 1 :]
        if previous is not None:
            previous.closes = range(closing)
        shown_under = chain[-1] if chain else None
        if reply.depth > 1 and reply.parent is not None and reply.parent != shown_under:
            reply.answers = reply.parent
            reply.answers_shown = reply.parent in shown
            reply.in_reply_to = authors.get(reply.parent)
        reply.position = number
        chain.append(reply.number)
        previous = reply
    if previous is not None:
        previous.closes = range(len(chain))


@dataclass(frozen=True)
class Tally:
    for_count: int
    against_count: int
    abstain_count: int
    electorate_size: int
    active_electorate_size: int

    @property
    def cast(self) -> int:
        return self.for_count + self.against_count + self.abstain_count


def tally(value: object) -> Tally | None:
    if not isinstance(value, dict):
        return None
    return Tally(
        for_count=_count(value.get("for")),
        against_count=_count(value.get("against")),
        abstain_count=_count(value.get("abstain")),
        electorate_size=_count(value.get("electorate")),
        active_electorate_size=_count(value.get("active_electorate")),
    )


@dataclass(frozen=True)
class CountRound:
    number: int
    lines: list[tuple[str, object, str]]  # option's label, its votes, what the round did
    exhausted: int


@dataclass(frozen=True)
class Count:
    """A stored method count (``purposes.methods.record``), as far as the record holds it."""

    explanation: str
    cast: int
    quorum: int
    electorate: int
    rounds: list[CountRound]
    labels: dict[str, str]


def count(value: object) -> Count | None:
    if not isinstance(value, dict):
        return None
    labels = {}
    for pair in value.get("labels") or ():
        if isinstance(pair, list) and len(pair) == 2:
            labels[str(pair[0])] = str(pair[1])
    rounds = []
    for stored in value.get("rounds") or ():
        if not isinstance(stored, dict):
            continue
        eliminated = stored.get("eliminated") or ()
        lines = []
        for pair in stored.get("counts") or ():
            if not (isinstance(pair, list) and len(pair) == 2):
                continue
            option = str(pair[0])
            status = ""
            if option == stored.get("elected"):
                status = "elected"
            elif isinstance(eliminated, list) and option in eliminated:
                status = "eliminated"
            lines.append((labels.get(option, option), pair[1], status))
        rounds.append(
            CountRound(_count(stored.get("number")), lines, _count(stored.get("exhausted")))
        )
    electorate = value.get("electorate")
    return Count(
        explanation=_text(value.get("explanation")),
        cast=_count(value.get("cast")),
        quorum=_count(value.get("quorum")),
        electorate=_count(electorate.get("size")) if isinstance(electorate, dict) else 0,
        rounds=rounds,
        labels=labels,
    )


def ballot_words(ballot: dict, labels: dict[str, str]) -> str:
    """A published ballot of a secret vote, as the proposal page says it: the choice, or
    the approvals, the ranking or the scores by option label."""
    content = ballot.get("content")
    if ballot.get("choice") != "ballot":
        return _text(ballot.get("choice"))
    if isinstance(content, list):
        return ", ".join(labels.get(str(option), str(option)) for option in content)
    if isinstance(content, dict):
        return "; ".join(f"{labels.get(str(k), str(k))}: {v}" for k, v in content.items())
    return ""
