"""Applying to a community that admits by application, withdrawing, and deciding.

An application is the applicant's own act: admission turns it into their membership
through ``do_join`` (R1).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community
from members import permissions
from members.joining import do_join, ensure_affirmed, ensure_open
from members.models import Application, Membership, User
from notifications.actions import do_notify
from notifications.models import Notification
from purposes.models import JoinPolicy

MAX_MOTIVATION_CHARS = 2000
MAX_REASON_CHARS = 500
# An application notifies at most this many deciders (moderators, or else the longest-
# standing members), so a big community is not pinged as a whole.
MAX_APPLICATION_NOTICES = 20


def check_apply(
    *,
    actor: User,
    community: Community,
    motivation: str,
    affirmed: bool,
    revision: int | str | None = None,
) -> Application:
    """Apply to a community that admits by application. A second application while one
    is pending returns the pending one. ``revision``: the charter revision the applicant's
    page showed (posted by the join form of a forming community); by default the one in
    force."""
    if permissions.is_member(actor, community):
        raise ValidationError(_("You are already a member of this community."), code="member")
    ensure_open(community)
    # A removed member's way back is an application, whatever the join policy.
    removed = permissions.removal_in_force(actor, community) is not None
    if community.charter.join_policy != JoinPolicy.APPLICATION and not removed:
        raise ValidationError(
            _("This community does not take applications."), code="not_by_application"
        )
    motivation = (motivation or "").strip()
    if not motivation:
        raise ValidationError(
            _("Write a few words on why you want to join."), code="motivation_required"
        )
    if len(motivation) > MAX_MOTIVATION_CHARS:
        raise ValidationError(
            _("Keep it to %(max)d characters.") % {"max": MAX_MOTIVATION_CHARS},
            code="motivation_too_long",
        )
    ensure_affirmed(affirmed)
    pending = Application.objects.pending().filter(user=actor, community=community).first()
    if pending is not None:
        return pending
    if permissions.is_founding_full(community):
        raise ValidationError(
            _("Every founder’s place in this forming community is taken."), code="founding_full"
        )
    if revision is None:
        revision = community.charter.revision
    try:
        revision = int(revision)
    except (TypeError, ValueError):
        revision = 0  # no charter has revision 0: an unreadable one endorses nothing
    return do_apply(user=actor, community=community, motivation=motivation, revision=revision)


def do_apply(
    *, user: User, community: Community, motivation: str, revision: int | None = None
) -> Application:
    """Record an application to the charter in force, at ``revision`` (the one the
    applicant read; by default the one in force)."""
    charter = community.charter
    try:
        with transaction.atomic():
            application = Application.objects.create(
                user=user,
                community=community,
                motivation=motivation,
                charter=charter,
                charter_revision=charter.revision if revision is None else revision,
            )
    except IntegrityError:
        # A concurrent request made the pending application first: that one stands.
        return Application.objects.pending().get(user=user, community=community)
    deciders = Membership.objects.current().filter(community=community).select_related("user")
    if permissions.has_moderators(community):
        deciders = deciders.filter(role=Membership.Role.MODERATOR)
    do_notify(
        recipients=[m.user for m in deciders.order_by("joined_at")[:MAX_APPLICATION_NOTICES]],
        kind=Notification.Kind.APPLICATION,
        text=_("%(user)s applied to join %(community)s.")
        % {"user": user.shown_name, "community": community.name},
        url=reverse("members:application", kwargs={"slug": community.slug, "pk": application.pk}),
        community=community,
        actor=user,
    )
    return application


def check_withdraw_application(*, actor: User, application: Application) -> Application:
    if application.user_id != actor.pk:
        raise PermissionDenied(_("Only the applicant can withdraw an application."))
    return do_withdraw_application(application=application)


def do_withdraw_application(*, application: Application) -> Application:
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        _require_pending(locked)
        locked.state = Application.State.WITHDRAWN
        locked.decided_at = timezone.now()
        locked.save(update_fields=["state", "decided_at"])
    return locked


def _require_pending(application: Application) -> None:
    messages = {
        Application.State.ADMITTED: _("This application has already been admitted."),
        Application.State.DECLINED: _("This application has already been declined."),
        Application.State.WITHDRAWN: _("This application was withdrawn by the applicant."),
    }
    if application.state != Application.State.PENDING:
        raise ValidationError(messages[application.state], code=f"already_{application.state}")


def _read_the_charter(application: Application) -> bool:
    """Whether the applicant read the charter text admission would have them affirm: a
    forming community's founding charter may have been edited (a new revision) since they
    applied. If not, they join without endorsing it and are asked to, like any founder
    after an edit. An application older than revisions on record is trusted only where
    the charter can no longer change (an active community's)."""
    charter = application.charter
    if charter is None:
        return True
    if application.charter_revision is None:
        return not application.community.is_forming
    return application.charter_revision == charter.revision


def check_decide_application(
    *, actor: User, application: Application, admit: bool, reason: str = ""
) -> Application:
    """Admit or decline an application: by a moderator, or where there is none, by a
    member who joined before the application. One decision, whoever clicks first."""
    if application.community.is_read_only:
        raise PermissionDenied(application.community.read_only_message())
    if not permissions.can_decide_application(actor, application):
        raise PermissionDenied(_("You may not decide this application."))
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationError(
            _("Keep the reason to %(max)d characters.") % {"max": MAX_REASON_CHARS},
            code="reason_too_long",
        )
    return do_decide_application(application=application, decider=actor, admit=admit, reason=reason)


def do_decide_application(
    *, application: Application, decider: User, admit: bool, reason: str
) -> Application:
    """Record the decision and, on admission, make the applicant a member.

    The application row is locked and its state checked inside the transaction, so two
    deciders clicking at once produce one decision; the second is refused.
    """
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("community", "user", "charter")
            .get(pk=application.pk)
        )
        _require_pending(locked)
        ensure_open(locked.community)
        if admit:
            do_join(
                user=locked.user,
                community=locked.community,
                charter=locked.charter,
                admitted=True,
                endorse=_read_the_charter(locked),
            )
        locked.state = Application.State.ADMITTED if admit else Application.State.DECLINED
        locked.decided_at = timezone.now()
        locked.decided_by = decider
        locked.reason = reason
        locked.save(update_fields=["state", "decided_at", "decided_by", "reason"])
    community = locked.community
    if admit:
        text = _("Your application to %(community)s was accepted: welcome.")
    else:
        text = _("Your application to %(community)s was declined.")
    text = text % {"community": community.name}
    if reason:
        text = f"{text} {_('Reason:')} {reason}"
    do_notify(
        recipients=[locked.user],
        kind=Notification.Kind.APPLICATION,
        text=text,
        url=reverse("members:application", kwargs={"slug": community.slug, "pk": locked.pk}),
        community=community,
        actor=decider,
    )
    return locked
