"""Appeals (R7): the member a decision concerns (their post kept hidden, their suspension)
appeals it once; a jury of 5 active members drawn at random, or every eligible member where
fewer are eligible, decides within 72 hours. A granted appeal restores the post or lifts the
suspension. The beat job decides appeals whose time is up and replaces jurors who did not
answer; the moderation page's lists of appeals are here too."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community, ModerationState, Post
from members import permissions
from members.models import Membership, User
from moderation.log import Kind, do_log, do_notify_moderation
from moderation.models import Appeal, Flag, JuryMember, ModerationAction
from moderation.review import do_restore_post, moderators_review
from moderation.suspensions import do_lift_suspension

MAX_STATEMENT_CHARS = 2000
JURY_SIZE = 5
# A jury decides within this time from the appeal; silence then lets the decision stand.
APPEAL_WINDOW = timedelta(hours=72)
# A juror who neither accepts nor declines within this time is replaced.
JUROR_ANSWER_WINDOW = timedelta(hours=24)

_rng = random.SystemRandom()


def appeal_url(appeal: Appeal) -> str:
    return reverse(
        "moderation:appeal", kwargs={"slug": appeal.community.slug, "appeal_id": appeal.pk}
    )


# --- Filing an appeal ---------------------------------------------------------------------


def appealable_decision(*, user, community: Community, post: Post | None = None):
    """The decision ``user`` may appeal: keeping their post hidden (or, where no moderator
    reviews, hiding it), or their suspension in effect. None if there is nothing to appeal."""
    if not getattr(user, "is_authenticated", False):
        return None
    if post is not None:
        if post.author_id != user.pk or not post.is_hidden:
            return None
        kinds = [Kind.KEEP_HIDDEN]
        if post.moderation_state == ModerationState.HIDDEN and not moderators_review(post):
            kinds.append(Kind.HIDE)  # members decide it: its author may appeal the hide
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
    """User ids of established current members not in ``exclude`` (one query). A
    suspension does not take anyone out of the pool: otherwise a moderator could choose
    the jury of an appeal against themselves by suspending the rest."""
    return list(
        Membership.objects.established(community=community, now=now)
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


# --- Juries -------------------------------------------------------------------------------


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
    do_notify_moderation(
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


# --- Deciding -----------------------------------------------------------------------------


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
                do_restore_post(
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
                do_lift_suspension(
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
    do_notify_moderation(
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


# --- Reads --------------------------------------------------------------------------------


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
