"""Writes of the purposes app: charters, proposals, seconds, votes, and the sweep that moves
proposals through their lifecycle (issue 5).

``check_*`` functions authorise the actor and validate input, then call ``do_*``, which
trust their caller. The sweep (``do_sweep``, run every minute by Celery beat) calls the
``do_*`` steps directly. Every step that changes a proposal's state takes a row lock on it
(``select_for_update``) and re-checks the state inside one transaction, so two sweeps, a
re-delivered message or a worker killed half-way never apply anything twice or half.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.actions import do_create_thread
from community.models import Community, Post, Thread
from members.models import Membership, User
from members.permissions import current_membership
from members.standing import do_end_moderator_term, do_grant_moderator, do_remove_member
from moderation.log import do_log as do_log_moderation
from moderation.models import ModerationAction
from notifications.actions import do_notify, do_notify_many
from notifications.models import Notification
from purposes.charter_diff import CharterText, diff_charters
from purposes.founding import check_found_community
from purposes.models import (
    Charter,
    ElectorateMember,
    OffshootDigest,
    Proposal,
    ProposalRevision,
    Second,
    Vote,
    rule_labels,
)
from purposes.selectors import live_seconds, not_yet_reaffirmed
from purposes.signals import close_step
from purposes.tally import Outcome, Tally, decide

logger = logging.getLogger(__name__)
ACTIVE_WINDOW = timedelta(days=90)
# A member may draft this many proposals a day, re-drafts and offshoots included (R5: a
# lone member cannot flood the community); counted from the database, so every web
# process agrees.
PROPOSALS_PER_DAY = 5
# Offshoots of one community founded on one day are told to its members in one digest;
# a digest job that missed days (a worker down) catches up this far back.
OFFSHOOT_DIGEST_CATCH_UP_DAYS = 7
REMINDER_BEFORE_CLOSE = timedelta(hours=24)
# Members are told a proposal seeks seconds again after a reset at most this often.
RESEEK_NOTICE_EVERY = timedelta(days=1)
MAX_REASON_CHARS = 500
State = Proposal.State
Kind = Proposal.Kind


class ProposalError(ValidationError):
    """Bad input or a step the actor may not take; the message is shown as it is."""


def _member_or_error(user: User, community: Community, message: str) -> Membership:
    membership = current_membership(user, community)
    if membership is None:
        raise ProposalError(message)
    return membership


def _taking_part_or_error(
    user: User, community: Community, *, not_member: str, suspended: str
) -> Membership:
    """A current member who is not suspended: proposing, seconding and changing a
    proposal's text take part in the community as much as writing a post does."""
    membership = _member_or_error(user, community, not_member)
    if membership.is_suspended:
        raise ProposalError(suspended)
    return membership


def _proposer_or_error(actor: User, proposal: Proposal, message: str) -> None:
    """The proposer, still taking part (withdrawing needs only to be the proposer)."""
    if actor.pk != proposal.author_id:
        raise ProposalError(message)
    _taking_part_or_error(
        actor,
        proposal.community,
        not_member=_("Only members may change a proposal; you have left."),
        suspended=_("You cannot change a proposal while suspended."),
    )


def _within_daily_limit_or_error(actor: User, now: datetime) -> None:
    """Refuse a sixth draft, re-draft or offshoot within 24 hours. Call inside the
    transaction that creates it: the user's row lock makes two requests at once count
    one after the other."""
    User.objects.select_for_update().filter(pk=actor.pk).first()
    since = now - timedelta(days=1)
    drafted = Proposal.objects.filter(author=actor, created_at__gte=since).count()
    offshoots = Community.objects.filter(
        parent__isnull=False,
        created_at__gte=since,
        charters__version=1,
        charters__author=actor,
    ).count()
    if drafted + offshoots >= PROPOSALS_PER_DAY:
        raise ProposalError(
            _(
                "You have drafted %(n)s proposals or new communities today; wait until "
                "tomorrow for the next one."
            )
            % {"n": PROPOSALS_PER_DAY}
        )


def _lock(proposal_id: int) -> Proposal:
    return Proposal.objects.select_for_update().select_related("community").get(pk=proposal_id)


# --- Drafting -----------------------------------------------------------------------------


def touched_fields(proposal: Proposal) -> frozenset[str]:
    """The charter fields a charter proposal changes, relative to the version it was
    drafted against."""
    if not proposal.is_charter_change:
        return frozenset()
    return diff_charters(
        proposal.base_charter.text(), proposal.proposed_text(), rule_labels()
    ).touched_fields


def _validate_text(*, kind: str, title: str, rationale: str) -> None:
    if kind not in Kind.values:
        raise ProposalError(_("Choose what kind of change you propose."))
    if not title.strip():
        raise ProposalError(_("Give the proposal a title."))
    if not rationale.strip():
        raise ProposalError(_("Say why you propose it."))


def _validate_target(*, actor: User, community: Community, kind: str, target) -> None:
    if kind not in Proposal.TARGET_KINDS:
        return
    if target is None or target.community_id != community.pk or target.left_at is not None:
        raise ProposalError(_("Choose a current member of this community."))
    if kind == Kind.REMOVE_MEMBER and target.user_id == actor.pk:
        raise ProposalError(_("You cannot propose to remove yourself; you can leave instead."))
    if kind == Kind.RECALL_MODERATOR and not target.is_moderator:
        raise ProposalError(_("That member is not a moderator."))
    if kind == Kind.ELECT_MODERATOR and target.is_moderator:
        raise ProposalError(_("That member is already a moderator."))


