"""Moderation by members (R7, issue 6): flags, hiding for review, reviews, suspensions,
appeals decided by juries, platform takedowns, and the public log of all of it.

``check_*`` authorises the actor and validates input, then calls ``do_*``, which trusts its
caller. Refusals of authority are ``PermissionDenied``; bad input is ``ValidationError``
keyed by form field (``None`` for the form as a whole). Every change is written to the
log through ``do_log`` in the same transaction, so the log never misses one. Nothing is
deleted: a hidden post keeps its text, a restored post's flags stay (dismissed).

Reads used by the moderation pages and the thread page are at the end of the module.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members import permissions
from members.models import Membership, User
from purposes.models import Vote

# The module, not the name: community.notifications imports community.tasks, which imports
# this module for the beat jobs; by the time a function here runs, both are loaded.
from . import notifications
from .models import (
    Appeal,
    Community,
    Flag,
    JuryMember,
    ModerationAction,
    ModerationState,
    Notification,
    Post,
    RestoreVote,
)

Kind = ModerationAction.Kind
MAX_SUSPENSION_DAYS = 14
MAX_REASON_CHARS = 500
MAX_NOTE_CHARS = 500
MAX_STATEMENT_CHARS = 2000
JURY_SIZE = 5
# A jury decides within this time from the appeal; silence then lets the decision stand.
APPEAL_WINDOW = timedelta(hours=72)
# A juror who neither accepts nor declines within this time is replaced.
JUROR_ANSWER_WINDOW = timedelta(hours=24)
# "Active" members, as for quorum (DESIGN): posted, replied or voted in this window; a
# member who joined within it counts too, so a young community can still seat a jury.
ACTIVE_WINDOW = timedelta(days=90)
DEFAULT_FLAG_THRESHOLD = 3
LOG_PER_PAGE = 50

_rng = random.SystemRandom()


def moderation_url(community: Community) -> str:
    return reverse("community:moderation", kwargs={"slug": community.slug})


def appeal_url(appeal: Appeal) -> str:
    return reverse(
        "community:appeal", kwargs={"slug": appeal.community.slug, "appeal_id": appeal.pk}
    )


def _post_link(post: Post) -> str:
    return post.get_absolute_url()


# --- The log ------------------------------------------------------------------------------


def do_log(
    *,
    community: Community,
    kind: str,
    actor: User | None = None,
    post: Post | None = None,
    member: User | None = None,
    reason: str = "",
    until: datetime | None = None,
    at: datetime | None = None,
) -> ModerationAction:
    """Add one entry to the community's public moderation log. Called by every action
    here, and by purposes.actions when a proposal makes or recalls a moderator."""
    return ModerationAction.objects.create(
        community=community,
        kind=kind,
        actor=actor,
        post=post,
        member=member,
        reason=reason[:1000],
        until=until,
        created_at=at or timezone.now(),
    )


# --- Helpers ------------------------------------------------------------------------------


def _community_of(post: Post) -> Community:
    return post.thread.community


def _clean_reason(text: str, *, field: str, required: bool, what: str) -> str:
    text = " ".join((text or "").split())
    if required and not text:
        raise ValidationError({field: what})
    if len(text) > MAX_REASON_CHARS:
        raise ValidationError(
            {
                field: _("Keep it to %(max)s characters; this has %(n)s.")
                % {"max": MAX_REASON_CHARS, "n": len(text)}
            }
        )
    return text


def flag_threshold(community: Community) -> int:
    charter = community.charter
    return charter.flag_threshold if charter is not None else DEFAULT_FLAG_THRESHOLD


def _moderators(community: Community) -> list[User]:
    now = timezone.now()
    return list(
        User.objects.filter(
            memberships__community=community,
            memberships__left_at__isnull=True,
            memberships__role=Membership.Role.MODERATOR,
        ).filter(
            Q(memberships__moderator_term_ends_at__isnull=True)
            | Q(memberships__moderator_term_ends_at__gt=now)
        )
    )


def _notify(recipients, *, community: Community, text: str, url: str, actor=None) -> None:
    recipients = [user for user in recipients if user is not None]
    if recipients:
        notifications.do_notify(
            recipients=recipients,
            kind=Notification.Kind.MODERATION,
            text=text[:300],
            url=url,
            community=community,
            actor=actor,
        )


def _live_flags(post: Post):
    return Flag.objects.filter(post=post, dismissed_at__isnull=True)


def _flaggers(post: Post) -> list[User]:
    return list(User.objects.filter(pk__in=Flag.objects.filter(post=post).values("flagger")))


def _flag_summary(post: Post) -> str:
    counts = (
        _live_flags(post).filter(counts=True).values("reason").annotate(n=Count("pk")).order_by()
    )
    short = {
        Flag.Reason.OFF_PURPOSE: _("off-purpose"),
        Flag.Reason.DISRESPECTFUL: _("disrespectful"),
        Flag.Reason.SPAM: _("spam"),
        Flag.Reason.OTHER: _("other"),
    }
    parts = [f"{short.get(row['reason'], row['reason'])} ({row['n']})" for row in counts]
    return _("Flagged by members: %(reasons)s") % {"reasons": ", ".join(parts)}


# --- Flags --------------------------------------------------------------------------------


def check_flag_post(
    *, actor, post: Post, reason: str, charter_point: str = "", note: str = ""
) -> Flag:
    """A member flags someone else's post, once. Refused for non-members, suspended
    members, staff acting as such (R2), one's own post, and a post already gone."""
    community = _community_of(post)
    membership = permissions.acting_member(actor, community)
    if membership is None:
        if permissions.is_member(actor, community) and not community.is_dissolved:
            raise PermissionDenied(_("You are suspended in this community: you cannot flag."))
        raise PermissionDenied(_("Only members of this community can flag its posts."))
    if post.author_id == actor.pk:
        raise ValidationError(
            {None: _("You cannot flag your own post. Edit or delete it instead.")}
        )
    if post.is_deleted or post.is_taken_down:
        raise ValidationError({None: _("This post is no longer shown; there is nothing to flag.")})
    if reason not in Flag.Reason.values:
        raise ValidationError({"reason": _("Choose why you are flagging this post.")})
    charter_point = " ".join((charter_point or "").split())
    note = " ".join((note or "").split())
    if reason == Flag.Reason.OFF_PURPOSE and not charter_point:
        raise ValidationError(
            {"charter_point": _("Name the goal or rule of the charter this post strays from.")}
        )
    if reason == Flag.Reason.OTHER and not note:
        raise ValidationError({"note": _("Say in a few words what is wrong with this post.")})
    if len(note) > MAX_NOTE_CHARS or len(charter_point) > MAX_NOTE_CHARS:
        raise ValidationError(
            {"note": _("Keep it to %(max)s characters.") % {"max": MAX_NOTE_CHARS}}
        )
    if Flag.objects.filter(post=post, flagger=actor).exists():
        raise ValidationError({None: _("You have already flagged this post. A member flags once.")})
    return do_flag_post(
        flagger=actor,
        post=post,
        reason=reason,
        charter_point=charter_point,
        note=note,
        counts=membership.joined_at < post.created_at,
    )


