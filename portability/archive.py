"""A community's archive: writing it (``build_archive``) and reading it back, checked
(``read_archive``). The format, and what it leaves out on purpose, is docs/archive-format.md;
its JSON Schema is portability/schema/.

Privacy is decided here, record by record, and only here: a person appears by public name
only; hidden, taken-down and author-deleted posts keep their place without their text;
a member who deleted their account leaves nothing of theirs but anonymous counts.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

from django.contrib.auth import get_user_model
from django.utils import timezone

from community.models import Community, ModerationState, Post, Thread
from core.links import absolute_url
from core.markdown import find_mentions
from core.names import name_keys
from engagement.models import EngagementSnapshot
from engagement.snapshots import FIGURE_FIELDS
from members.usernames import ANONYMISED_PREFIX
from moderation.models import ModerationAction
from portability import keys, schema
from portability.models import ImportedCommunity
from purposes.charter_diff import diff_charters
from purposes.methods.charter import default_methods
from purposes.models import Charter, Proposal, SecretBallot, Vote, rule_labels

FORMAT = "commons-archive"
FORMAT_VERSION = 3
KNOWN_VERSIONS = frozenset({1, 2, 3})
# What version 2 added (docs/archive-format.md, "Versions"): fields every record of the
# kind has from version 2 on and never had before, and the proposal kind "move".
V2_FIELDS = {"community": ("moved_to", "moved_at"), "proposal": ("new_home",)}
# What version 3 added: the charter's decision methods and whether declined amendments
# may be put to the vote became rules (in every charter record's ``rules``).
V3_RULES = ("methods", "amendments_to_vote")
# Each part and the schema its records follow, in the order the manifest lists them.
PARTS = {
    "community.jsonl": "community",
    "charters.jsonl": "charter",
    "threads.jsonl": "thread",
    "posts.jsonl": "post",
    "proposals.jsonl": "proposal",
    "votes.jsonl": "vote",
    "moderation_log.jsonl": "moderation_entry",
    "health.jsonl": "health_snapshot",
    "lineage.jsonl": "lineage",
}
MANIFEST = "manifest.json"
MAX_ARCHIVE_BYTES = 1 << 30
MAX_PART_BYTES = 4 << 30
MAX_MANIFEST_BYTES = 1 << 20
DELETED_MEMBER = "deleted member"
# The fixed time of every zip entry: the same history gives the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# An @mention as core.markdown finds it (not glued to a word, an address or a path).
_MENTION = r"(?<![\w@./+-])@{name}(?![A-Za-z0-9_+-])"
# Text no Commons instance writes (core.text drops it from all that people type) and
# PostgreSQL cannot store: a NUL, or half a surrogate pair. In an archive's JSON it can
# only be escaped (\u0000, \ud800 to \udfff); a valid pair is read as one character.
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class ArchiveError(ValueError):
    """An archive refused: the message says what is wrong, for the person who gave it."""


@dataclass(frozen=True)
class Archive:
    """A verified archive: its manifest, the records of each part, its file's SHA-256."""

    manifest: dict
    parts: dict[str, list[dict]]
    sha256: str

    @property
    def slug(self) -> str:
        return self.manifest["community"]["slug"]

    def records(self, part: str) -> list[dict]:
        return self.parts[part]


# --- Writing ------------------------------------------------------------------------------


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value.isoformat()


def is_deleted_member(user) -> bool:
    """An account its owner deleted (members.account_data.do_delete_account): inactive and
    renamed into the reserved ``deleted-`` space. A locked account is inactive but keeps
    its name, and stays credited."""
    return not user.is_active and user.username.startswith(ANONYMISED_PREFIX)


class _People:
    """Public names, and the scrubbing of deleted members' names out of others' text."""

    def __init__(self):
        deleted = get_user_model().objects.filter(
            is_active=False, username__startswith=ANONYMISED_PREFIX
        )
        self.deleted_keys = set(deleted.values_list("name_key", flat=True)) - {""}

    def name(self, user) -> str | None:
        if user is None:
            return None
        return DELETED_MEMBER if is_deleted_member(user) else user.shown_name

    def scrub(self, text: str) -> str:
        """``text`` with every @mention of a deleted member made ``@deleted member``: their
        old name is gone from the database, but its look-alike key stays on the account."""
        if not self.deleted_keys or "@" not in text:
            return text
        for mentioned in find_mentions(text):
            if name_keys(mentioned)[0] in self.deleted_keys:
                pattern = _MENTION.format(name=re.escape(mentioned))
                text = re.sub(pattern, f"@{DELETED_MEMBER}", text)
        return text

    def text_of(self, user, text: str) -> str | None:
        """Free text written by ``user``: withheld (None) if they deleted their account."""
        return None if user is not None and is_deleted_member(user) else self.scrub(text)