def check_create_proposal(
    *,
    actor: User,
    community: Community,
    kind: str,
    title: str,
    rationale: str,
    proposed: CharterText | None = None,
    target: Membership | None = None,
) -> Proposal:
    """A draft proposal by a current, unsuspended member of a live community."""
    _taking_part_or_error(
        actor,
        community,
        not_member=_("Only members may propose a change."),
        suspended=_("You cannot propose while suspended."),
    )
    if not community.is_active:
        raise ProposalError(_("Only an active community takes proposals."))
    _validate_text(kind=kind, title=title, rationale=rationale)
    _validate_target(actor=actor, community=community, kind=kind, target=target)
    base = community.charter
    if kind in Proposal.CHARTER_KINDS and (
        proposed is None or diff_charters(base.text(), proposed, rule_labels()).is_empty
    ):
        raise ProposalError(_("The proposal changes nothing in the charter yet."))
    with transaction.atomic():
        _within_daily_limit_or_error(actor, timezone.now())
        return do_create_proposal(
            author=actor,
            community=community,
            kind=kind,
            title=title.strip(),
            rationale=rationale.strip(),
            proposed=proposed or base.text(),
            target=target,
        )


def do_create_proposal(
    *,
    author: User,
    community: Community,
    kind: str,
    title: str,
    rationale: str,
    proposed: CharterText,
    target: Membership | None = None,
) -> Proposal:
    proposal = Proposal.objects.create(
        community=community,
        kind=kind,
        title=title,
        rationale=rationale,
        author=author,
        base_charter=community.charter,
        purpose=proposed.purpose,
        goals=list(proposed.goals),
        rules=dict(proposed.rules),
        target=target,
    )
    if kind == Kind.ELECT_MODERATOR and target is not None:
        do_notify(
            recipients=[target.user],
            kind=Notification.Kind.PROPOSAL,
            text=_("%(name)s nominated you as a moderator of %(community)s. Accept or decline.")
            % {"name": author.shown_name, "community": community.name},
            url=proposal.get_absolute_url(),
            community=community,
            actor=author,
        )
    return proposal