def do_flag_post(
    *, flagger, post: Post, reason: str, charter_point: str, note: str, counts: bool
) -> Flag:
    """Record the flag; hide the post when the counting flags reach the charter's threshold.

    Exactly once under concurrency: the post row is locked (select_for_update) before the
    flag is inserted and the live counting flags are counted in the same transaction, so
    concurrent flaggers are serialised and only the one who reaches the threshold sees a
    visible post to hide. The unique (post, flagger) constraint refuses a second flag."""
    community = _community_of(post)
    now = timezone.now()
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        try:
            with transaction.atomic():
                flag = Flag.objects.create(
                    post=locked,
                    flagger=flagger,
                    reason=reason,
                    charter_point=charter_point,
                    note=note,
                    counts=counts,
                    created_at=now,
                )
        except IntegrityError:
            raise ValidationError(
                {None: _("You have already flagged this post. A member flags once.")}
            ) from None
        live = _live_flags(locked).filter(counts=True).count()
        hidden = False
        if locked.moderation_state == ModerationState.VISIBLE and live >= flag_threshold(community):
            summary = _flag_summary(locked)
            _set_post_state(
                community=community,
                post=locked,
                state=ModerationState.HIDDEN,
                kind=Kind.HIDE,
                actor=None,
                reason=summary,
                now=now,
                shown_reason=summary,
            )
            locked.moderation_state = ModerationState.HIDDEN
            hidden = True
        post.moderation_state = locked.moderation_state
        title = post.thread.title
        if hidden:
            _notify(
                [post.author],
                community=community,
                text=_("Your post in “%(title)s” is hidden pending review: members flagged it.")
                % {"title": title},
                url=_post_link(post),
            )
        if hidden or (counts and live == 1):
            _notify(
                [u for u in _moderators(community) if u.pk not in (post.author_id, flagger.pk)],
                community=community,
                text=(
                    _("A post in “%(title)s” was hidden and waits for your review.")
                    if hidden
                    else _("A post in “%(title)s” was flagged.")
                )
                % {"title": title},
                url=moderation_url(community),
            )
    return flag


# --- Review -------------------------------------------------------------------------------


class Decision:
    RESTORE = "restore"
    KEEP_HIDDEN = "keep_hidden"
    CHOICES = (RESTORE, KEEP_HIDDEN)


def in_queue(post: Post) -> bool:
    """Hidden pending review, or shown but carrying live flags."""
    if post.moderation_state == ModerationState.HIDDEN:
        return True
    return post.moderation_state == ModerationState.VISIBLE and _live_flags(post).exists()


def review_refusal(user, post: Post) -> str | None:
    """Why ``user`` may not review ``post`` (None: they may). One place for the view's
    buttons and the actions' refusals."""
    community = _community_of(post)
    membership = permissions.acting_member(user, community)
    if membership is None:
        return _("Only members of this community review its posts.")
    if post.author_id == user.pk:
        return _("Nobody reviews their own post; another member will.")
    if Flag.objects.filter(post=post, flagger=user).exists():
        return _("You flagged this post, so someone else reviews it.")
    if permissions.has_moderators(community):
        if not membership.is_moderator:
            return _("This community has elected moderators: they review flagged posts.")
        return None
    if membership.joined_at >= post.created_at:
        return _("Only members who joined before this post was written may vote on it.")
    return None