def _tally(proposal: Proposal | None) -> dict | None:
    tally = proposal.tally() if proposal is not None else None
    if tally is None:
        return None
    return {
        "for": tally.for_count,
        "against": tally.against_count,
        "abstain": tally.abstain_count,
        "electorate": tally.electorate_size,
        "active_electorate": tally.active_electorate_size,
    }


def _diff(diff) -> dict:
    def spans(items):
        return [{"op": s.op, "text": s.text} for s in items]

    return {
        "purpose": spans(diff.purpose),
        "goals": [
            {
                "op": g.op,
                "old": g.old,
                "new": g.new,
                "words": spans(g.words) if g.words is not None else None,
            }
            for g in diff.goals
        ],
        "rules": [{"field": r.field, "old": r.old, "new": r.new} for r in diff.rules],
    }


def _community_record(community: Community) -> dict:
    return {
        "slug": community.slug,
        "name": community.name,
        "tagline": community.tagline,
        "visibility": community.visibility,
        "state": community.state,
        "created_at": _iso(community.created_at),
        "activated_at": _iso(community.activated_at),
        "dissolved_at": _iso(community.dissolved_at),
        "charter_version": community.charter.version if community.charter_id else None,
        "moved_to": community.moved_to or None,
        "moved_at": _iso(community.moved_at),
    }


def _proposals(community: Community) -> list[Proposal]:
    """Every proposal but drafts (only their author has seen one), oldest first."""
    return list(
        Proposal.objects.filter(community=community)
        .exclude(state=Proposal.State.DRAFT)
        .select_related("author", "base_charter", "target__user")
        .prefetch_related("options", "amendments__author")
        .order_by("created_at", "pk")
    )


def _charter_records(community, people: _People, proposal_ids: dict[int, int]) -> list[dict]:
    versions = (
        Charter.objects.filter(community=community)
        .select_related("author", "proposal")
        .order_by("version")
    )
    labels, previous, records = rule_labels(), None, []
    for charter in versions:
        diff = diff_charters(previous.text() if previous else None, charter.text(), labels)
        records.append(
            {
                "version": charter.version,
                # The community's text, adopted by its vote or its founders: kept whoever
                # wrote it; a deleted member is credited as one.
                "purpose": people.scrub(charter.purpose),
                "goals": [people.scrub(goal) for goal in charter.goals],
                "rules": charter.rules(),
                "author": people.name(charter.author),
                "created_at": _iso(charter.created_at),
                "proposal": proposal_ids.get(charter.proposal_id),
                "changes_purpose": charter.changes_purpose,
                "tally": _tally(charter.proposal),
                "diff": _diff(diff),
            }
        )
        previous = charter
    return records


def _thread_records(threads: list[Thread], people: _People) -> list[dict]:
    return [
        {
            "id": number,
            "title": people.text_of(thread.author, thread.title),
            "author": people.name(thread.author),
            "goal": thread.goal,
            "created_at": _iso(thread.created_at),
            "last_activity_at": _iso(thread.last_activity_at),
        }
        for number, thread in enumerate(threads, 1)
    ]


def _withheld(post: Post) -> str | None:
    """Why the post's text is not in the archive, or None when it is."""
    if is_deleted_member(post.author):
        return "deleted_member"
    if post.moderation_state == ModerationState.TAKEN_DOWN:
        return "taken_down"
    if post.moderation_state in (ModerationState.HIDDEN, ModerationState.KEPT_HIDDEN):
        return "hidden"
    if post.deleted_at is not None:
        return "deleted_by_author"
    return None


def _post_records(community, thread_ids: dict[int, int], people: _People, post_ids: dict):
    posts = (
        Post.objects.filter(thread__community=community)
        .select_related("author")
        .order_by("thread__created_at", "thread_id", "path")
        .iterator(chunk_size=2000)
    )
    records = []
    for number, post in enumerate(posts, 1):
        post_ids[post.pk] = number
        withheld = _withheld(post)
        records.append(
            {
                "id": number,
                "thread": thread_ids[post.thread_id],
                "parent": post_ids.get(post.parent_id),
                "depth": post.depth,
                "author": people.name(post.author),
                "body": None if withheld else people.scrub(post.body),
                "withheld": withheld,
                "moderation_state": post.moderation_state,
                "moderation_reason": post.moderation_reason,
                "created_at": _iso(post.created_at),
                "edited_at": _iso(post.edited_at),
            }
        )
    return records


