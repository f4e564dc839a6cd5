"""Reads of the portability app: a community's archive builds, what has changed since the
last one, where an imported community came from, and the earlier history it brought
(the records of its archive, read-only, shaped by ``portability.history``)."""

from dataclasses import dataclass

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Max, Min, Q
from django.db.models.fields.json import KT

from community.models import Community
from community.selectors import MAX_DISPLAY_DEPTH, MAX_POSTS_PER_PAGE, THREADS_PER_PAGE
from moderation.models import ModerationAction
from portability import history
from portability.models import (
    ArchiveBuild,
    ArchiveClaim,
    ImportedCommunity,
    ImportedRecord,
    MoveHandoff,
)
from purposes.charter_diff import CharterText, diff_charters
from purposes.methods.charter import METHODS
from purposes.models import Proposal, Vote, rule_labels
from purposes.selectors import VOTES_PER_PAGE
from purposes.tally import DecisionRule

# What a build row shows on its page (its bytes are read only for the download).
SHOWN_FIELDS = (
    "id", "community_id", "requested_by_id", "state", "requested_at", "started_at",
    "finished_at", "stamp", "size", "sha256", "error",
)  # fmt: skip


def move_build(community: Community) -> ArchiveBuild | None:
    """The archive built when the community moved to another home, once ready: the one
    its claim tokens name, offered to its members from then on (without its bytes)."""
    if not community.is_moved:
        return None
    handoff = MoveHandoff.objects.filter(community=community, build__isnull=False).first()
    if handoff is None:
        return None
    return (
        ArchiveBuild.objects.filter(pk=handoff.build_id, state=ArchiveBuild.State.READY)
        .only(*SHOWN_FIELDS)
        .first()
    )


def latest_build(community: Community) -> ArchiveBuild | None:
    """The community's newest build request, whatever its state, without its bytes; for
    a community that moved away, the archive built at the move once it is ready."""
    moved = move_build(community)
    if moved is not None:
        return moved
    return (
        ArchiveBuild.objects.filter(community=community)
        .only(*SHOWN_FIELDS)
        .order_by("-requested_at", "-id")
        .first()
    )


def imported_source(community_id: int) -> ImportedCommunity | None:
    """Where a community came from, if it was imported (kept in the cache: an import is
    made once and never changes, so the community's home asks for it without a query)."""
    key = f"portability:imported:{community_id}"
    found = cache.get(key)
    if found is None:
        source = (
            ImportedCommunity.objects.filter(community_id=community_id)
            .only("id", "community_id", "sha256", "source_url", "imported_at")
            .first()
        )
        found = source or False
        cache.set(key, found, timeout=None)
    return found or None


def claim_of(user, source: ImportedCommunity) -> ArchiveClaim | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return ArchiveClaim.objects.filter(source=source, user=user).first()


# --- An imported community's earlier history ----------------------------------------------

THREADS, POSTS, PROPOSALS = "threads.jsonl", "posts.jsonl", "proposals.jsonl"
CHARTERS, VOTES, LOG = "charters.jsonl", "votes.jsonl", "moderation_log.jsonl"
HISTORY_PROPOSALS_PER_PAGE = 20
HISTORY_LOG_PER_PAGE = 10


def _records(source: ImportedCommunity, part: str):
    return ImportedRecord.objects.filter(source_id=source.pk, part=part)


@dataclass(frozen=True)
class Span:
    """The records of a part that name one value of a key (a thread's posts, a proposal's
    votes): how many, and the first and last of their numbers."""

    count: int
    first: int
    last: int


def record_spans(source: ImportedCommunity, part: str, key: str) -> dict[int, Span]:
    """Each value of ``key`` in the records of ``part``, with its ``Span``: one aggregate
    query over the part, then kept in the cache for good (an import never changes).

    The archive lists posts thread by thread and votes proposal by proposal, so a page
    reads one group through the unique index on (source, part, number), between its first
    and last numbers, instead of looking into the JSON of every record of the part."""
    cache_key = f"portability:spans:{source.pk}:{part}:{key}"
    spans = cache.get(cache_key)
    if spans is None:
        rows = (
            _records(source, part)
            .values(group=KT(f"data__{key}"))
            .annotate(count=Count("id"), first=Min("number"), last=Max("number"))
            .values_list("group", "count", "first", "last")
            .order_by()
        )
        spans = {
            int(group): Span(count, first, last)
            for group, count, first, last in rows
            if group is not None and str(group).isdecimal()
        }
        cache.set(cache_key, spans, timeout=None)
    return spans


