"""Voting: the electorate's snapshot when voting opens, casting and changing votes, and
the reminder before the close.

Opening and reminding lock the proposal row and re-check its state in one transaction,
so the sweep may run them twice without doing anything twice.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from community.models import Post, Thread
from core import pagecache
from members.models import Membership, User
from notifications.actions import do_notify, do_notify_many
from notifications.models import Notification
from purposes.guards import ProposalError, lock_proposal, member_or_error
from purposes.methods import approval, consent, ranked, score
from purposes.methods.result import BallotError
from purposes.models import ElectorateMember, Proposal, SecretBallot, Vote, method_with_options
from purposes.selectors import ballot_options

State = Proposal.State
# A member who took part in the community within this window counts for the quorum.
ACTIVE_WINDOW = timedelta(days=90)
REMINDER_BEFORE_CLOSE = timedelta(hours=24)
MAX_REASON_CHARS = 500


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
        proposal = lock_proposal(proposal_id)
        if proposal.state != State.DISCUSSION or proposal.discussion_ends_at > now:
            return False
        charter = proposal.community.charter
        rule = proposal.decision_rule(charter)
        # The charter's method for this kind is fixed now, with the seed of any draw by
        # lot (published on the page from this moment, before anyone has voted): a later
        # change of the charter does not alter a running vote.
        method = method_with_options(
            charter.method_for(proposal.kind), has_options=proposal.options.exists()
        )
        proposal.method = method.name
        proposal.tie_seed = secrets.token_hex(16)
        proposal.quorum_percent = rule.quorum_percent
        proposal.threshold = str(method.threshold or rule.threshold)
        proposal.electorate_size, proposal.active_electorate_size = do_snapshot_electorate(
            proposal=proposal, now=now
        )
        proposal.secret = charter.secret_for(proposal.kind)
        if proposal.secret:
            _make_secret_slots(proposal, proposal.electorate_size)
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
    pagecache.bump(community_id=proposal.community_id)
    return True


def _voter_or_error(actor: User, proposal: Proposal) -> None:
    """A current member who is not suspended (the electorate is checked under the lock)."""
    membership = member_or_error(
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


def _reason_or_error(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON_CHARS:
        raise ProposalError(
            _("Keep the reason to %(n)s characters or fewer.") % {"n": MAX_REASON_CHARS}
        )
    return reason


def check_cast_vote(
    *, actor: User, proposal: Proposal, choice: str, reason: str = "", now=None
) -> Vote:
    """Validate a vote for, against or abstaining (the majority count), then cast it. The
    electorate check and the close-time check happen under the proposal's row lock in
    ``do_cast_vote``."""
    if proposal.community_id is None or not isinstance(choice, str):
        raise ProposalError(_("Choose for, against or abstain."))
    if choice not in Vote.MAJORITY_CHOICES:
        raise ProposalError(_("Choose for, against or abstain."))
    reason = _reason_or_error(reason)
    _voter_or_error(actor, proposal)
    return do_cast_vote(user=actor, proposal=proposal, choice=choice, reason=reason, now=now)


def check_cast_consent(
    *, actor: User, proposal: Proposal, position: str, reason: str = "", now=None
) -> Vote:
    """Consent, stand aside or object (an objection needs its reason), under consent."""
    if not isinstance(position, str) or position not in Vote.CONSENT_CHOICES:
        raise ProposalError(_("Choose to consent, stand aside or object."))
    reason = _reason_or_error(reason)
    try:
        consent.validate_ballot(consent.ConsentBallot(position=position, reason=reason))
    except BallotError as error:
        raise ProposalError(str(error)) from None
    _voter_or_error(actor, proposal)
    return do_cast_vote(user=actor, proposal=proposal, choice=position, reason=reason, now=now)


BALLOT_CHECKS = {
    "approval": lambda ballot, options: sorted(approval.validate_ballot(ballot, options)),
    "ranked": lambda ballot, options: list(ranked.validate_ballot(ballot, options)),
    "score": lambda ballot, options: score.validate_ballot(ballot, options),
}


def check_cast_ballot(
    *, actor: User, proposal: Proposal, ballot: object, reason: str = "", now=None
) -> Vote:
    """A ballot of a several-option method: the approved options (a list of option ids),
    the ranking (a list, first choice first) or the scores (``{option id: 0-5}``). A ballot
    in the wrong shape for the proposal's method is refused with what to put right."""
    check = BALLOT_CHECKS.get(proposal.method)
    if check is None:
        raise ProposalError(
            _("This proposal is not decided by a choice between options; use its own form.")
        )
    try:
        clean = check(ballot, ballot_options(proposal))
    except BallotError as error:
        raise ProposalError(str(error)) from None
    reason = _reason_or_error(reason)
    _voter_or_error(actor, proposal)
    return do_cast_vote(
        user=actor, proposal=proposal, choice=Vote.Choice.BALLOT, reason=reason, now=now,
        ballot=clean,
    )  # fmt: skip