def _published_ballots(proposals) -> dict[int, list[dict]]:
    """The published ballots of the closed secret votes, without voters (one query)."""
    closed = [p.pk for p in proposals if p.secret and p.is_closed]
    published: dict[int, list[dict]] = {}
    rows = SecretBallot.objects.filter(proposal__in=closed).exclude(choice="")
    for b in rows.order_by("proposal", "id") if closed else ():
        published.setdefault(b.proposal_id, []).append(
            {"id": str(b.id), "choice": b.choice, "content": b.ballot}
        )
    return published


def _proposal_records(proposals, people: _People, thread_ids: dict[int, int]) -> list[dict]:
    records = []
    published = _published_ballots(proposals)
    for number, p in enumerate(proposals, 1):
        proposed = None
        if p.is_charter_change:
            proposed = {"purpose": p.purpose, "goals": list(p.goals), "rules": dict(p.rules)}
        rule = None
        if p.quorum_percent is not None and p.threshold:
            rule = {"quorum_percent": p.quorum_percent, "threshold": p.threshold}
        records.append(
            {
                "id": number,
                "kind": p.kind,
                "state": p.state,
                "title": people.text_of(p.author, p.title),
                "rationale": people.text_of(p.author, p.rationale),
                "author": people.name(p.author),
                "base_charter_version": p.base_charter.version,
                "proposed": proposed,
                "target": people.name(p.target.user) if p.target_id else None,
                "new_home": p.new_home or None,
                "created_at": _iso(p.created_at),
                "submitted_at": _iso(p.submitted_at),
                "discussion_started_at": _iso(p.discussion_started_at),
                "voting_started_at": _iso(p.voting_started_at),
                "voting_ends_at": _iso(p.voting_ends_at),
                "closed_at": _iso(p.closed_at),
                "applied_at": _iso(p.applied_at),
                "withdrawn_at": _iso(p.withdrawn_at),
                "decision_rule": rule,
                "tally": _tally(p),
                "result_reason": p.result_reason,
                "thread": thread_ids.get(p.thread_id),
                "method": p.method or None,
                "tie_seed": p.tie_seed or None,
                "result": p.result or None,
                "secret": p.secret,
                "ballots": published.get(p.pk, []),
                "options": [
                    {
                        "id": option.option_id,
                        "purpose": option.purpose,
                        "goals": option.goals,
                        "rules": option.rules,
                    }
                    for option in sorted(p.options.all(), key=lambda o: o.position)
                ],
                "amendments": _amendment_records(p, people),
            }
        )
    return records


def _amendment_records(proposal: Proposal, people: _People) -> list[dict]:
    """A proposal's amendments, oldest first: who proposed each, why, the whole text it
    proposed and the text it was written against, and what became of it (the decline's
    reason; the option of the vote it became, if its author put it to the vote)."""
    options = {o.amendment_id: o.option_id for o in proposal.options.all() if o.amendment_id}
    return [
        {
            "author": people.name(a.author),
            "state": a.state,
            "reason": people.text_of(a.author, a.reason),
            "proposed": {"purpose": a.purpose, "goals": list(a.goals), "rules": dict(a.rules)},
            "against": a.against,
            "created_at": _iso(a.created_at),
            "decided_at": _iso(a.decided_at),
            "decline_reason": people.text_of(proposal.author, a.decline_reason) or None,
            "option": options.get(a.pk),
        }
        for a in sorted(proposal.amendments.all(), key=lambda a: (a.created_at, a.pk))
    ]


def _vote_records(proposals, people: _People) -> list[dict]:
    """The live votes as the proposal page shows them (purposes.selectors.vote_reasons_page):
    every one with its choice once the proposal is closed; before, only those given with a
    reason, and without the choice."""
    numbers = {p.pk: n for n, p in enumerate(proposals, 1)}
    closed = {p.pk for p in proposals if p.is_closed}
    votes = (
        Vote.objects.filter(proposal__in=list(numbers), superseded_at__isnull=True)
        .select_related("user")
        .order_by("cast_at", "pk")
    )
    records = []
    for vote in votes:
        is_closed = vote.proposal_id in closed
        if not is_closed and not vote.reason:
            continue
        records.append(
            {
                "proposal": numbers[vote.proposal_id],
                "voter": people.name(vote.user),
                "choice": vote.choice if is_closed else None,
                "reason": people.text_of(vote.user, vote.reason) if vote.reason else None,
                "cast_at": _iso(vote.cast_at),
                "ballot": vote.ballot if is_closed and vote.ballot is not None else None,
                "withdrawn_at": _iso(vote.withdrawn_at),
            }
        )
    records.sort(key=lambda r: r["proposal"])  # stable: in the order cast within each
    return records