def history_threads(source: ImportedCommunity, page_number) -> Page:
    """A page of the imported threads, latest activity first (as the live list), each
    with its number of posts."""
    records = _records(source, THREADS).order_by(
        F("data__last_activity_at").desc(nulls_last=True), "-number"
    )
    page = Paginator(records, THREADS_PER_PAGE).get_page(page_number)
    spans = record_spans(source, POSTS, "thread")
    page.object_list = [
        history.thread(r.number, r.data, spans[r.number].count if r.number in spans else 0)
        for r in page.object_list
    ]
    return page


@dataclass
class ImportedProposalRow:
    number: int
    title: str | None
    kind: str
    state: str
    state_label: str
    author: history.Person | None
    closed_at: object


def _kind_label(kind) -> str:
    return str(dict(Proposal.Kind.choices).get(kind, kind or ""))


def _state_label(state) -> str:
    return str(dict(Proposal.State.choices).get(state, state or ""))


def history_proposals(source: ImportedCommunity, page_number) -> Page:
    """A page of the imported proposals, newest first: title, kind, outcome, closed."""
    records = _records(source, PROPOSALS).order_by("-number")
    page = Paginator(records, HISTORY_PROPOSALS_PER_PAGE).get_page(page_number)
    page.object_list = [
        ImportedProposalRow(
            number=r.number,
            title=r.data.get("title"),
            kind=_kind_label(r.data.get("kind")),
            state=r.data.get("state") or "",
            state_label=_state_label(r.data.get("state")),
            author=history.person(r.data.get("author")),
            closed_at=history.when(r.data.get("closed_at") or r.data.get("withdrawn_at")),
        )
        for r in page.object_list
    ]
    return page


@dataclass
class ImportedCharter:
    version: int
    purpose: str
    goals: list[str]
    author: history.Person | None
    created_at: object
    proposal: int | None
    tally: history.Tally | None
    diff: object


def _charter_text(data: dict) -> CharterText:
    goals = data.get("goals")
    rules = data.get("rules")
    return CharterText(
        purpose=data.get("purpose") if isinstance(data.get("purpose"), str) else "",
        goals=[g for g in goals if isinstance(g, str)] if isinstance(goals, list) else [],
        rules=rules if isinstance(rules, dict) else {},
    )


def history_charters(source: ImportedCommunity) -> list[ImportedCharter]:
    """Every imported charter version, newest first, each with its diff from the one
    before (one query: a community has a few versions)."""
    labels, previous, versions = rule_labels(), None, []
    for record in _records(source, CHARTERS).order_by("number"):
        data, text = record.data, _charter_text(record.data)
        versions.append(
            ImportedCharter(
                version=data.get("version") or record.number,
                purpose=text.purpose,
                goals=text.goals,
                author=history.person(data.get("author")),
                created_at=history.when(data.get("created_at")),
                proposal=data.get("proposal"),
                tally=history.tally(data.get("tally")),
                diff=diff_charters(previous, text, labels),
            )
        )
        previous = text
    return versions[::-1]


@dataclass
class ImportedLogEntry:
    kind: str
    kind_label: str
    actor: history.Person | None
    member: history.Person | None
    post: int | None
    thread: int | None
    reason: str
    until: object
    created_at: object


def history_log(source: ImportedCommunity, page_number) -> Page:
    """A page of the imported moderation log, newest first, each entry's post with its
    thread (one query for the page's posts, reading only their thread numbers)."""
    records = _records(source, LOG).order_by("-number")
    page = Paginator(records, HISTORY_LOG_PER_PAGE).get_page(page_number)
    entries = list(page.object_list)
    post_numbers = {r.data.get("post") for r in entries} - {None}
    threads = dict(
        _records(source, POSTS)
        .filter(number__in=post_numbers)
        .values_list("number", KT("data__thread"))
        if post_numbers
        else ()
    )
    kinds = dict(ModerationAction.Kind.choices)
    page.object_list = [
        ImportedLogEntry(
            kind=r.data.get("kind") or "",
            kind_label=str(kinds.get(r.data.get("kind"), r.data.get("kind") or "")),
            actor=history.person(r.data.get("actor")),
            member=history.person(r.data.get("member")),
            post=r.data.get("post"),
            thread=_number(threads.get(r.data.get("post"))),
            reason=r.data.get("reason") or "",
            until=history.when(r.data.get("until")),
            created_at=history.when(r.data.get("created_at")),
        )
        for r in entries
    ]
    return page