def check_review_post(*, actor, post: Post, decision: str, reason: str = "") -> ModerationAction:
    """A moderator in term restores a queued post (its flags dismissed) or keeps it
    hidden (with a reason). Never their own post, never a post they flagged."""
    community = _community_of(post)
    if not permissions.can_moderate(actor, community):
        raise PermissionDenied(
            _("Only elected moderators in term can review posts here.")
            if permissions.has_moderators(community)
            else _("This community has no moderator: members vote to restore hidden posts.")
        )
    refusal = review_refusal(actor, post)
    if refusal:
        raise PermissionDenied(refusal)
    if decision not in Decision.CHOICES:
        raise ValidationError({"decision": _("Choose whether to restore it or keep it hidden.")})
    reason = _clean_reason(
        reason,
        field="reason",
        required=decision == Decision.KEEP_HIDDEN,
        what=_("Say why the post stays hidden: its author and every member will read it."),
    )
    return do_review_post(moderator=actor, post=post, decision=decision, reason=reason)


def do_review_post(*, moderator, post: Post, decision: str, reason: str) -> ModerationAction:
    """Apply the review under the post's row lock: a second moderator deciding at the same
    moment finds it already out of the queue and is told so."""
    community = _community_of(post)
    now = timezone.now()
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        locked.thread = post.thread
        if not in_queue(locked):
            raise ValidationError({None: _("Someone has already reviewed this post.")})
        if decision == Decision.RESTORE:
            entry = _restore(post=locked, actor=moderator, reason=reason, now=now)
        else:
            entry = _set_post_state(
                community=community,
                post=locked,
                state=ModerationState.KEPT_HIDDEN,
                kind=Kind.KEEP_HIDDEN,
                actor=moderator,
                reason=reason,
                now=now,
                shown_reason=reason,
            )
        post.refresh_from_db(fields=["moderation_state", "moderation_reason", "moderated_at"])
        _notify_outcome(entry=entry, post=post)
    return entry


def _set_post_state(
    *,
    community: Community,
    post: Post,
    state: str,
    kind: str,
    actor,
    reason: str,
    now: datetime,
    shown_reason: str,
) -> ModerationAction:
    """Change a post's moderation state and log it: one place for hide, keep hidden,
    restore and takedown. ``shown_reason`` is what the post's placeholder says."""
    Post.objects.filter(pk=post.pk).update(
        moderation_state=state, moderation_reason=shown_reason, moderated_at=now
    )
    return do_log(
        community=community,
        kind=kind,
        actor=actor,
        post=post,
        member=post.author,
        reason=reason,
        at=now,
    )


def _restore(*, post: Post, actor, reason: str, now: datetime) -> ModerationAction:
    _live_flags(post).update(dismissed_at=now)
    return _set_post_state(
        community=_community_of(post),
        post=post,
        state=ModerationState.VISIBLE,
        kind=Kind.RESTORE,
        actor=actor,
        reason=reason,
        now=now,
        shown_reason="",
    )


def _notify_outcome(*, entry: ModerationAction, post: Post) -> None:
    community = _community_of(post)
    title = post.thread.title
    if entry.kind == Kind.RESTORE:
        text = _("Your post in “%(title)s” was reviewed and restored.")
        other = _("A post you flagged in “%(title)s” was reviewed and restored.")
    else:
        text = _("Your post in “%(title)s” was reviewed and stays hidden. You may appeal.")
        other = _("A post you flagged in “%(title)s” was reviewed and stays hidden.")
    _notify(
        [post.author],
        community=community,
        text=text % {"title": title},
        url=_post_link(post),
        actor=entry.actor,
    )
    _notify(
        [u for u in _flaggers(post) if u.pk != getattr(entry.actor, "pk", None)],
        community=community,
        text=other % {"title": title},
        url=moderation_url(community),
        actor=entry.actor,
    )


def check_vote_restore(*, actor, post: Post) -> RestoreVote:
    """Where there is no moderator: a member who joined before the post votes to restore
    it (not its author, not a flagger)."""
    community = _community_of(post)
    if permissions.acting_member(actor, community) is None:
        raise PermissionDenied(_("Only members of this community review its posts."))
    if permissions.has_moderators(community):
        raise PermissionDenied(
            _("This community has elected moderators: they review flagged posts.")
        )
    refusal = review_refusal(actor, post)
    if refusal:
        raise PermissionDenied(refusal)
    if post.moderation_state != ModerationState.HIDDEN:
        raise ValidationError({None: _("This post is not waiting for review.")})
    return do_vote_restore(voter=actor, post=post)


def do_vote_restore(*, voter, post: Post) -> RestoreVote:
    """Count the vote under the post's row lock; restore when as many members voted to
    restore it as flagged it (counting flags), exactly once."""
    now = timezone.now()
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        locked.thread = post.thread
        try:
            with transaction.atomic():
                vote = RestoreVote.objects.create(post=locked, voter=voter, created_at=now)
        except IntegrityError:
            raise ValidationError(
                {None: _("You have already voted to restore this post.")}
            ) from None
        votes = RestoreVote.objects.filter(post=locked, created_at__gte=locked.moderated_at).count()
        flags = _live_flags(locked).filter(counts=True).count()
        if locked.moderation_state == ModerationState.HIDDEN and votes >= flags:
            entry = _restore(
                post=locked,
                actor=None,
                reason=_("%(n)s members voted to restore it, as many as flagged it.")
                % {"n": votes},
                now=now,
            )
            post.refresh_from_db(fields=["moderation_state", "moderation_reason"])
            _notify_outcome(entry=entry, post=post)
    return vote