def _log_records(community, people: _People, post_ids: dict[int, int]) -> list[dict]:
    entries = (
        ModerationAction.objects.filter(community=community)
        .select_related("actor", "member")
        .order_by("created_at", "pk")
    )
    return [
        {
            "kind": entry.kind,
            "actor": people.name(entry.actor),
            "member": people.name(entry.member),
            "post": post_ids.get(entry.post_id),
            "reason": people.text_of(entry.actor, entry.reason),
            "until": _iso(entry.until),
            "created_at": _iso(entry.created_at),
        }
        for entry in entries
    ]


def _health_records(community) -> list[dict]:
    snapshots = EngagementSnapshot.objects.filter(community=community).order_by("day")
    return [
        {"day": _iso(s.day)} | {name: getattr(s, name) for name in FIGURE_FIELDS} for s in snapshots
    ]


def _lineage_records(community) -> list[dict]:
    def record(relation, other):
        return {
            "relation": relation,
            "slug": other.slug,
            "name": other.name,
            "created_at": _iso(other.created_at),
        }

    records = [record("parent", community.parent)] if community.parent_id else []
    offshoots = Community.objects.filter(parent=community).order_by("created_at", "pk")
    return records + [record("offshoot", child) for child in offshoots]


def archive_records(community: Community) -> dict[str, list[dict]]:
    """Every record of the community's archive, part by part (see the module docstring)."""
    people = _People()
    threads = list(
        Thread.objects.filter(community=community)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    thread_ids = {thread.pk: n for n, thread in enumerate(threads, 1)}
    proposals = _proposals(community)
    proposal_ids = {p.pk: n for n, p in enumerate(proposals, 1)}
    post_ids: dict[int, int] = {}
    posts = _post_records(community, thread_ids, people, post_ids)
    local = {
        "community.jsonl": [_community_record(community)],
        "charters.jsonl": _charter_records(community, people, proposal_ids),
        "threads.jsonl": _thread_records(threads, people),
        "posts.jsonl": posts,
        "proposals.jsonl": _proposal_records(proposals, people, thread_ids),
        "votes.jsonl": _vote_records(proposals, people),
        "moderation_log.jsonl": _log_records(community, people, post_ids),
        "health.jsonl": _health_records(community),
        "lineage.jsonl": _lineage_records(community),
    }
    source = ImportedCommunity.objects.filter(community=community).first()
    return local if source is None else _after_imported_history(source, local)


# Each part's fields that hold an archive id, and the part the id numbers.
_REFERENCES = {
    "charters.jsonl": {"proposal": "proposals.jsonl"},
    "threads.jsonl": {"id": "threads.jsonl"},
    "posts.jsonl": {"id": "posts.jsonl", "thread": "threads.jsonl", "parent": "posts.jsonl"},
    "proposals.jsonl": {"id": "proposals.jsonl", "thread": "threads.jsonl"},
    "votes.jsonl": {"proposal": "proposals.jsonl"},
    "moderation_log.jsonl": {"post": "posts.jsonl"},
}


def _after_imported_history(source: ImportedCommunity, local: dict) -> dict[str, list[dict]]:
    """An imported community's records: the history it brought (as the archive held it),
    then what happened here, its archive ids numbered on after the imported ones. Its
    founding charter here repeats the last imported version, so only later ones follow."""
    imported: dict[str, list[dict]] = {name: [] for name in PARTS}
    for record in source.records.order_by("part", "number").iterator(chunk_size=2000):
        imported[record.part].append(record.data)
    offsets = {name: len(records) for name, records in imported.items()}

    for record in imported["proposals.jsonl"]:
        record.setdefault("new_home", None)  # imported from a version 1 archive
    for record in imported["charters.jsonl"]:
        # Imported from a version 1 or 2 archive: the rules it decided by were the defaults.
        record["rules"].setdefault("methods", default_methods())
        record["rules"].setdefault("amendments_to_vote", False)

    def shifted(part: str, record: dict) -> dict:
        moved = dict(record)
        for field, numbered in _REFERENCES.get(part, {}).items():
            if moved[field] is not None:
                moved[field] += offsets[numbered]
        return moved

    last_version = max((c["version"] for c in imported["charters.jsonl"]), default=0)
    merged = {"community.jsonl": local["community.jsonl"]}
    for part in PARTS:
        if part == "community.jsonl":
            continue
        later = local[part]
        if part == "charters.jsonl":
            later = [c for c in later if c["version"] > last_version]
        merged[part] = imported[part] + [shifted(part, record) for record in later]
    return merged


def _jsonl(records: list[dict]) -> bytes:
    lines = (
        json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False) for r in records
    )
    return "".join(f"{line}\n" for line in lines).encode()