def _number(value) -> int | None:
    text = str(value) if value is not None else ""
    return int(text) if text.isdecimal() else None


@dataclass
class HistoryThreadPage:
    thread: history.ImportedThread
    root: history.ImportedPost | None
    posts: list[history.ImportedPost]
    next_after: int | None


def history_thread_page(
    source: ImportedCommunity, number: int, *, after: int = 0
) -> HistoryThreadPage | None:
    """One imported thread's page of posts (None: no such thread): the opening post on
    the first page, then at most MAX_POSTS_PER_PAGE replies after the post numbered
    ``after``, in the archive's depth-first order, nested as the live thread page nests.

    A constant number of queries whatever the size of the thread or of the archive: the
    thread, its posts by their range of numbers (``record_spans``), and at most one for
    the authors of replies whose parents are not on the page. Bodies are rendered only
    where the page shows them."""
    found = _records(source, THREADS).filter(number=number).first()
    if found is None:
        return None
    span = record_spans(source, POSTS, "thread").get(number)
    thread = history.thread(number, found.data, span.count if span else 0)
    if span is None:
        return HistoryThreadPage(thread, None, [], None)
    # The replies before this page: its posts are numbered on from the opening post's.
    start = max(1, after - span.first + 1) if after else 1
    first = max(span.first, after + 1)
    rows = (
        _records(source, POSTS)
        .filter(number__gte=first, number__lte=span.last, data__thread=number)
        .order_by("number")[: MAX_POSTS_PER_PAGE + (1 if after else 2)]
    )
    posts = [history.post(r.number, r.data) for r in rows]
    root = posts.pop(0) if posts and not after and posts[0].parent is None else None
    posts, more = history.cut_at_branch(posts, MAX_POSTS_PER_PAGE)
    authors = {p.number: p.author for p in posts}
    missing = {p.parent for p in posts if p.depth > 1 and p.parent not in authors} - {None}
    if missing:
        for parent, name in (
            _records(source, POSTS)
            .filter(number__in=missing)
            .values_list("number", KT("data__author"))
        ):
            authors[parent] = history.person(name)
    history.nest(
        posts,
        max_level=MAX_DISPLAY_DEPTH,
        authors=authors,
        start=start,
    )
    next_after = posts[-1].number if more and posts else None
    return HistoryThreadPage(thread, root, posts, next_after)


@dataclass
class ImportedProposal:
    number: int
    title: str | None
    kind: str
    kind_label: str
    state: str
    state_label: str
    author: history.Person | None
    rationale: str | None
    target: history.Person | None
    new_home: str
    base_charter_version: int | None
    diff: object  # the change to the charter version it was drafted against
    proposed: CharterText | None  # the text it proposed, when that version is not here
    dates: list[tuple[str, object]]
    rule: str  # the decision rule, or the method and how it counts, in a sentence
    method_label: str
    tally: history.Tally | None
    quorum_percent: int | None
    result_reason: str
    count: history.Count | None
    secret: bool
    ballots: list[tuple[str, str]]  # each published ballot: its short id, what it says
    thread: int | None
    charter_made: int | None
    amendments: list[dict]

    @property
    def still_open(self) -> bool:
        """Not decided when the archive was made (it left while this was under way)."""
        return self.state in Proposal.OPEN_STATES


# Each date a proposal records, with what the page calls it, in the order they happen.
PROPOSAL_DATES = (
    ("created_at", "Drafted"),
    ("submitted_at", "Submitted for seconds"),
    ("discussion_started_at", "Discussion opened"),
    ("voting_started_at", "Voting opened"),
    ("voting_ends_at", "Voting was to close"),
    ("closed_at", "Closed"),
    ("applied_at", "Applied"),
    ("withdrawn_at", "Withdrawn"),
)