def _record_revision(
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


def _withdraw_seconds(*, proposal: Proposal, actor: User, now: datetime) -> None:
    """The text the seconds backed is gone: withdraw them, stop the discussion clock and
    seek seconds again (a locked proposal, inside the caller's transaction). Seconders
    are told, so they can read the new text and second it again if they still back it."""
    live = Second.objects.filter(proposal=proposal, withdrawn_at__isnull=True)
    seconders = list(User.objects.filter(pk__in=live.values("user_id")))
    live.update(withdrawn_at=now)
    proposal.state = State.SEEKING
    proposal.discussion_started_at = proposal.discussion_ends_at = None
    proposal.save(update_fields=["state", "discussion_started_at", "discussion_ends_at"])
    names = ", ".join(user.shown_name for user in seconders)
    _record_revision(
        proposal=proposal,
        author=actor,
        note=(
            _("Changed what it does after it was seconded: the seconds of %(names)s withdrawn")
            % {"names": names}
            if seconders
            else _("Changed what it does after discussion began: discussion restarts")
        ),
        seconds_reset=True,
    )
    do_notify(
        recipients=seconders,
        kind=Notification.Kind.PROPOSAL,
        text=_(
            "%(name)s changed what “%(title)s” does after you seconded it, so your second was "
            "withdrawn. Read the new text and second it again if you still back it."
        )
        % {"name": actor.shown_name, "title": proposal.title},
        url=proposal.get_absolute_url(),
        community=proposal.community,
        actor=actor,
    )
    if proposal.community.charter.seconds_required == 0:
        do_start_discussion(proposal=proposal, now=now, actor=actor)
    elif (
        proposal.reseek_notified_at is None
        or now - proposal.reseek_notified_at >= RESEEK_NOTICE_EVERY
    ):
        do_tell_members_it_seeks_seconds(
            proposal=proposal, again=True, told=[user.pk for user in seconders]
        )
        proposal.reseek_notified_at = now
        proposal.save(update_fields=["reseek_notified_at"])


def do_tell_members_it_seeks_seconds(
    *, proposal: Proposal, again: bool = False, told: list[int] | None = None
) -> int:
    """Tell the community's members, each by their preference for proposals, that a
    proposal needs their seconds (one INSERT … SELECT, whatever the membership's size).
    Not its proposer, nor anyone who cannot second it: a suspended member, the nominee of
    an election, and those in ``told`` (already told otherwise)."""
    community = proposal.community
    needed = community.charter.seconds_required
    audience = (
        Membership.objects.current()
        .filter(community=community)
        .exclude(suspended_until__gt=timezone.now())
        .exclude(user_id__in=told or [])
    )
    if proposal.kind == Kind.ELECT_MODERATOR and proposal.target_id is not None:
        audience = audience.exclude(pk=proposal.target_id)
    values = {"title": proposal.title, "community": community.name, "n": needed}
    if again:
        text = ngettext(
            "“%(title)s” in %(community)s changed what it does and seeks seconds again: it "
            "needs %(n)s second from members before discussion.",
            "“%(title)s” in %(community)s changed what it does and seeks seconds again: it "
            "needs %(n)s seconds from members before discussion.",
            needed,
        )
    else:
        values["name"] = proposal.author.shown_name
        text = ngettext(
            "%(name)s proposes “%(title)s” in %(community)s. It needs %(n)s second from "
            "members before discussion: read it, and second it if you back it.",
            "%(name)s proposes “%(title)s” in %(community)s. It needs %(n)s seconds from "
            "members before discussion: read it, and second it if you back it.",
            needed,
        )
    return do_notify_many(
        recipients=User.objects.filter(pk__in=audience.values("user_id")),
        kind=Notification.Kind.PROPOSAL,
        text=text % values,
        url=proposal.get_absolute_url(),
        community=community,
        actor=proposal.author,
    )


def check_revise_proposal(
    *,
    actor: User,
    proposal: Proposal,
    title: str,
    rationale: str,
    proposed: CharterText | None,
    now: datetime | None = None,
) -> Proposal:
    """The proposer revises the text: while a draft, and during discussion (every
    revision is kept). Not while seeking seconds (seconds back a text), nor once voting
    has opened. In discussion, a change of what the proposal does (its purpose, goals or
    rules) withdraws the seconds: they backed the old change, not this one. Rewording
    the title or the reasons keeps them."""
    now = now or timezone.now()
    _proposer_or_error(actor, proposal, _("Only the proposer may revise the proposal."))
    _validate_text(kind=proposal.kind, title=title, rationale=rationale)
    with transaction.atomic():
        locked = _lock(proposal.pk)
        if locked.state not in (State.DRAFT, State.DISCUSSION):
            raise ProposalError(_("The proposal can be revised only as a draft or in discussion."))
        before = change_of(locked)
        locked.title, locked.rationale = title.strip(), rationale.strip()
        if locked.is_charter_change and proposed is not None:
            if diff_charters(locked.base_charter.text(), proposed, rule_labels()).is_empty:
                raise ProposalError(_("The proposal changes nothing in the charter yet."))
            locked.purpose, locked.goals, locked.rules = (
                proposed.purpose,
                list(proposed.goals),
                dict(proposed.rules),
            )
        locked.save()
        if locked.state == State.DRAFT:
            return locked
        if change_of(locked) != before:
            _withdraw_seconds(proposal=locked, actor=actor, now=now)
        else:
            _record_revision(proposal=locked, author=actor, note=_("Revised in discussion"))
    return locked


def check_rebase_proposal(
    *, actor: User, proposal: Proposal, now: datetime | None = None
) -> Proposal:
    """Re-draft a charter proposal on the charter now in force: the proposer's own changes
    are kept, every other field takes the current version's value. If that changes what
    the proposal does (the new version changed a field it changes too), the seconds it
    had are withdrawn, as for a revision."""
    now = now or timezone.now()
    _proposer_or_error(actor, proposal, _("Only the proposer may rebase the proposal."))
    with transaction.atomic():
        locked = _lock(proposal.pk)
        current = locked.community.charter
        if not locked.is_charter_change or locked.state not in (
            State.DRAFT,
            State.SEEKING,
            State.DISCUSSION,
        ):
            raise ProposalError(_("Only an open charter proposal can be rebased."))
        if locked.base_charter_id == current.pk:
            raise ProposalError(_("The proposal is already drafted on the current charter."))
        merged = _merge(
            current=current.text(), proposed=locked.proposed_text(), fields=touched_fields(locked)
        )
        before = change_of(locked)
        locked.base_charter = current
        locked.purpose, locked.goals, locked.rules = merged.purpose, merged.goals, merged.rules
        locked.save()
        if locked.state == State.DRAFT:
            return locked
        if change_of(locked) != before and (
            locked.state == State.DISCUSSION
            or locked.seconds.filter(withdrawn_at__isnull=True).exists()
        ):
            _withdraw_seconds(proposal=locked, actor=actor, now=now)
        else:
            _record_revision(
                proposal=locked,
                author=actor,
                note=_("Rebased on charter version %(v)s") % {"v": current.version},
            )
    return locked


def check_redraft_proposal(*, actor: User, proposal: Proposal) -> Proposal:
    """A proposal that passed but conflicted with a newer charter: its proposer starts a
    new draft of the same change on the current version."""
    if actor.pk != proposal.author_id or proposal.state != State.CONFLICT:
        raise ProposalError(_("Only the proposer of a conflicting proposal may re-draft it."))
    community = proposal.community
    # A re-draft is a new proposal: the same rules as drafting one.
    _taking_part_or_error(
        actor,
        community,
        not_member=_("Only members may propose a change."),
        suspended=_("You cannot propose while suspended."),
    )
    if not community.is_active:
        raise ProposalError(_("Only an active community takes proposals."))
    merged = _merge(
        current=community.charter.text(),
        proposed=proposal.proposed_text(),
        fields=touched_fields(proposal),
    )
    with transaction.atomic():
        _within_daily_limit_or_error(actor, timezone.now())
        return do_create_proposal(
            author=actor,
            community=community,
            kind=proposal.kind,
            title=proposal.title,
            rationale=proposal.rationale,
            proposed=merged,
        )


def _merge(*, current: CharterText, proposed: CharterText, fields: frozenset[str]) -> CharterText:
    rules = dict(current.rules)
    rules.update({name: proposed.rules[name] for name in fields if name in proposed.rules})
    return CharterText(
        purpose=proposed.purpose if "purpose" in fields else current.purpose,
        goals=list(proposed.goals if "goals" in fields else current.goals),
        rules=rules,
    )


# --- Seconds and discussion ---------------------------------------------------------------


def _nominee_current_or_error(proposal: Proposal) -> None:
    """The nomination names one membership: once it ended (even if its user joined again),
    the acceptance and the proposal concern someone who is no longer there."""
    if proposal.target_id is not None and (
        Membership.objects.filter(pk=proposal.target_id, left_at__isnull=True).first() is None
    ):
        raise ProposalError(
            _("The member this proposal concerns is no longer a member; withdraw it.")
        )


def check_accept_nomination(*, actor: User, proposal: Proposal) -> Proposal:
    if proposal.kind != Kind.ELECT_MODERATOR or proposal.target.user_id != actor.pk:
        raise ProposalError(_("Only the nominee may accept this nomination."))
    with transaction.atomic():
        locked = _lock(proposal.pk)
        if locked.state != State.DRAFT or locked.nominee_accepted_at is not None:
            raise ProposalError(_("The nomination is no longer waiting for you."))
        _nominee_current_or_error(locked)
        locked.nominee_accepted_at = timezone.now()
        locked.save(update_fields=["nominee_accepted_at"])
    return locked


def check_submit_proposal(*, actor: User, proposal: Proposal, now: datetime | None = None):
    """The proposer sends a draft out to seek seconds (an election only once the nominee
    has accepted)."""
    now = now or timezone.now()
    if actor.pk != proposal.author_id:
        raise ProposalError(_("Only the proposer may submit the proposal."))
    _taking_part_or_error(
        actor,
        proposal.community,
        not_member=_("Only members may propose a change."),
        suspended=_("You cannot submit a proposal while suspended."),
    )
    with transaction.atomic():
        locked = _lock(proposal.pk)
        if locked.state != State.DRAFT:
            raise ProposalError(_("The proposal has already been submitted."))
        if locked.needs_nominee:
            raise ProposalError(_("The nominee has not accepted yet."))
        _nominee_current_or_error(locked)
        locked.state = State.SEEKING
        locked.submitted_at = now
        locked.save(update_fields=["state", "submitted_at"])
        _record_revision(proposal=locked, author=actor, note=_("Submitted"))
        if locked.community.charter.seconds_required == 0:
            do_start_discussion(proposal=locked, now=now, actor=actor)
        else:
            do_tell_members_it_seeks_seconds(proposal=locked)
    return locked


def check_second_proposal(*, actor: User, proposal: Proposal, now: datetime | None = None):
    now = now or timezone.now()
    _taking_part_or_error(
        actor,
        proposal.community,
        not_member=_("Only members may second a proposal."),
        suspended=_("You cannot second while suspended."),
    )
    if actor.pk == proposal.author_id:
        raise ProposalError(_("You cannot second your own proposal."))
    if proposal.kind == Kind.ELECT_MODERATOR and proposal.target.user_id == actor.pk:
        raise ProposalError(_("You cannot second your own nomination."))
    with transaction.atomic():
        locked = _lock(proposal.pk)
        if locked.state != State.SEEKING:
            raise ProposalError(_("This proposal is not seeking seconds."))
        created = Second.objects.get_or_create(
            proposal=locked, user=actor, withdrawn_at__isnull=True
        )[1]
        if not created:
            raise ProposalError(_("You have already seconded this proposal."))
        needed = locked.community.charter.seconds_required
        # Only seconds of people still members count: joining, seconding and leaving
        # again does not push a proposal on.
        if live_seconds(locked).count() >= needed:
            do_start_discussion(proposal=locked, now=now, actor=actor)
    return locked


def check_withdraw_proposal(*, actor: User, proposal: Proposal, now: datetime | None = None):
    now = now or timezone.now()
    if actor.pk != proposal.author_id:
        raise ProposalError(_("Only the proposer may withdraw the proposal."))
    with transaction.atomic():
        locked = _lock(proposal.pk)
        if locked.state not in (State.DRAFT, State.SEEKING, State.DISCUSSION):
            raise ProposalError(_("A proposal cannot be withdrawn once voting has opened."))
        locked.state = State.WITHDRAWN
        locked.withdrawn_at = now
        locked.save(update_fields=["state", "withdrawn_at"])
    return locked


def open_discussion_thread(*, proposal: Proposal) -> int:
    """Open the proposal's own discussion thread, started in the proposer's name, and
    return its id. The client token makes it idempotent: a second call returns the same
    thread."""
    body = _(
        "This thread is for discussing the proposal [%(title)s](%(url)s) until voting opens."
    ) % {"title": proposal.title, "url": proposal.get_absolute_url()}
    thread = do_create_thread(
        author=proposal.author,
        community=proposal.community,
        title=(_("Proposal: %(title)s") % {"title": proposal.title})[:200],
        body=f"{body}\n\n{proposal.rationale}",
        client_token=f"proposal-{proposal.pk}",
    )
    return thread.pk


def discussion_thread_url(*, proposal: Proposal) -> str | None:
    """Address of the proposal's discussion thread, if it has one."""
    if proposal.thread_id is None:
        return None
    thread = Thread.objects.filter(pk=proposal.thread_id).first()
    return thread.get_absolute_url() if thread else None


def do_start_discussion(*, proposal: Proposal, now: datetime, actor: User | None = None) -> None:
    """Move a locked proposal into discussion for the charter's discussion period, and
    tell its proposer (unless they are the ``actor`` who moved it: they see it happen)."""
    charter = proposal.community.charter
    proposal.state = State.DISCUSSION
    proposal.discussion_started_at = now
    proposal.discussion_ends_at = now + timedelta(days=charter.discussion_days)
    proposal.thread_id = open_discussion_thread(proposal=proposal)
    proposal.save(
        update_fields=["state", "discussion_started_at", "discussion_ends_at", "thread_id"]
    )
    do_notify(
        recipients=[proposal.author],
        kind=Notification.Kind.PROPOSAL,
        text=ngettext(
            "Your proposal “%(title)s” in %(community)s has its seconds and is now in "
            "discussion; voting opens in %(days)s day.",
            "Your proposal “%(title)s” in %(community)s has its seconds and is now in "
            "discussion; voting opens in %(days)s days.",
            charter.discussion_days,
        )
        % {
            "title": proposal.title,
            "community": proposal.community.name,
            "days": charter.discussion_days,
        },
        url=proposal.get_absolute_url(),
        community=proposal.community,
        actor=actor,
    )


# --- Voting -------------------------------------------------------------------------------


def do_snapshot_electorate(*, proposal: Proposal, now: datetime) -> tuple[int, int]:
    """Snapshot the electorate in one INSERT … SELECT (R5): the members who were members
    when the proposal entered discussion and still are now, so nobody joins to swing a
    vote they have seen (and leaving and rejoining starts a new membership, which is not
    in it). Suspensions do not count: nobody can be suspended out of an electorate. The
    charter's ``voting_min_days`` may ask for an older membership still.

    Active (for quorum): posted or replied in this community, or voted on any of its
    proposals, in the last 90 days; or joined in the last 90 days (a newcomer has had no
    time to take part yet). Returns (electorate size, active size).
    """
    since = now - ACTIVE_WINDOW
    charter = proposal.community.charter
    joined_by = min(
        proposal.discussion_started_at or now, now - timedelta(days=charter.voting_min_days)
    )
    em, m, v, p = (
        ElectorateMember._meta.db_table,
        Membership._meta.db_table,
        Vote._meta.db_table,
        Proposal._meta.db_table,
    )
    po, t = Post._meta.db_table, Thread._meta.db_table
    sql = f"""
        INSERT INTO {em} (proposal_id, user_id, membership_id, is_active)
        SELECT %s, m.user_id, m.id,
               (m.joined_at >= %s OR EXISTS (
                   SELECT 1 FROM {v} v JOIN {p} p ON p.id = v.proposal_id
                   WHERE p.community_id = m.community_id AND v.user_id = m.user_id
                     AND v.cast_at >= %s)
                OR EXISTS (
                   SELECT 1 FROM {po} po JOIN {t} t ON t.id = po.thread_id
                   WHERE t.community_id = m.community_id AND po.author_id = m.user_id
                     AND po.created_at >= %s))
        FROM {m} m
        WHERE m.community_id = %s AND m.left_at IS NULL AND m.joined_at <= %s
        ON CONFLICT DO NOTHING
    """  # noqa: S608 - table names come from model metadata, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [proposal.pk, since, since, since, proposal.community_id, joined_by])
    counts = ElectorateMember.objects.filter(proposal=proposal).aggregate(
        size=Count("id"), active=Count("id", filter=Q(is_active=True))
    )
    return counts["size"], counts["active"]


def do_open_voting(*, proposal_id: int, now: datetime | None = None) -> bool:
    """Open voting on a proposal whose discussion has ended. Idempotent: under the row lock
    a proposal no longer in discussion is left alone. Returns True if it opened."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = _lock(proposal_id)
        if proposal.state != State.DISCUSSION or proposal.discussion_ends_at > now:
            return False
        charter = proposal.community.charter
        rule = proposal.decision_rule(charter)
        proposal.quorum_percent = rule.quorum_percent
        proposal.threshold = str(rule.threshold)
        proposal.electorate_size, proposal.active_electorate_size = do_snapshot_electorate(
            proposal=proposal, now=now
        )
        proposal.state = State.VOTING
        proposal.voting_started_at = now
        proposal.voting_ends_at = now + timedelta(days=charter.voting_days)
        proposal.voting_notified_at = now
        proposal.save()
        # The proposer has a notice of their own, in the electorate or not.
        voters = User.objects.filter(
            pk__in=ElectorateMember.objects.filter(proposal=proposal).values("user_id")
        ).exclude(pk=proposal.author_id)
        names = {"title": proposal.title, "community": proposal.community.name}
        do_notify_many(
            recipients=voters,
            kind=Notification.Kind.PROPOSAL,
            text=_("Voting has opened on “%(title)s” in %(community)s.") % names,
            url=proposal.get_absolute_url(),
            community=proposal.community,
        )
        do_notify(
            recipients=[proposal.author],
            kind=Notification.Kind.PROPOSAL,
            text=_("Voting has opened on your proposal “%(title)s” in %(community)s.") % names,
            url=proposal.get_absolute_url(),
            community=proposal.community,
        )
    return True


def check_cast_vote(
    *, actor: User, proposal: Proposal, choice: str, reason: str = "", now=None
) -> Vote:
    """Validate a vote, then cast it. The electorate check and the close-time check happen
    under the proposal's row lock in ``do_cast_vote``."""
    if proposal.community_id is None or not isinstance(choice, str):
        raise ProposalError(_("Choose for, against or abstain."))
    if choice not in Vote.Choice.values:
        raise ProposalError(_("Choose for, against or abstain."))
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON_CHARS:
        raise ProposalError(
            _("Keep the reason to %(n)s characters or fewer.") % {"n": MAX_REASON_CHARS}
        )
    membership = _member_or_error(
        actor, proposal.community, _("Only members of the electorate may vote on this proposal.")
    )
    if membership.is_suspended:
        raise ProposalError(
            _(
                "You are suspended until %(until)s UTC: you stay in the electorate, and may "
                "vote once the suspension ends if voting is still open."
            )
            % {"until": f"{membership.suspended_until:%d %b %Y %H:%M}"}
        )
    return do_cast_vote(user=actor, proposal=proposal, choice=choice, reason=reason, now=now)


def do_cast_vote(
    *, user: User, proposal: Proposal, choice: str, reason: str, now: datetime | None = None
) -> Vote:
    """Cast or change a vote. The proposal row is locked (no-key) so the close, which locks
    it for update, sees every vote committed before it and none after; the member's live
    vote is superseded and the new one inserted, and the partial unique constraint
    guarantees one live vote per member whatever happens."""
    with transaction.atomic():
        locked = Proposal.objects.select_for_update(no_key=True).get(pk=proposal.pk)
        now = now or timezone.now()
        if locked.state != State.VOTING:
            if locked.state in Proposal.CLOSED_STATES:
                raise ProposalError(_("Voting has closed."))
            raise ProposalError(_("Voting has not opened on this proposal."))
        if now >= locked.voting_ends_at:
            raise ProposalError(_("Voting has closed."))
        if not ElectorateMember.objects.filter(proposal=locked, user=user).exists():
            raise ProposalError(
                _("Only members when voting opened may vote; you are not in the electorate.")
            )
        Vote.objects.filter(proposal=locked, user=user, superseded_at__isnull=True).update(
            superseded_at=now
        )
        return Vote.objects.create(
            proposal=locked, user=user, choice=choice, reason=reason, cast_at=now
        )


def count_live_votes(proposal: Proposal) -> tuple[int, int, int]:
    counts = Vote.objects.filter(proposal=proposal, superseded_at__isnull=True).aggregate(
        f=Count("id", filter=Q(choice=Vote.Choice.FOR)),
        a=Count("id", filter=Q(choice=Vote.Choice.AGAINST)),
        x=Count("id", filter=Q(choice=Vote.Choice.ABSTAIN)),
    )
    return counts["f"], counts["a"], counts["x"]


def do_close_proposal(*, proposal_id: int, now: datetime | None = None) -> bool:
    """Close voting, tally and, if it passed, apply the change: all in one transaction
    under the proposal's row lock, so it happens exactly once or not at all. A proposal
    no longer in voting (already closed by another sweep) is left alone."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = _lock(proposal_id)
        if proposal.state != State.VOTING or proposal.voting_ends_at > now:
            return False
        close_step.send(Proposal, step="locked", proposal=proposal)
        for_count, against, abstain = count_live_votes(proposal)
        tally = Tally(
            for_count=for_count,
            against_count=against,
            abstain_count=abstain,
            electorate_size=proposal.electorate_size or 0,
            active_electorate_size=proposal.active_electorate_size or 0,
        )
        close_step.send(Proposal, step="tallied", proposal=proposal)
        result = decide(tally=tally, rule=proposal.decision_rule())
        proposal.for_count, proposal.against_count = for_count, against
        proposal.abstain_count = abstain
        proposal.closed_at = now
        proposal.result_reason = result.reason
        proposal.state = {
            Outcome.PASSED: State.PASSED,
            Outcome.FAILED: State.FAILED,
            Outcome.LAPSED: State.LAPSED,
        }[result.outcome]
        close_step.send(Proposal, step="decided", proposal=proposal)
        if result.outcome is Outcome.PASSED:
            do_apply_proposal(proposal=proposal, now=now)
        proposal.save()
        close_step.send(Proposal, step="applied", proposal=proposal)
    close_step.send(Proposal, step="committed", proposal=proposal)
    return True


def do_apply_proposal(*, proposal: Proposal, now: datetime) -> None:
    """Apply a passed proposal (locked by the caller, inside its transaction). Sets
    ``applied_at``, or the state CONFLICT when a newer charter changed the same fields."""
    community = Community.objects.select_for_update().get(pk=proposal.community_id)
    charter = Charter.objects.get(pk=community.charter_id)
    if proposal.is_charter_change:
        mine = touched_fields(proposal)
        if proposal.base_charter_id != charter.pk:
            theirs = diff_charters(
                proposal.base_charter.text(), charter.text(), rule_labels()
            ).touched_fields
            if mine & theirs:
                proposal.state = State.CONFLICT
                proposal.result_reason += " " + _(
                    "Not applied: charter version %(v)s changed the same part since this "
                    "proposal was drafted; it must be re-drafted on the current version."
                ) % {"v": charter.version}
                return
        merged = _merge(current=charter.text(), proposed=proposal.proposed_text(), fields=mine)
        new = Charter.objects.create(
            community=community,
            version=charter.version + 1,
            purpose=merged.purpose,
            goals=merged.goals,
            author=proposal.author,
            proposal=proposal,
            changes_purpose=bool(mine & {"purpose", "goals"}),
            **merged.rules,
        )
        # In force from the close (auto_now_add would stamp the moment the sweep ran).
        Charter.objects.filter(pk=new.pk).update(created_at=now)
        Community.objects.filter(pk=community.pk).update(charter=new)
    elif proposal.kind in Proposal.TARGET_KINDS:
        _apply_to_person(proposal=proposal, community=community, charter=charter, now=now)
    elif proposal.kind == Kind.DISSOLVE:
        Community.objects.filter(pk=community.pk).update(
            state=Community.State.DISSOLVED, dissolved_at=now
        )
        # A read-only archive decides nothing more: its other open proposals are closed.
        Proposal.objects.filter(community=community, state__in=Proposal.OPEN_STATES).exclude(
            pk=proposal.pk
        ).update(
            state=State.WITHDRAWN,
            withdrawn_at=now,
            result_reason=_("Closed without a decision: the community was dissolved."),
        )
    proposal.applied_at = now


def _apply_to_person(
    *, proposal: Proposal, community: Community, charter: Charter, now: datetime
) -> None:
    """Elect, recall or remove: applied to the person's membership current at the close,
    whatever row the proposal named, and logged only when something changed."""
    person = proposal.target.user
    if proposal.kind == Kind.ELECT_MODERATOR:
        term_ends_at = now + timedelta(days=charter.moderator_term_days)
        if do_grant_moderator(user=person, community=community, term_ends_at=term_ends_at):
            _log_role_change(proposal, ModerationAction.Kind.TERM_START, now, until=term_ends_at)
        else:
            proposal.result_reason += " " + _("Not applied: the nominee is no longer a member.")
    elif proposal.kind == Kind.RECALL_MODERATOR:
        if do_end_moderator_term(user=person, community=community):
            _log_role_change(proposal, ModerationAction.Kind.TERM_END, now)
        else:
            proposal.result_reason += " " + _("Nothing to apply: they were no longer a moderator.")
    elif do_remove_member(user=person, community=community, at=now):
        _log_role_change(proposal, ModerationAction.Kind.REMOVE, now)
    else:
        proposal.result_reason += " " + _(
            "They had already left; the removal stands, so they may come back only by application."
        )


def _log_role_change(proposal: Proposal, kind: str, now: datetime, until=None) -> None:
    """Every use of moderating power is in the community's public log (R7), including the
    proposals that make, recall or remove (issue 6)."""
    do_log_moderation(
        community=proposal.community,
        kind=kind,
        member=proposal.target.user,
        reason=_("By the passed proposal “%(title)s”.") % {"title": proposal.title},
        until=until,
        at=now,
    )


def do_send_reminder(*, proposal_id: int, now: datetime | None = None) -> int:
    """Remind electorate members who have not voted, once, in the 24 hours before the close.
    ``reminder_sent_at`` is set under the row lock, so a second run sends nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = _lock(proposal_id)
        if (
            proposal.state != State.VOTING
            or proposal.reminder_sent_at is not None
            or not (
                proposal.voting_ends_at - REMINDER_BEFORE_CLOSE <= now < proposal.voting_ends_at
            )
        ):
            return 0
        voted = Vote.objects.filter(proposal=proposal, superseded_at__isnull=True)
        pending = User.objects.filter(
            pk__in=ElectorateMember.objects.filter(
                proposal=proposal, membership__left_at__isnull=True
            ).values("user_id")
        ).exclude(pk__in=voted.values("user_id"))
        sent = do_notify_many(
            recipients=pending,
            kind=Notification.Kind.PROPOSAL,
            text=_("Less than a day left to vote on “%(title)s” in %(community)s.")
            % {"title": proposal.title, "community": proposal.community.name},
            url=proposal.get_absolute_url(),
            community=proposal.community,
        )
        proposal.reminder_sent_at = now
        proposal.save(update_fields=["reminder_sent_at"])
    return sent


def do_notify_result(*, proposal_id: int, now: datetime | None = None) -> int:
    """Tell every current member (and the proposer) the result, once."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = _lock(proposal_id)
        if proposal.state not in Proposal.CLOSED_STATES or proposal.result_notified_at:
            return 0
        members = Membership.objects.current().filter(community=proposal.community_id)
        text = _("“%(title)s” in %(community)s: %(result)s") % {
            "title": proposal.title,
            "community": proposal.community.name,
            "result": proposal.result_reason,
        }
        sent = do_notify_many(
            recipients=User.objects.filter(
                Q(pk__in=members.values("user_id")) | Q(pk=proposal.author_id)
            ),
            kind=Notification.Kind.PROPOSAL,
            text=text,
            url=proposal.get_absolute_url(),
            community=proposal.community,
        )
        _ask_to_reaffirm(proposal)
        proposal.result_notified_at = now
        proposal.save(update_fields=["result_notified_at"])
    return sent


def _ask_to_reaffirm(proposal: Proposal) -> None:
    """After a passed change of purpose, ask each member who has not affirmed the new
    purpose to re-affirm it (the banner asks too; silence never removes anyone). Sent with
    the result rather than at the close, so the close of a big community stays quick."""
    if proposal.state != State.PASSED or not proposal.is_charter_change:
        return
    charter = Charter.objects.filter(proposal=proposal, changes_purpose=True).first()
    if charter is None:
        return
    community = proposal.community
    do_notify_many(
        recipients=User.objects.filter(pk__in=not_yet_reaffirmed(community).values("user_id")),
        kind=Notification.Kind.COMMUNITY,
        text=_(
            "The purpose of %(community)s changed (charter version %(version)s). Read it and "
            "re-affirm it, or leave if it is no longer yours; nothing happens if you do neither."
        )
        % {"community": community.name, "version": charter.version},
        url=reverse("purposes:charter", kwargs={"slug": community.slug}),
        community=community,
    )


def do_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """One pass over the database: open voting, close and apply, remind, notify results.
    Each proposal is handled in its own transaction under its own lock; one that fails is
    logged and retried by the next sweep, without holding up the others."""
    now = now or timezone.now()
    done = {"opened": 0, "closed": 0, "reminded": 0, "notified": 0}
    reminders = Proposal.objects.filter(
        state=State.VOTING,
        reminder_sent_at__isnull=True,
        voting_ends_at__lte=now + REMINDER_BEFORE_CLOSE,
        voting_ends_at__gt=now,
    )
    results = Proposal.objects.filter(
        state__in=Proposal.CLOSED_STATES, result_notified_at__isnull=True
    )
    steps = [
        ("opened", Proposal.objects.due_to_open_voting(now), do_open_voting),
        ("closed", Proposal.objects.due_to_close(now), do_close_proposal),
        ("reminded", reminders, do_send_reminder),
        ("notified", results, do_notify_result),
    ]
    for name, due, step in steps:
        for pk in list(due.values_list("pk", flat=True)):
            done[name] += _run_step(step, name=name, proposal_id=pk, now=now)
    return done


def _run_step(step, *, name: str, proposal_id: int, now: datetime) -> bool:
    """Run one sweep step on one proposal. When the database connection drops mid-step the
    server has rolled the transaction back (nothing half-done): reconnect and try once more
    at once. Any other failure is logged and left for the next sweep."""
    for attempt in (1, 2):
        try:
            return bool(step(proposal_id=proposal_id, now=now))
        except (OperationalError, InterfaceError):
            if attempt == 2 or connection.in_atomic_block:
                raise
            logger.warning(
                "Proposal %s: the database connection dropped during %s; rolled back, retrying",
                proposal_id, name, exc_info=True,
            )  # fmt: skip
            connection.close()
        except Exception:
            logger.exception("Proposal %s: %s failed; the next sweep retries", proposal_id, name)
            return False


# --- Starting a new community from this one (R4) ------------------------------------------


def check_start_offshoot(
    *, actor: User, parent: Community, name: str, slug: str, tagline: str, visibility: str,
    charter: dict,
) -> Community:  # fmt: skip
    """Any member of a live community may found a new one from it: the founding charter
    starts as a copy of the parent's, edited by the founder. Nobody is moved; the parent
    goes on unchanged; its members hear of it in the day's digest of offshoots (one
    notification a day, however many were founded) and may join. Offshoots count against
    the founder's daily limit of proposals."""
    _member_or_error(actor, parent, _("Only members may start a community from this one."))
    if parent.is_dissolved:
        raise ProposalError(_("A dissolved community is a read-only archive."))
    # One transaction: a community is never founded without its recorded parent.
    with transaction.atomic():
        _within_daily_limit_or_error(actor, timezone.now())
        child = check_found_community(
            actor=actor, name=name, slug=slug, tagline=tagline, visibility=visibility,
            charter=charter,
        )  # fmt: skip
        return do_link_offshoot(parent=parent, child=child, founder=actor)