def _zip_entry(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def build_archive(community: Community, *, now: datetime | None = None) -> bytes:
    """The community's archive as the bytes of a zip file (docs/archive-format.md). Reads
    only; holds nothing private (see ``archive_records``)."""
    records = archive_records(community)
    parts = {name: _jsonl(records[name]) for name in PARTS}
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": _iso(now or timezone.now()),
        "source_url": absolute_url(community.get_absolute_url()),
        "community": {"slug": community.slug, "name": community.name},
        # Verifies the claim tokens this instance sends former members (docs, "Claim tokens").
        "claim_key": {"algorithm": keys.ALGORITHM, "public_key": keys.public_key(community.pk)},
        "parts": [
            {
                "name": name,
                "sha256": hashlib.sha256(data).hexdigest(),
                "records": len(records[name]),
                "bytes": len(data),
            }
            for name, data in parts.items()
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _zip_entry(archive, MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
        for name, data in parts.items():
            _zip_entry(archive, name, data)
    return buffer.getvalue()


# --- Reading ------------------------------------------------------------------------------


def _read_bytes(source: str | os.PathLike | bytes | BinaryIO, max_bytes: int) -> bytes:
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise ArchiveError(f"There is no file at {path}.")
        if path.stat().st_size > max_bytes:
            raise ArchiveError(
                f"The archive is {path.stat().st_size} bytes; at most {max_bytes} are accepted."
            )
        data = path.read_bytes()
    else:
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ArchiveError(f"The archive is larger than the {max_bytes} bytes accepted.")
    return data


def _read_entry(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise ArchiveError(f"{name} says it unpacks to {info.file_size} bytes; at most {limit}.")
    with archive.open(info) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise ArchiveError(f"{name} unpacks to more than {limit} bytes.")
    return data


def _check_manifest(manifest) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"This is not a Commons community archive ({MANIFEST} is not one).")
    version = manifest.get("format_version")
    if version not in KNOWN_VERSIONS:
        known = ", ".join(str(v) for v in sorted(KNOWN_VERSIONS))
        raise ArchiveError(
            f"The archive is in format version {version!r}, which this instance does not "
            f"know (it reads version {known}). Nothing was read."
        )
    problems = schema.errors(manifest, "manifest")
    if problems:
        raise ArchiveError(f"{MANIFEST} is malformed: {'; '.join(problems)}")
    names = [part["name"] for part in manifest["parts"]]
    if sorted(names) != sorted(PARTS):
        missing, extra = set(PARTS) - set(names), [n for n in names if names.count(n) > 1]
        raise ArchiveError(
            f"{MANIFEST} must list each part once: missing {sorted(missing) or 'none'}, "
            f"repeated {sorted(set(extra)) or 'none'}."
        )


def _check_version_fields(name: str, number: int, record: dict, kind: str, version: int) -> None:
    """Version 2's fields are in every record of a version 2 archive, and in none of a
    version 1 archive (nor its proposal kind "move"): a record is read as its version."""
    if kind == "charter":
        present = [rule for rule in V3_RULES if rule in record["rules"]]
        if version >= 3 and len(present) < len(V3_RULES):
            missing = [rule for rule in V3_RULES if rule not in present]
            raise ArchiveError(
                f"{name} line {number}: rules missing {', '.join(missing)} "
                f"(format version {version})."
            )
        if version < 3 and present:
            raise ArchiveError(
                f"{name} line {number}: rules {', '.join(present)} is not in format "
                f"version {version}."
            )
    fields = V2_FIELDS.get(kind, ())
    if version >= 2:
        missing = [field for field in fields if field not in record]
        if missing:
            raise ArchiveError(
                f"{name} line {number}: missing {', '.join(missing)} (format version {version})."
            )
        return
    extra = [field for field in fields if field in record]
    if kind == "proposal" and record.get("kind") == "move":
        extra.append("kind “move”")
    if extra:
        raise ArchiveError(
            f"{name} line {number}: {', '.join(extra)} is not in format version {version}."
        )


def _holds_unstorable(value) -> bool:
    """Whether a NUL or half a surrogate pair is in any text of ``value`` (keys too)."""
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(_holds_unstorable(k) or _holds_unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_unstorable(item) for item in value)
    return False


def _check_storable(where: str, value, raw: str | None = None) -> None:
    """Refuse text this instance could not keep: on PostgreSQL the import would fail at
    the database (a 500) where SQLite took it. ``raw``, the record's JSON line (strict
    UTF-8, so such text is escaped in it), is searched first: a record without any such
    escape is not walked."""
    if raw is not None and not _UNSTORABLE_ESCAPE.search(raw):
        return
    if _holds_unstorable(value):
        raise ArchiveError(
            f"{where} holds a NUL or half a surrogate pair in its text, which no Commons "
            "instance writes and this one cannot store."
        )


def _parse_part(name: str, data: bytes, declared: dict, version: int) -> list[dict]:
    if len(data) != declared["bytes"] or hashlib.sha256(data).hexdigest() != declared["sha256"]:
        raise ArchiveError(
            f"{name} does not match the SHA-256 in the manifest: the archive was changed or "
            "damaged after it was made."
        )
    try:
        # JSON Lines: records end at "\n" only. JSON strings may hold U+2028 and other
        # characters that str.splitlines() would also break at.
        lines = data.decode().removesuffix("\n").split("\n") if data else []
    except UnicodeDecodeError:
        raise ArchiveError(f"{name} is not UTF-8 text.") from None
    if len(lines) != declared["records"]:
        raise ArchiveError(
            f"{name} holds {len(lines)} records; the manifest says {declared['records']}."
        )
    kind, records = PARTS[name], []
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except ValueError:
            raise ArchiveError(f"{name} line {number} is not JSON.") from None
        problems = schema.errors(record, kind)
        if problems:
            raise ArchiveError(f"{name} line {number}: {'; '.join(problems)}")
        _check_version_fields(name, number, record, kind, version)
        _check_storable(f"{name} line {number}", record, line)
        records.append(record)
    return records


def read_archive(
    source: str | os.PathLike | bytes | BinaryIO,
    *,
    max_bytes: int = MAX_ARCHIVE_BYTES,
    max_part_bytes: int = MAX_PART_BYTES,
) -> Archive:
    """The archive in ``source`` (a path, the bytes, or an open binary file), verified as
    docs/archive-format.md says ("Reading an archive"), or ``ArchiveError`` saying why
    not. Reads only."""
    data = _read_bytes(source, max_bytes)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.namelist()
            if MANIFEST not in entries:
                raise ArchiveError(f"The archive has no {MANIFEST}: it is not a Commons archive.")
            try:
                manifest = json.loads(_read_entry(archive, MANIFEST, MAX_MANIFEST_BYTES))
            except ValueError:
                raise ArchiveError(f"{MANIFEST} is not JSON.") from None
            _check_manifest(manifest)
            _check_storable(MANIFEST, manifest)
            unexpected = sorted(set(entries) - set(PARTS) - {MANIFEST})
            if unexpected or len(entries) != len(set(entries)):
                raise ArchiveError(f"The archive holds entries the format does not: {unexpected}")
            declared = {part["name"]: part for part in manifest["parts"]}
            parts = {}
            for name in PARTS:
                if name not in entries:
                    raise ArchiveError(f"The archive lacks {name}, which its manifest lists.")
                raw = _read_entry(archive, name, max_part_bytes)
                parts[name] = _parse_part(name, raw, declared[name], manifest["format_version"])
    except (zipfile.BadZipFile, zlib.error, EOFError):
        raise ArchiveError(
            "The file is not a complete zip archive (truncated or damaged)."
        ) from None
    _check_community(manifest, parts["community.jsonl"])
    return Archive(manifest=manifest, parts=parts, sha256=hashlib.sha256(data).hexdigest())


def _check_community(manifest: dict, records: list[dict]) -> None:
    if len(records) != 1:
        raise ArchiveError("community.jsonl must hold exactly one record.")
    record = records[0]
    if (record["slug"], record["name"]) != (
        manifest["community"]["slug"],
        manifest["community"]["name"],
    ):
        raise ArchiveError("community.jsonl names another community than the manifest.")