def _rule_sentence(data: dict) -> tuple[str, str]:
    method = METHODS.get(data.get("method") or "")
    rule = data.get("decision_rule")
    described = ""
    if isinstance(rule, dict):
        try:
            described = DecisionRule(rule.get("quorum_percent"), rule.get("threshold")).describe()
        except (TypeError, ValueError):
            described = ""
    if method is not None and method.counted_by != "majority":
        return method.how, method.label
    return described, method.label if method else ""


def history_proposal(source: ImportedCommunity, number: int) -> ImportedProposal | None:
    """One imported proposal as its page shows it (None: no such proposal), with the
    charter versions it was drafted against and made (one query for both)."""
    found = _records(source, PROPOSALS).filter(number=number).first()
    if found is None:
        return None
    data = found.data
    base = data.get("base_charter_version")
    charters = {
        r.data.get("version"): r.data
        for r in _records(source, CHARTERS).filter(Q(data__proposal=number) | Q(data__version=base))
    }
    made = [v for v, c in charters.items() if c.get("proposal") == number]
    proposed = data.get("proposed")
    diff = proposed_text = None
    if isinstance(proposed, dict):
        proposed_text = _charter_text(proposed)
        if base in charters:
            diff = diff_charters(_charter_text(charters[base]), proposed_text, rule_labels())
            proposed_text = None
    count = history.count(data.get("result"))
    labels = count.labels if count else {}
    ballots = [
        (str(b.get("id", ""))[:8], history.ballot_words(b, labels))
        for b in data.get("ballots") or ()
        if isinstance(b, dict)
    ]
    rule, method_label = _rule_sentence(data)
    decision = data.get("decision_rule")
    return ImportedProposal(
        number=number,
        title=data.get("title"),
        kind=data.get("kind") or "",
        kind_label=_kind_label(data.get("kind")),
        state=data.get("state") or "",
        state_label=_state_label(data.get("state")),
        author=history.person(data.get("author")),
        rationale=data.get("rationale"),
        target=history.person(data.get("target")),
        new_home=data.get("new_home") or "",
        base_charter_version=base,
        diff=diff,
        proposed=proposed_text,
        dates=[(label, history.when(data.get(key))) for key, label in PROPOSAL_DATES],
        rule=rule,
        method_label=method_label,
        tally=history.tally(data.get("tally")),
        quorum_percent=decision.get("quorum_percent") if isinstance(decision, dict) else None,
        result_reason=data.get("result_reason") or "",
        count=count,
        secret=bool(data.get("secret")),
        ballots=ballots,
        thread=data.get("thread"),
        charter_made=made[0] if made else None,
        amendments=[
            {
                "author": history.person(a.get("author")),
                "state": a.get("state") or "",
                "reason": a.get("reason"),
                "decline_reason": a.get("decline_reason") or "",
                "created_at": history.when(a.get("created_at")),
            }
            for a in data.get("amendments") or ()
            if isinstance(a, dict)
        ],
    )


@dataclass
class ImportedVote:
    voter: history.Person | None
    choice: str
    choice_label: str
    reason: str | None
    cast_at: object


def history_votes(source: ImportedCommunity, proposal: int, page_number) -> Page:
    """A page of the votes the archive holds for one proposal (as its page showed them
    there), in the order cast, read by their range of numbers (``record_spans``)."""
    span = record_spans(source, VOTES, "proposal").get(proposal)
    records = _records(source, VOTES).none()
    if span is not None:
        records = _records(source, VOTES).filter(
            number__gte=span.first, number__lte=span.last, data__proposal=proposal
        )
    page = Paginator(records.order_by("number"), VOTES_PER_PAGE).get_page(page_number)
    choices = dict(Vote.Choice.choices)
    page.object_list = [
        ImportedVote(
            voter=history.person(r.data.get("voter")),
            choice=r.data.get("choice") or "",
            choice_label=str(choices.get(r.data.get("choice"), r.data.get("choice") or "")),
            reason=r.data.get("reason"),
            cast_at=history.when(r.data.get("cast_at")),
        )
        for r in page.object_list
    ]
    return page