def check_withdraw_objection(*, actor: User, proposal: Proposal, now=None) -> Vote:
    """Withdraw one's standing objection while voting is open (under consent). The vote is
    kept as history; the new live row is the same objection, marked withdrawn: it no longer
    blocks and still counts towards the quorum."""
    _voter_or_error(actor, proposal)
    with transaction.atomic():
        locked = _open_for_voting_or_error(proposal, actor, now)
        now = now or timezone.now()
        live = Vote.objects.filter(proposal=locked, user=actor, superseded_at__isnull=True).first()
        if live is None or live.choice != Vote.Choice.OBJECT or live.withdrawn_at is not None:
            raise ProposalError(_("You have no standing objection to withdraw."))
        Vote.objects.filter(pk=live.pk).update(superseded_at=now)
        return Vote.objects.create(
            proposal=locked, user=actor, choice=Vote.Choice.OBJECT, reason=live.reason,
            cast_at=now, withdrawn_at=now,
        )  # fmt: skip


def _fits_method(proposal: Proposal, choice: str) -> bool:
    method = proposal.method or "majority"
    if method in ("majority", "two_thirds"):
        return choice in Vote.MAJORITY_CHOICES
    if method == "consent":
        return choice in Vote.CONSENT_CHOICES
    return choice == Vote.Choice.BALLOT


def _open_for_voting_or_error(proposal: Proposal, user: User, now) -> Proposal:
    """The proposal locked (no-key), or ProposalError when voting is not open or the user
    is not in its electorate. Call inside a transaction."""
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
    return locked


def do_cast_vote(
    *,
    user: User,
    proposal: Proposal,
    choice: str,
    reason: str,
    now: datetime | None = None,
    ballot: object = None,
) -> Vote:
    """Cast or change a vote. The proposal row is locked (no-key) so the close, which locks
    it for update, sees every vote committed before it and none after; the member's live
    vote is superseded and the new one inserted, and the partial unique constraint
    guarantees one live vote per member whatever happens. A vote in the wrong shape for
    the method recorded when voting opened is refused."""
    with transaction.atomic():
        locked = _open_for_voting_or_error(proposal, user, now)
        now = now or timezone.now()
        if locked.secret:  # never a named choice under a secret ballot
            raise ProposalError(_("This proposal is decided by secret ballot."))
        if not _fits_method(locked, choice):
            raise ProposalError(
                _("This vote does not fit how the proposal is decided (%(method)s): %(how)s")
                % {
                    "method": locked.deciding_method().label.lower(),
                    "how": locked.deciding_method().how,
                }
            )
        Vote.objects.filter(proposal=locked, user=user, superseded_at__isnull=True).update(
            superseded_at=now
        )
        return Vote.objects.create(
            proposal=locked, user=user, choice=choice, reason=reason, cast_at=now, ballot=ballot
        )


def count_live_votes(proposal: Proposal) -> tuple[int, int, int]:
    """For, against and abstaining: the live votes, or under a secret ballot the ballots."""
    if proposal.secret:
        rows = SecretBallot.objects.filter(proposal=proposal).exclude(choice="")
    else:
        rows = Vote.objects.filter(proposal=proposal, superseded_at__isnull=True)
    counts = rows.aggregate(
        f=Count("id", filter=Q(choice=Vote.Choice.FOR)),
        a=Count("id", filter=Q(choice=Vote.Choice.AGAINST)),
        x=Count("id", filter=Q(choice=Vote.Choice.ABSTAIN)),
    )
    return counts["f"], counts["a"], counts["x"]


# Secret ballots (README, "Secret ballots"): a member's choice goes into a SecretBallot
# slot that names nobody; their Vote row says only that they voted. The receipt key is
# the one link between the two, and only the voter holds it.

RECEIPT_SALT = "commons.purposes.secret-ballot-receipt"
_NONCE_BYTES, _MAC_BYTES = 10, 5


@dataclass(frozen=True)
class SecretCast:
    """A secret ballot just cast: the voter's turnout row and their receipt key (shown to
    them, kept only in their browser; Commons keeps its SHA-256 until the close)."""

    vote: Vote
    receipt: str
    changed: bool


def _make_secret_slots(proposal: Proposal, count: int) -> None:
    """One empty ballot per member of the electorate, written together before anyone
    votes: the rows' ids (random) and their order on disk say nothing about who fills
    which."""
    SecretBallot.objects.bulk_create(
        [SecretBallot(proposal=proposal) for _ in range(count)], batch_size=2000
    )


def receipt_hash(receipt: str) -> str:
    return hashlib.sha256(receipt.encode()).hexdigest()


def _receipt_mac(proposal: Proposal, user: User, nonce: bytes) -> bytes:
    value = f"{proposal.pk}:{user.pk}:{nonce.hex()}"
    return salted_hmac(RECEIPT_SALT, value, algorithm="sha256").digest()[:_MAC_BYTES]


