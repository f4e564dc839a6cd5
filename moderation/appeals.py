"""Appeals (R7): the member a decision concerns (their post kept hidden, their suspension)
appeals it once, within the time it is in effect; its judges are seated at once (see
``juries``) and decide within 72 hours. The moderation page's lists of appeals are here
too."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community, ModerationState, Post
from members import permissions
from moderation.juries import JURY_SIZE, do_seat_judges, eligible_jurors, may_not_judge
from moderation.log import Kind, do_log
from moderation.models import Appeal, ModerationAction
from moderation.review import moderators_review

MAX_STATEMENT_CHARS = 2000
# A jury decides within this time from the appeal; silence then lets the decision stand.
APPEAL_WINDOW = timedelta(hours=72)


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
    if community.is_moved:
        raise PermissionDenied(community.read_only_message())
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
    pool = eligible_jurors(
        community=community, exclude=may_not_judge(decision, appellant.pk), now=now
    )
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
            do_seat_judges(appeal=appeal, pool=pool, now=now, rng=rng)
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