# --- Suspensions and terms ----------------------------------------------------------------


def check_suspend_member(
    *, actor, community: Community, username: str, days, reason: str
) -> ModerationAction:
    """A moderator in term suspends a member from posting for at most 14 days, with a
    reason. Longer removal is a "remove a member" proposal."""
    if not permissions.can_moderate(actor, community):
        raise PermissionDenied(_("Only elected moderators in term can suspend members."))
    errors = {}
    target = (
        Membership.objects.current()
        .filter(community=community, user__username__iexact=(username or "").strip().lstrip("@"))
        .select_related("user")
        .first()
    )
    if target is None:
        errors["username"] = [_("No current member of this community has that username.")]
    elif target.user_id == actor.pk:
        errors["username"] = [_("You cannot suspend yourself.")]
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_SUSPENSION_DAYS:
        errors["days"] = [
            _("A suspension lasts from 1 to %(max)s days. For longer, propose removing the member.")
            % {"max": MAX_SUSPENSION_DAYS}
        ]
    try:
        reason = _clean_reason(
            reason,
            field="reason",
            required=True,
            what=_("Give the reason: the member and every member will read it in the log."),
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return do_suspend_member(
        moderator=actor,
        membership=target,
        until=timezone.now() + timedelta(days=days),
        reason=reason,
    )


def do_suspend_member(*, moderator, membership: Membership, until: datetime, reason: str):
    community = membership.community
    with transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(
            suspended_until=until, suspension_reason=reason
        )
        entry = do_log(
            community=community,
            kind=Kind.SUSPEND,
            actor=moderator,
            member=membership.user,
            reason=reason,
            until=until,
        )
        _notify(
            [membership.user],
            community=community,
            text=_(
                "You are suspended from posting in %(community)s until %(until)s UTC: "
                "%(reason)s. You may appeal."
            )
            % {"community": community.name, "until": f"{until:%d %b %Y %H:%M}", "reason": reason},
            url=moderation_url(community),
            actor=moderator,
        )
    return entry


def _lift_suspension(*, membership: Membership, actor, reason: str, now: datetime) -> bool:
    lifted = Membership.objects.filter(pk=membership.pk, suspended_until__isnull=False).update(
        suspended_until=None, suspension_reason=""
    )
    if lifted:
        do_log(
            community=membership.community,
            kind=Kind.UNSUSPEND,
            actor=actor,
            member=membership.user,
            reason=reason,
            at=now,
        )
    return bool(lifted)


def do_end_expired(*, now: datetime | None = None) -> tuple[int, int]:
    """Beat job: end moderator terms and suspensions that are due, and log each.

    Idempotent: each row is changed by a conditional UPDATE (still a moderator, still
    suspended, due), and only a row it changed is logged, so a second run, or two beats
    at once, log nothing more. Permissions already read the dates, so a late run only
    tidies the record: an ended term is refused from that moment on."""
    now = now or timezone.now()
    terms = 0
    due_terms = Membership.objects.filter(
        role=Membership.Role.MODERATOR, moderator_term_ends_at__lte=now
    ).select_related("community", "user")
    for membership in due_terms:
        with transaction.atomic():
            changed = Membership.objects.filter(
                pk=membership.pk, role=Membership.Role.MODERATOR, moderator_term_ends_at__lte=now
            ).update(role=Membership.Role.MEMBER, moderator_term_ends_at=None)
            if not changed:
                continue
            do_log(
                community=membership.community,
                kind=Kind.TERM_END,
                member=membership.user,
                reason=_("The term ended."),
                at=now,
            )
            terms += 1
    suspensions = 0
    due = Membership.objects.filter(suspended_until__lte=now).select_related("community", "user")
    for membership in due:
        with transaction.atomic():
            if _lift_suspension(
                membership=membership, actor=None, reason=_("The suspension ran out."), now=now
            ):
                suspensions += 1
    return terms, suspensions


# --- Appeals and juries -------------------------------------------------------------------


def appealable_decision(*, user, community: Community, post: Post | None = None):
    """The decision ``user`` may appeal: keeping their post hidden (or, where no moderator
    reviews, hiding it), or their suspension in effect. None if there is nothing to appeal."""
    if not getattr(user, "is_authenticated", False):
        return None
    if post is not None:
        if post.author_id != user.pk or not post.is_hidden:
            return None
        kinds = [Kind.KEEP_HIDDEN]
        if post.moderation_state == ModerationState.HIDDEN and not permissions.has_moderators(
            community
        ):
            kinds.append(Kind.HIDE)
        return (
            ModerationAction.objects.filter(community=community, post=post, kind__in=kinds)
            .order_by("-created_at", "-id")
            .first()
        )
    membership = permissions.current_membership(user, community)
    if membership is None or not membership.is_suspended:
        return None
    return (
        ModerationAction.objects.filter(community=community, member=user, kind=Kind.SUSPEND)
        .order_by("-created_at", "-id")
        .first()
    )


def _involved(decision: ModerationAction, appellant_id: int) -> set[int]:
    """Who may not judge: the appellant, the deciding moderator, the post's flaggers."""
    ids = {appellant_id}
    if decision.actor_id:
        ids.add(decision.actor_id)
    if decision.post_id:
        ids |= set(Flag.objects.filter(post_id=decision.post_id).values_list("flagger", flat=True))
    return ids


def eligible_jurors(*, community: Community, exclude: set[int], now: datetime) -> list[int]:
    """User ids of active, unsuspended current members not in ``exclude`` (one query)."""
    since = now - ACTIVE_WINDOW
    posted = Post.objects.filter(
        author=OuterRef("user_id"), thread__community=community, created_at__gte=since
    )
    voted = Vote.objects.filter(
        user=OuterRef("user_id"), proposal__community=community, cast_at__gte=since
    )
    return list(
        Membership.objects.current()
        .filter(community=community)
        .filter(Q(suspended_until__isnull=True) | Q(suspended_until__lte=now))
        .filter(Q(joined_at__gte=since) | Exists(posted) | Exists(voted))
        .exclude(user_id__in=exclude)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def check_file_appeal(*, actor, decision: ModerationAction, statement: str) -> Appeal:
    """The author of a post kept hidden, or a suspended member, appeals once."""
    ensure_may_appeal(actor=actor, decision=decision)
    statement = (statement or "").strip()
    if not statement:
        raise ValidationError(
            {"statement": _("Tell the jury why the decision should be reversed.")}
        )
    if len(statement) > MAX_STATEMENT_CHARS:
        raise ValidationError(
            {
                "statement": _("Keep it to %(max)s characters; this has %(n)s.")
                % {"max": MAX_STATEMENT_CHARS, "n": len(statement)}
            }
        )
    return do_file_appeal(appellant=actor, decision=decision, statement=statement)


def ensure_may_appeal(*, actor, decision: ModerationAction) -> None:
    """Refuse an appeal ``actor`` may not file (the statement aside)."""
    community = decision.community
    if decision.kind not in (Kind.HIDE, Kind.KEEP_HIDDEN, Kind.SUSPEND):
        raise ValidationError(
            {
                None: _(
                    "Only keeping a post hidden or a suspension can be appealed; "
                    "an appeal's outcome is final."
                )
            }
        )
    if not permissions.is_member(actor, community):
        raise PermissionDenied(_("Only members of this community can appeal here."))
    post = decision.post
    expected = appealable_decision(user=actor, community=community, post=post)
    if expected is None or expected.pk != decision.pk:
        raise PermissionDenied(
            _("Only the member this decision concerns can appeal it, while it is in effect.")
        )
    if Appeal.objects.filter(decision=decision).exists():
        raise ValidationError(
            {None: _("You have already appealed this decision; you may appeal once.")}
        )


def do_file_appeal(
    *, appellant, decision: ModerationAction, statement: str, now: datetime | None = None, rng=None
) -> Appeal:
    """File the appeal and seat its judges in one transaction: a jury of 5 drawn at random
    from the active members not involved, or, when fewer than 5 are eligible, every one of
    them as voters (a member vote). The one-to-one on the decision makes it once only."""
    now = now or timezone.now()
    community = decision.community
    pool = eligible_jurors(community=community, exclude=_involved(decision, appellant.pk), now=now)
    mode = Appeal.Mode.JURY if len(pool) >= JURY_SIZE else Appeal.Mode.MEMBER_VOTE
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                community=community,
                appellant=appellant,
                decision=decision,
                post=decision.post,
                statement=statement,
                mode=mode,
                created_at=now,
                deadline=now + APPEAL_WINDOW,
            )
            if mode == Appeal.Mode.JURY:
                chosen = (rng or _rng).sample(pool, JURY_SIZE)
                state = JuryMember.State.INVITED
            else:
                chosen, state = pool, JuryMember.State.ACCEPTED
            _seat(appeal=appeal, user_ids=chosen, state=state, now=now)
            do_log(
                community=community,
                kind=Kind.APPEAL_FILED,
                actor=appellant,
                post=decision.post,
                member=appellant,
                reason=_("Appeal against %(decision)s, decided by %(mode)s.")
                % {"decision": appeal_subject(decision), "mode": appeal.get_mode_display()},
                at=now,
            )
    except IntegrityError:
        raise ValidationError(
            {None: _("You have already appealed this decision; you may appeal once.")}
        ) from None
    return appeal


def appeal_subject(decision: ModerationAction) -> str:
    """What an appeal is against, in words ("a suspension", "keeping a post hidden")."""
    if decision.kind == Kind.SUSPEND:
        return _("a suspension")
    if decision.kind == Kind.KEEP_HIDDEN:
        return _("keeping a post hidden")
    return _("hiding a post")


def _seat(*, appeal: Appeal, user_ids: list[int], state: str, now: datetime) -> None:
    if not user_ids:
        return
    JuryMember.objects.bulk_create(
        [JuryMember(appeal=appeal, user_id=uid, state=state, drawn_at=now) for uid in user_ids]
    )
    if appeal.mode == Appeal.Mode.JURY:
        text = _("You were drawn for the jury of an appeal in %(community)s. Accept or decline.")
    else:
        text = _("An appeal in %(community)s is decided by a vote of the members: yours counts.")
    _notify(
        list(User.objects.filter(pk__in=user_ids)),
        community=appeal.community,
        text=text % {"community": appeal.community.name},
        url=appeal_url(appeal),
    )


def _draw_replacements(*, appeal: Appeal, now: datetime, rng=None) -> int:
    """Fill empty jury seats (declined or timed out) from members not yet drawn. Called
    with the appeal row locked, so two replacements never take the same seat."""
    seated = appeal.jurors.filter(
        state__in=[JuryMember.State.INVITED, JuryMember.State.ACCEPTED]
    ).count()
    needed = JURY_SIZE - seated
    if needed <= 0:
        return 0
    exclude = _involved(appeal.decision, appeal.appellant_id) | set(
        appeal.jurors.values_list("user_id", flat=True)
    )
    pool = eligible_jurors(community=appeal.community, exclude=exclude, now=now)
    chosen = (rng or _rng).sample(pool, min(needed, len(pool)))
    _seat(appeal=appeal, user_ids=chosen, state=JuryMember.State.INVITED, now=now)
    return len(chosen)


def _lock_appeal(appeal_id: int) -> Appeal:
    return (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("community", "decision", "appellant")
        .get(pk=appeal_id)
    )


def _seat_of(appeal: Appeal, user) -> JuryMember | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return JuryMember.objects.filter(appeal=appeal, user=user).first()


def _ensure_open(appeal: Appeal, now: datetime) -> None:
    if not appeal.is_open:
        raise ValidationError({None: _("This appeal has been decided.")})
    if now >= appeal.deadline:
        raise ValidationError({None: _("The time to decide this appeal has run out.")})


def check_answer_jury(*, actor, appeal: Appeal, accept: bool) -> JuryMember:
    seat = _seat_of(appeal, actor)
    if seat is None:
        raise PermissionDenied(_("You were not drawn for this jury."))
    _ensure_open(appeal, timezone.now())
    if seat.state != JuryMember.State.INVITED:
        raise ValidationError({None: _("You have already answered.")})
    return do_answer_jury(seat=seat, accept=accept)


def do_answer_jury(*, seat: JuryMember, accept: bool, rng=None) -> JuryMember:
    """Accept or decline a seat; a declined seat is filled by a new draw at once."""
    now = timezone.now()
    with transaction.atomic():
        appeal = _lock_appeal(seat.appeal_id)
        changed = JuryMember.objects.filter(pk=seat.pk, state=JuryMember.State.INVITED).update(
            state=JuryMember.State.ACCEPTED if accept else JuryMember.State.DECLINED,
            answered_at=now,
        )
        if not changed:
            raise ValidationError({None: _("You have already answered.")})
        if not accept:
            _draw_replacements(appeal=appeal, now=now, rng=rng)
    seat.refresh_from_db()
    return seat


def check_cast_jury_vote(*, actor, appeal: Appeal, vote: str) -> JuryMember:
    seat = _seat_of(appeal, actor)
    if seat is None:
        raise PermissionDenied(_("You were not drawn to decide this appeal."))
    _ensure_open(appeal, timezone.now())
    if seat.vote:
        raise ValidationError({None: _("You have already voted; each judge votes once.")})
    if seat.state != JuryMember.State.ACCEPTED:
        raise ValidationError({None: _("Accept your seat on the jury before voting.")})
    if vote not in JuryMember.Vote.values:
        raise ValidationError({"vote": _("Choose: reverse the decision, or let it stand.")})
    return do_cast_jury_vote(seat=seat, vote=vote)


def do_cast_jury_vote(*, seat: JuryMember, vote: str) -> JuryMember:
    """Record the vote (once: a conditional update under the appeal's row lock), then
    decide as soon as a majority is certain."""
    now = timezone.now()
    with transaction.atomic():
        appeal = _lock_appeal(seat.appeal_id)
        _ensure_open(appeal, now)
        changed = JuryMember.objects.filter(
            pk=seat.pk, vote="", state=JuryMember.State.ACCEPTED
        ).update(vote=vote, voted_at=now)
        if not changed:
            raise ValidationError({None: _("You have already voted; each judge votes once.")})
        _maybe_decide(appeal=appeal, now=now, final=False)
    seat.refresh_from_db()
    return seat


@dataclass(frozen=True)
class AppealTally:
    grant: int
    deny: int
    seats: int

    @property
    def majority(self) -> int:
        return self.seats // 2 + 1


def appeal_tally(appeal: Appeal) -> AppealTally:
    rows = dict(
        appeal.jurors.exclude(vote="").values_list("vote").annotate(n=Count("pk")).order_by()
    )
    seats = (
        JURY_SIZE
        if appeal.mode == Appeal.Mode.JURY
        else appeal.jurors.filter(state=JuryMember.State.ACCEPTED).count()
    )
    return AppealTally(
        grant=rows.get(JuryMember.Vote.GRANT, 0),
        deny=rows.get(JuryMember.Vote.DENY, 0),
        seats=seats,
    )


def _maybe_decide(*, appeal: Appeal, now: datetime, final: bool) -> bool:
    tally = appeal_tally(appeal)
    if tally.grant >= tally.majority:
        granted = True
    elif tally.deny >= tally.majority:
        granted = False
    elif final:
        # At the deadline a majority of the votes cast decides; none, or a tie, leaves
        # the decision standing (an appeal must win, not merely avoid losing).
        granted = tally.grant > tally.deny
    else:
        return False
    _decide(appeal=appeal, granted=granted, tally=tally, now=now)
    return True


def _decide(*, appeal: Appeal, granted: bool, tally: AppealTally, now: datetime) -> None:
    community = appeal.community
    decision = appeal.decision
    result = _("%(grant)s for reversing, %(deny)s for letting it stand.") % {
        "grant": tally.grant,
        "deny": tally.deny,
    }
    Appeal.objects.filter(pk=appeal.pk).update(
        state=Appeal.State.GRANTED if granted else Appeal.State.DENIED,
        decided_at=now,
        result=result,
    )
    appeal.state = Appeal.State.GRANTED if granted else Appeal.State.DENIED
    by = appeal.get_mode_display()
    if granted:
        if decision.post_id:
            post = (
                Post.objects.select_for_update()
                .select_related("thread__community")
                .get(pk=decision.post_id)
            )
            if post.is_hidden:
                _restore(
                    post=post,
                    actor=None,
                    reason=_("The appeal was granted by %(by)s.") % {"by": by},
                    now=now,
                )
        else:
            membership = (
                Membership.objects.current()
                .filter(community=community, user_id=decision.member_id)
                .select_related("community", "user")
                .first()
            )
            if membership is not None:
                _lift_suspension(
                    membership=membership,
                    actor=None,
                    reason=_("The appeal was granted by %(by)s.") % {"by": by},
                    now=now,
                )
    do_log(
        community=community,
        kind=Kind.APPEAL_GRANTED if granted else Kind.APPEAL_DENIED,
        post=decision.post,
        member=appeal.appellant,
        reason=_("Decided by %(by)s: %(result)s") % {"by": by, "result": result},
        at=now + timedelta(microseconds=1),
    )
    involved = set(_involved(decision, appeal.appellant_id)) | set(
        appeal.jurors.filter(state=JuryMember.State.ACCEPTED).values_list("user_id", flat=True)
    )
    text = (
        _("The appeal in %(community)s was granted: the decision is reversed.")
        if granted
        else _("The appeal in %(community)s was denied: the decision stands.")
    )
    _notify(
        list(User.objects.filter(pk__in=involved)),
        community=community,
        text=text % {"community": community.name},
        url=appeal_url(appeal),
    )


def do_sweep_appeals(*, now: datetime | None = None, rng=None) -> int:
    """Beat job: decide appeals whose 72 hours are up (majority of the votes cast), and
    replace jurors who did not answer in time. Idempotent: each appeal is handled under
    its row lock and only while open; a seat times out once (conditional update)."""
    now = now or timezone.now()
    handled = 0
    for appeal_id in Appeal.objects.filter(state=Appeal.State.OPEN).values_list("pk", flat=True):
        with transaction.atomic():
            appeal = _lock_appeal(appeal_id)
            if not appeal.is_open:
                continue
            if now >= appeal.deadline:
                _maybe_decide(appeal=appeal, now=now, final=True)
                handled += 1
                continue
            late = appeal.jurors.filter(
                state=JuryMember.State.INVITED, drawn_at__lte=now - JUROR_ANSWER_WINDOW
            ).update(state=JuryMember.State.TIMED_OUT, answered_at=now)
            if late:
                _draw_replacements(appeal=appeal, now=now, rng=rng)
                handled += 1
    return handled


# --- Platform takedown --------------------------------------------------------------------


def check_take_down(*, actor, post: Post, reason: str) -> ModerationAction:
    """Platform staff take a post down for a legal or abuse reason, shown in the log (R2)."""
    if not permissions.can_take_down(actor):
        raise PermissionDenied(_("Only platform staff can take content down."))
    if post.is_taken_down:
        raise ValidationError({None: _("This post has already been taken down.")})
    reason = _clean_reason(
        reason,
        field="reason",
        required=True,
        what=_("Give the legal or abuse reason: it is shown in the community's public log."),
    )
    return do_take_down(staff=actor, post=post, reason=reason)


def do_take_down(*, staff, post: Post, reason: str) -> ModerationAction:
    community = _community_of(post)
    now = timezone.now()
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if locked.moderation_state == ModerationState.TAKEN_DOWN:
            raise ValidationError({None: _("This post has already been taken down.")})
        entry = _set_post_state(
            community=community,
            post=post,
            state=ModerationState.TAKEN_DOWN,
            kind=Kind.TAKEDOWN,
            actor=staff,
            reason=reason,
            now=now,
            shown_reason=reason,
        )
        _notify(
            [post.author],
            community=community,
            text=_("Platform staff took down your post in “%(title)s”: %(reason)s")
            % {"title": post.thread.title, "reason": reason},
            url=moderation_url(community),
        )
    return entry


# --- Reads --------------------------------------------------------------------------------


def log_page(*, community: Community, page_number):
    entries = ModerationAction.objects.filter(community=community).select_related(
        "actor", "member", "post__thread__community"
    )
    return Paginator(entries.order_by("-created_at", "-id"), LOG_PER_PAGE).get_page(page_number)


def review_queue(*, community: Community, user) -> list[Post]:
    """Posts waiting for review (hidden, or shown with live flags), oldest first, each with
    ``flag_count`` and ``refusal`` (why this viewer may not review it, or None)."""
    live = Flag.objects.filter(post=OuterRef("pk"), dismissed_at__isnull=True)
    mine = Flag.objects.filter(post=OuterRef("pk"), flagger_id=getattr(user, "pk", None))
    posts = list(
        Post.objects.filter(thread__community=community)
        .filter(
            Q(moderation_state=ModerationState.HIDDEN)
            | Q(moderation_state=ModerationState.VISIBLE, deleted_at__isnull=True) & Exists(live)
        )
        .annotate(
            flag_count=Count("flags", filter=Q(flags__dismissed_at__isnull=True)),
            flagged_by_me=Exists(mine),
        )
        .select_related("thread", "author")
        .order_by("moderated_at", "created_at")[:100]
    )
    membership = permissions.acting_member(user, community)
    moderated = permissions.has_moderators(community)
    for post in posts:
        post.thread.community = community
        if membership is None:
            post.refusal = _("Only members review posts.")
        elif post.author_id == user.pk:
            post.refusal = _("Your own post: someone else reviews it.")
        elif post.flagged_by_me:
            post.refusal = _("You flagged it: someone else reviews it.")
        elif moderated and not membership.is_moderator:
            post.refusal = _("Moderators review it.")
        elif not moderated and membership.joined_at >= post.created_at:
            post.refusal = _("You joined after it was written.")
        else:
            post.refusal = None
    return posts


def may_see_queue(user, community: Community) -> bool:
    """Moderators, or every acting member where there is no moderator."""
    if permissions.has_moderators(community):
        return permissions.can_moderate(user, community)
    return permissions.acting_member(user, community) is not None


def may_see_hidden_text(user, post: Post) -> bool:
    """The author and the moderators still read a hidden post; a takedown hides it from
    everyone. Where no moderator reviews, the members entitled to vote read it too."""
    if post.is_taken_down or not getattr(user, "is_authenticated", False):
        return False
    if post.author_id == user.pk:
        return True
    community = _community_of(post)
    if permissions.can_moderate(user, community):
        return True
    return not permissions.has_moderators(community) and review_refusal(user, post) is None


def open_appeals(*, community: Community) -> list[Appeal]:
    appeals = list(
        Appeal.objects.filter(community=community, state=Appeal.State.OPEN)
        .select_related("appellant", "post__thread", "decision")
        .order_by("deadline")
    )
    for appeal in appeals:
        appeal.subject = appeal_subject(appeal.decision)
    return appeals


def my_appealable(*, user, community: Community) -> list[ModerationAction]:
    """Decisions the viewer may still appeal here (their hidden posts, their suspension)."""
    if not permissions.is_member(user, community):
        return []
    found = []
    suspension = appealable_decision(user=user, community=community)
    if suspension is not None and not Appeal.objects.filter(decision=suspension).exists():
        found.append(suspension)
    hidden = Post.objects.filter(
        thread__community=community,
        author=user,
        moderation_state__in=[ModerationState.HIDDEN, ModerationState.KEPT_HIDDEN],
    ).select_related("thread")
    for post in hidden:
        post.thread.community = community
        decision = appealable_decision(user=user, community=community, post=post)
        if decision is not None and not Appeal.objects.filter(decision=decision).exists():
            found.append(decision)
    return found


@dataclass
class ThreadModeration:
    """What the thread page needs to draw flags and placeholders, in one query at most."""

    may_flag: bool = False
    moderates: bool = False
    flagged: frozenset = frozenset()
    moderation_url: str = ""

    def can_read_hidden(self, post: Post, user) -> bool:
        return not post.is_taken_down and (
            self.moderates or post.author_id == getattr(user, "pk", None)
        )


def thread_moderation(*, user, community: Community, posts: list[Post]) -> ThreadModeration:
    """For the thread page: whether the viewer may flag and moderates (membership is
    cached per request), and the page's posts they already flagged (one query). Each post
    gets ``show_text`` and ``flagged_by_me``, read by the post partials."""
    membership = permissions.acting_member(user, community)
    moderates = membership is not None and membership.is_moderator
    flagged: frozenset = frozenset()
    ids = [post.pk for post in posts if post is not None]
    if membership is not None and ids:
        flagged = frozenset(
            Flag.objects.filter(flagger=user, post_id__in=ids).values_list("post_id", flat=True)
        )
    user_id = getattr(user, "pk", None)
    for post in posts:
        if post is None:
            continue
        post.flagged_by_me = post.pk in flagged
        post.may_flag = (
            membership is not None
            and post.author_id != user_id
            and not post.is_deleted
            and not post.is_taken_down
            and not post.flagged_by_me
        )
        post.show_text = not post.is_taken_down and (
            not post.is_hidden or moderates or post.author_id == user_id
        )
    return ThreadModeration(
        may_flag=membership is not None,
        moderates=moderates,
        flagged=flagged,
        moderation_url=moderation_url(community),
    )
