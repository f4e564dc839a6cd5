"""Amendments: during a charter proposal's discussion, any other member may propose a
change to its text; the proposer accepts it (the proposal takes the amended text, its
seconds kept, every seconder told) or declines it with a reason. Where the charter allows
it (``Charter.amendments_to_vote``), the author of a declined amendment may put it to the
vote as an alternative text: the proposal is then decided by ranked choice among its own
text, the alternatives and "keep the current text" (``purposes.models.method_with_options``).

An amendment is written against the proposal's text as it stood (``Amendment.against``):
once that text has changed (another amendment accepted, a revision, a rebase), accepting
it would silently undo the change, so it is refused and its author may propose it again on
the new text. Every step locks the proposal's row (``lock_proposal``) and checks its state
in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core import pagecache
from members.models import User
from notifications.actions import do_notify
from notifications.models import Notification
from purposes.charter_diff import CharterText, diff_charters
from purposes.guards import ProposalError, lock_proposal, proposer_or_error, taking_part_or_error
from purposes.models import Amendment, Proposal, ProposalOption, rule_labels
from purposes.revisions import record_revision
from purposes.selectors import live_seconds

State = Proposal.State
MAX_REASON_CHARS = 2000
MAX_DECLINE_CHARS = 500
# Amendments one member may have waiting on one proposal: enough to offer a choice,
# too few to bury the proposer.
MAX_PENDING_PER_MEMBER = 3
# An accepted amendment keeps the seconds, so members must have time to read the new text
# before they vote on it: voting opens no sooner than this after an acceptance.
READ_BEFORE_VOTING = timedelta(days=1)


def _as_json(text: CharterText) -> dict:
    return {"purpose": text.purpose, "goals": list(text.goals), "rules": dict(text.rules)}


def _in_discussion_or_error(proposal: Proposal) -> None:
    if proposal.state != State.DISCUSSION:
        if proposal.state == State.VOTING:
            raise ProposalError(
                _("Voting has opened: the text is fixed and can no longer be amended."),
                code="voting_open",
            )
        raise ProposalError(
            _("A proposal can be amended only while it is in discussion."),
            code="not_in_discussion",
        )


def check_propose_amendment(
    *,
    actor: User,
    proposal: Proposal,
    proposed: CharterText,
    reason: str,
    now: datetime | None = None,
) -> Amendment:
    """A current, unsuspended member other than the proposer proposes an amendment to a
    charter proposal in discussion: the whole text the proposal would have. The proposer
    is told."""
    now = now or timezone.now()
    taking_part_or_error(
        actor,
        proposal.community,
        not_member=_("Only members may amend a proposal."),
        suspended=_("You cannot amend a proposal while suspended."),
    )
    if actor.pk == proposal.author_id:
        raise ProposalError(
            _("This is your proposal: revise it instead of amending it."), code="own_proposal"
        )
    if not proposal.is_charter_change:
        raise ProposalError(
            _("Only a proposal that changes the charter has a text to amend."),
            code="not_a_charter_change",
        )
    reason = (reason or "").strip()
    if not reason:
        raise ProposalError(_("Say why you propose this amendment."), code="reason_required")
    if len(reason) > MAX_REASON_CHARS:
        raise ProposalError(
            _("Keep the reason to %(n)s characters or fewer.") % {"n": MAX_REASON_CHARS},
            code="reason_too_long",
        )
    with transaction.atomic():
        locked = lock_proposal(proposal.pk)
        _in_discussion_or_error(locked)
        current = locked.proposed_text()
        labels = rule_labels()
        if diff_charters(current, proposed, labels).is_empty:
            raise ProposalError(
                _("The amendment is the same as the proposal's text: change something in it."),
                code="no_change",
            )
        if diff_charters(locked.base_charter.text(), proposed, labels).is_empty:
            raise ProposalError(
                _("With this amendment the proposal would change nothing in the charter."),
                code="changes_nothing",
            )
        pending = Amendment.objects.filter(
            proposal=locked, author=actor, state=Amendment.State.PENDING
        ).count()
        if pending >= MAX_PENDING_PER_MEMBER:
            raise ProposalError(
                _(
                    "You have %(n)s amendments waiting for the proposer on this proposal; "
                    "wait for an answer before proposing another."
                )
                % {"n": MAX_PENDING_PER_MEMBER},
                code="too_many_pending",
            )
        amendment = Amendment.objects.create(
            proposal=locked,
            author=actor,
            reason=reason,
            purpose=proposed.purpose,
            goals=list(proposed.goals),
            rules=dict(proposed.rules),
            against=_as_json(current),
            created_at=now,
        )
        do_notify(
            recipients=[locked.author],
            kind=Notification.Kind.PROPOSAL,
            text=_(
                "%(name)s proposes an amendment to your proposal “%(title)s”. Accept it or "
                "decline it before voting opens."
            )
            % {"name": actor.shown_name, "title": locked.title},
            url=f"{locked.get_absolute_url()}#amendment-{amendment.pk}",
            community=locked.community,
            actor=actor,
        )
    pagecache.bump(community_id=locked.community_id)
    return amendment


def _pending_or_error(amendment_id: int, proposal: Proposal) -> Amendment:
    """The amendment, row-locked, if it still waits for the proposer (call under the
    proposal's lock, inside the transaction)."""
    amendment = Amendment.objects.select_for_update().get(pk=amendment_id, proposal=proposal)
    if amendment.state != Amendment.State.PENDING:
        raise ProposalError(
            _("This amendment has already been %(state)s.")
            % {"state": amendment.get_state_display()},
            code="already_decided",
        )
    return amendment


def check_accept_amendment(
    *, actor: User, amendment: Amendment, now: datetime | None = None
) -> Amendment:
    """The proposer accepts an amendment: the proposal's text becomes the amended one (a
    revision is recorded), its seconds are kept, and every member who seconded it (and the
    amendment's author) is told. Voting then opens no sooner than a day later, so nobody
    votes on a text changed at the last minute. Refused if the proposal's text changed
    since the amendment was written: accepting it would undo that change."""
    now = now or timezone.now()
    proposal = amendment.proposal
    proposer_or_error(actor, proposal, _("Only the proposer may accept an amendment."))
    with transaction.atomic():
        locked = lock_proposal(proposal.pk)
        _in_discussion_or_error(locked)
        amendment = _pending_or_error(amendment.pk, locked)
        if _as_json(locked.proposed_text()) != amendment.against:
            raise ProposalError(
                _(
                    "The proposal's text has changed since this amendment was written, so "
                    "accepting it would undo that change. Its author may propose it again "
                    "on the current text."
                ),
                code="text_changed",
            )
        locked.purpose = amendment.purpose
        locked.goals, locked.rules = list(amendment.goals), dict(amendment.rules)
        locked.discussion_ends_at = max(locked.discussion_ends_at, now + READ_BEFORE_VOTING)
        locked.save(update_fields=["purpose", "goals", "rules", "discussion_ends_at"])
        record_revision(
            proposal=locked,
            author=actor,
            note=_("Accepted the amendment of %(name)s") % {"name": amendment.author.shown_name},
        )
        amendment.state, amendment.decided_at = Amendment.State.ACCEPTED, now
        amendment.save(update_fields=["state", "decided_at"])
        seconders = User.objects.filter(pk__in=live_seconds(locked).values("user_id"))
        do_notify(
            recipients=[*seconders, amendment.author],
            kind=Notification.Kind.PROPOSAL,
            text=_(
                "%(name)s accepted an amendment by %(amender)s to “%(title)s”, which you "
                "seconded or amended: its text changed. Your second stands; read the new "
                "text before voting opens."
            )
            % {
                "name": actor.shown_name,
                "amender": amendment.author.shown_name,
                "title": locked.title,
            },
            url=f"{locked.get_absolute_url()}#amendment-{amendment.pk}",
            community=locked.community,
            actor=actor,
        )
    pagecache.bump(community_id=locked.community_id)
    return amendment


def check_decline_amendment(
    *, actor: User, amendment: Amendment, reason: str, now: datetime | None = None
) -> Amendment:
    """The proposer declines an amendment, saying why; its author is told (and, where the
    charter allows it, that they may put it to the vote)."""
    now = now or timezone.now()
    proposal = amendment.proposal
    proposer_or_error(actor, proposal, _("Only the proposer may decline an amendment."))
    reason = (reason or "").strip()
    if not reason:
        raise ProposalError(
            _("Say why you decline the amendment: its author will read it."),
            code="reason_required",
        )
    if len(reason) > MAX_DECLINE_CHARS:
        raise ProposalError(
            _("Keep the reason to %(n)s characters or fewer.") % {"n": MAX_DECLINE_CHARS},
            code="reason_too_long",
        )
    with transaction.atomic():
        locked = lock_proposal(proposal.pk)
        _in_discussion_or_error(locked)
        amendment = _pending_or_error(amendment.pk, locked)
        amendment.state, amendment.decided_at = Amendment.State.DECLINED, now
        amendment.decline_reason = reason
        amendment.save(update_fields=["state", "decided_at", "decline_reason"])
        text = _("%(name)s declined your amendment to “%(title)s”: %(reason)s") % {
            "name": actor.shown_name,
            "title": locked.title,
            "reason": reason,
        }
        if locked.community.charter.amendments_to_vote:
            text += " " + _("You may put it to the vote as an alternative text.")
        do_notify(
            recipients=[amendment.author],
            kind=Notification.Kind.PROPOSAL,
            text=text[:300],
            url=f"{locked.get_absolute_url()}#amendment-{amendment.pk}",
            community=locked.community,
            actor=actor,
        )
    pagecache.bump(community_id=locked.community_id)
    return amendment


def check_carry_amendment(
    *, actor: User, amendment: Amendment, now: datetime | None = None
) -> ProposalOption:
    """The author of a declined amendment puts it to the vote as an alternative text, where
    the charter in force allows it, while the proposal is in discussion: the proposal is
    then decided by ranked choice (or by the charter's own several-option method) among
    its text, the alternatives and "keep the current text". The proposer and the
    seconders are told."""
    now = now or timezone.now()
    proposal = amendment.proposal
    taking_part_or_error(
        actor,
        proposal.community,
        not_member=_("Only members may put an amendment to the vote."),
        suspended=_("You cannot put an amendment to the vote while suspended."),
    )
    if actor.pk != amendment.author_id:
        raise ProposalError(
            _("Only the amendment's author may put it to the vote."), code="not_the_author"
        )
    with transaction.atomic():
        locked = lock_proposal(proposal.pk)
        _in_discussion_or_error(locked)
        if not locked.community.charter.amendments_to_vote:
            raise ProposalError(
                _(
                    "This community's charter does not put declined amendments to the vote; "
                    "a proposal to change its rules could."
                ),
                code="not_allowed_by_charter",
            )
        amendment = Amendment.objects.select_for_update().get(pk=amendment.pk)
        if amendment.state != Amendment.State.DECLINED:
            raise ProposalError(
                _("Only a declined amendment can be put to the vote."), code="not_declined"
            )
        if amendment.carried_at is not None:
            raise ProposalError(
                _("This amendment is already an option of the vote."), code="already_carried"
            )
        options = ProposalOption.objects.filter(proposal=locked)
        if options.count() >= ProposalOption.MAX:
            raise ProposalError(
                _("The vote already has %(n)s alternative texts, the most it may carry.")
                % {"n": ProposalOption.MAX},
                code="too_many_options",
            )
        text = amendment.text()
        if diff_charters(locked.proposed_text(), text, rule_labels()).is_empty or any(
            option.text(locked) == text for option in options
        ):
            raise ProposalError(_("The vote already offers this text."), code="already_offered")
        position = (options.aggregate(n=Max("position"))["n"] or 0) + 1
        option = ProposalOption.objects.create(
            proposal=locked,
            position=position,
            purpose=text.purpose,
            goals=list(text.goals),
            rules=dict(text.rules),
            amendment=amendment,
        )
        amendment.carried_at = now
        amendment.save(update_fields=["carried_at"])
        seconders = User.objects.filter(pk__in=live_seconds(locked).values("user_id"))
        do_notify(
            recipients=[locked.author, *seconders],
            kind=Notification.Kind.PROPOSAL,
            text=_(
                "%(name)s put their declined amendment to “%(title)s” to the vote: members "
                "will rank the proposal, the alternative texts and keeping the current text."
            )
            % {"name": actor.shown_name, "title": locked.title},
            url=f"{locked.get_absolute_url()}#amendment-{amendment.pk}",
            community=locked.community,
            actor=actor,
        )
    pagecache.bump(community_id=locked.community_id)
    return option
