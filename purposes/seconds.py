"""Seconds and discussion: members back a submitted proposal with their seconds; with
enough of them it moves into discussion, with its own thread. A change of what it does
withdraws the seconds and it seeks them again.

Every step runs on a proposal locked by ``lock_proposal`` inside one transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.actions import do_create_thread
from community.models import Thread
from core import pagecache
from members.models import Membership, User
from notifications.actions import do_notify, do_notify_many
from notifications.models import Notification
from purposes.guards import ProposalError, lock_proposal, taking_part_or_error
from purposes.models import Proposal, Second
from purposes.revisions import record_revision
from purposes.selectors import live_seconds

State = Proposal.State
Kind = Proposal.Kind
# Members are told a proposal seeks seconds again after a reset at most this often.
RESEEK_NOTICE_EVERY = timedelta(days=1)


def do_withdraw_seconds(*, proposal: Proposal, actor: User, now: datetime) -> None:
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
    record_revision(
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


def check_second_proposal(*, actor: User, proposal: Proposal, now: datetime | None = None):
    now = now or timezone.now()
    taking_part_or_error(
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
        locked = lock_proposal(proposal.pk)
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
    pagecache.bump(community_id=locked.community_id)
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