def _new_receipt(proposal: Proposal, user: User) -> str:
    """A random key that only this voter can use on this proposal: a nonce and a MAC of
    (proposal, voter, nonce) under the site's secret. Nothing about it is stored but its
    hash, so the voter is found from it only by someone who holds the key itself."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    raw = base64.b32encode(nonce + _receipt_mac(proposal, user, nonce)).decode()
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _receipt_or_error(proposal: Proposal, user: User, receipt: str) -> str:
    """The receipt key in its one written form, if it is this voter's for this proposal."""
    compact = "".join((receipt or "").split()).replace("-", "").upper()
    try:
        raw = base64.b32decode(compact) if len(compact) == 24 else b""
    except (binascii.Error, ValueError):
        raw = b""
    nonce, mac = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    if len(raw) != _NONCE_BYTES + _MAC_BYTES or not hmac.compare_digest(
        mac, _receipt_mac(proposal, user, nonce)
    ):
        raise ProposalError(
            _(
                "That is not your receipt key for this proposal. It was shown when you first "
                "voted (24 letters and digits in groups of four) and kept in the browser you "
                "voted with."
            )
        )
    return "-".join(compact[i : i + 4] for i in range(0, 24, 4))


def check_cast_secret(
    *,
    actor: User,
    proposal: Proposal,
    choice: str = "",
    ballot: object = None,
    receipt: str = "",
    reason: str = "",
    now=None,
) -> SecretCast:
    """Validate and cast (or change, with the receipt key) a secret ballot: for / against /
    abstain under the majority count, the approvals, ranking or scores under a
    several-option method. A secret ballot carries no reason: a reason beside a name would
    say how the member voted."""
    if not proposal.secret:
        raise ProposalError(_("This proposal is not decided by secret ballot."))
    if (reason or "").strip():
        raise ProposalError(
            _(
                "A secret ballot carries no reason, since a reason would show how you "
                "voted; say it in the discussion instead."
            )
        )
    check = BALLOT_CHECKS.get(proposal.method)
    if check is None:
        if not isinstance(choice, str) or choice not in Vote.MAJORITY_CHOICES:
            raise ProposalError(_("Choose for, against or abstain."))
        ballot = None
    else:
        try:
            ballot = check(ballot, ballot_options(proposal))
        except BallotError as error:
            raise ProposalError(str(error)) from None
        choice = Vote.Choice.BALLOT
    _voter_or_error(actor, proposal)
    return do_cast_secret(
        user=actor, proposal=proposal, choice=choice, ballot=ballot, receipt=receipt, now=now
    )


def do_cast_secret(
    *,
    user: User,
    proposal: Proposal,
    choice: str,
    ballot: object,
    receipt: str = "",
    now: datetime | None = None,
) -> SecretCast:
    """Cast or change a secret ballot, under the proposal's row lock like ``do_cast_vote``.

    A first ballot fills an empty slot picked at random and gets a new receipt key; the
    member's Vote row (choice ``secret``) records that they voted, and the one-live-vote
    constraint still holds. A member who has voted changes their ballot only with their
    receipt key: nothing else leads from them to it. The ballot is changed in place (the
    same key goes on working); the turnout row is superseded, as any changed vote is."""
    with transaction.atomic():
        locked = _open_for_voting_or_error(proposal, user, now)
        now = now or timezone.now()
        if not locked.secret or not _fits_method(locked, choice):
            raise ProposalError(_("This vote does not fit how the proposal is decided."))
        live = Vote.objects.filter(proposal=locked, user=user, superseded_at__isnull=True).first()
        slots = SecretBallot.objects.filter(proposal=locked)
        if live is None:
            receipt = _new_receipt(locked, user)
            empty = slots.filter(choice="")
            slot = (
                empty.filter(id__gte=uuid.uuid4()).order_by("id").first()
                or empty.order_by("id").first()
            )
        else:
            if not receipt:
                raise ProposalError(
                    _(
                        "You have already cast your secret ballot. To change it, give the "
                        "receipt key you were shown when you voted: nothing else links you "
                        "to your ballot."
                    )
                )
            receipt = _receipt_or_error(locked, user, receipt)
            slot = slots.filter(receipt_hash=receipt_hash(receipt)).first()
        if slot is None:
            raise ProposalError(_("No ballot matches that receipt key."))
        SecretBallot.objects.filter(pk=slot.pk).update(
            choice=choice, ballot=ballot, receipt_hash=receipt_hash(receipt)
        )
        if live is not None:
            Vote.objects.filter(pk=live.pk).update(superseded_at=now)
        vote = Vote.objects.create(
            proposal=locked, user=user, choice=Vote.Choice.SECRET, cast_at=now
        )
        return SecretCast(vote=vote, receipt=receipt, changed=live is not None)


def do_publish_secret_ballots(*, proposal: Proposal) -> int:
    """At the close (locked by the caller, inside its transaction): forget every receipt,
    so no key leads to a ballot any more; the filled slots are the published ballots (the
    slots nobody filled stay empty and are neither counted nor shown). Returns how many
    were published."""
    if not proposal.secret:
        return 0
    SecretBallot.objects.filter(proposal=proposal).exclude(receipt_hash="").update(receipt_hash="")
    return SecretBallot.objects.filter(proposal=proposal).exclude(choice="").count()


def do_send_reminder(*, proposal_id: int, now: datetime | None = None) -> int:
    """Remind electorate members who have not voted, once, in the 24 hours before the close.
    ``reminder_sent_at`` is set under the row lock, so a second run sends nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
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