def do_link_offshoot(*, parent: Community, child: Community, founder: User) -> Community:
    Community.objects.filter(pk=child.pk, parent__isnull=True).update(parent=parent)
    child.parent = parent
    return child


def do_send_offshoot_digests(*, now: datetime | None = None) -> int:
    """Tell each community's members, in one notification, about the communities grown
    out of it on each day that has ended (the last OFFSHOOT_DIGEST_CATCH_UP_DAYS days).
    Idempotent: the (parent, day) row is inserted in the same transaction as the
    notifications, and its unique constraint makes a second run, or a run at the same
    time, send nothing. Returns how many digests were sent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = today - timedelta(days=OFFSHOOT_DIGEST_CATCH_UP_DAYS)
    start = datetime.combine(first, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    end = datetime.combine(today, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    offshoots = (
        Community.objects.filter(parent__isnull=False, created_at__gte=start, created_at__lt=end)
        .exclude(state=Community.State.DISSOLVED)
        .select_related("parent")
        .order_by("created_at", "pk")
    )
    by_parent_day: dict[tuple[int, object], list[Community]] = {}
    for child in offshoots:
        day = timezone.localdate(child.created_at)
        by_parent_day.setdefault((child.parent_id, day), []).append(child)
    sent = 0
    for (parent_id, day), children in by_parent_day.items():
        if OffshootDigest.objects.filter(parent_id=parent_id, day=day).exists():
            continue
        sent += _send_offshoot_digest(parent=children[0].parent, day=day, children=children)
    return sent


def _send_offshoot_digest(*, parent: Community, day, children: list[Community]) -> int:
    try:
        with transaction.atomic():
            OffshootDigest.objects.create(parent=parent, day=day, offshoots=len(children))
            do_notify_many(
                recipients=User.objects.filter(
                    pk__in=Membership.objects.current().filter(community=parent).values("user_id")
                ),
                kind=Notification.Kind.COMMUNITY,
                text=_("New communities grown out of %(parent)s on %(day)s: %(names)s.")
                % {
                    "parent": parent.name,
                    "day": formats.date_format(day, "j F"),
                    "names": ", ".join(child.name for child in children),
                },
                url=parent.charter.get_absolute_url() + "#lineage-title",
                community=parent,
            )
    except IntegrityError:
        return 0  # another run sent it
    return 1
