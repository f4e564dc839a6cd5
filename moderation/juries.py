"""Juries (R7): the judges of an appeal, drawn at random from the established members not
involved (5, or every eligible member as a member vote where fewer are eligible), accept or
decline their seat and vote; the appeal is decided as soon as a majority is certain, or
at its deadline by the votes cast. A granted appeal restores the post or lifts the
suspension. The beat job that decides appeals whose time is up and replaces jurors who
did not answer is here too. Filing an appeal is in ``appeals``."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community, Post
from members.models import Membership, User
from moderation.log import Kind, appeal_url, do_log, do_notify_moderation
from moderation.models import Appeal, Flag, JuryMember, ModerationAction
from moderation.review import do_restore_post
from moderation.suspensions import do_lift_suspension

JURY_SIZE = 5
# A juror who neither accepts nor declines within this time is replaced.
JUROR_ANSWER_WINDOW = timedelta(hours=24)

_rng = random.SystemRandom()


# --- Who judges ---------------------------------------------------------------------------


def may_not_judge(decision: ModerationAction, appellant_id: int) -> set[int]:
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


def do_seat_judges(*, appeal: Appeal, pool: list[int], now: datetime, rng=None) -> None:
    """Seat the judges of a new appeal from ``pool`` (see ``eligible_jurors``): for a jury,
    JURY_SIZE of them drawn at random and invited; for a member vote, all of them, seated
    at once. Called in the transaction that files the appeal."""
    if appeal.mode == Appeal.Mode.JURY:
        chosen = (rng or _rng).sample(pool, JURY_SIZE)
        state = JuryMember.State.INVITED
    else:
        chosen, state = pool, JuryMember.State.ACCEPTED
    _seat(appeal=appeal, user_ids=chosen, state=state, now=now)


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
    exclude = may_not_judge(appeal.decision, appeal.appellant_id) | set(
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


def _live_or_refuse(appeal: Appeal) -> None:
    """A community moved to another home decides nothing more here; an appeal still open
    lapses with the sweep at its deadline, as one nobody decided."""
    community = appeal.decision.community
    if community.is_moved:
        raise PermissionDenied(community.read_only_message())


def check_answer_jury(*, actor, appeal: Appeal, accept: bool) -> JuryMember:
    _live_or_refuse(appeal)
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
    _live_or_refuse(appeal)
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
    involved = set(may_not_judge(decision, appeal.appellant_id)) | set(
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
