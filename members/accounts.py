"""Writes on accounts as a whole: platform staff locking and unlocking one (R2), each
shown with its reason in the public platform log, and clearing sign-ups never verified.
"""

from datetime import datetime

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from members import permissions
from members.models import PlatformLogEntry, User

MAX_LOCK_REASON_CHARS = 1000


def do_delete_unverified_signups(*, joined_before: datetime) -> int:
    """Delete accounts that never verified an email address and signed up before the cutoff.

    Such an account never logged in (verification is mandatory), so it has no memberships,
    posts or votes. Idempotent: a second run finds nothing left to delete.
    """
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    # An account staff locked stays, so the public log entry keeps naming it.
    logged = PlatformLogEntry.objects.filter(member=OuterRef("pk"))
    stale = (
        User.objects.filter(
            date_joined__lt=joined_before,
            is_staff=False,
            is_superuser=False,
            last_login__isnull=True,
        )
        .exclude(Exists(verified))
        .exclude(Exists(logged))
    )
    deleted = 0
    for user in stale.iterator():
        user.delete()
        deleted += 1
    return deleted


def _lock_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give the abuse or legal reason: it is shown in the public log.")}
        )
    if len(reason) > MAX_LOCK_REASON_CHARS:
        raise ValidationError({"reason": _("Keep the reason to 1,000 characters.")})
    return reason


def check_lock_account(*, actor: User, user: User, reason: str) -> PlatformLogEntry:
    """Staff lock someone else's account; the reason goes to the public platform log."""
    if not permissions.can_lock_account(actor, user):
        raise PermissionDenied(_("Only platform staff can lock an account, and not their own."))
    return do_lock_account(actor=actor, user=user, reason=_lock_reason(reason))


def do_lock_account(*, actor: User, user: User, reason: str) -> PlatformLogEntry:
    """Lock the account (it can no longer log in, and its sessions end at their next
    request: Django's backends refuse an inactive user) and log it, in one transaction
    under the account's row lock, so two staff locking at once log one lock."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            raise ValidationError({None: _("This account is already locked or deleted.")})
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        return PlatformLogEntry.objects.create(
            kind=PlatformLogEntry.Kind.LOCK, actor=actor, member=user, reason=reason
        )


def check_unlock_account(*, actor: User, user: User, reason: str) -> PlatformLogEntry:
    if not permissions.can_lock_account(actor, user):
        raise PermissionDenied(_("Only platform staff can unlock an account, and not their own."))
    return do_unlock_account(actor=actor, user=user, reason=_lock_reason(reason))


def do_unlock_account(*, actor: User, user: User, reason: str) -> PlatformLogEntry:
    """Unlock an account that staff locked. Only a lock is undone: an account its owner
    deleted (also inactive) has no lock as its last log entry and stays as it is."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        last = PlatformLogEntry.objects.filter(
            member=user, kind__in=[PlatformLogEntry.Kind.LOCK, PlatformLogEntry.Kind.UNLOCK]
        ).first()
        if locked.is_active or last is None or last.kind != PlatformLogEntry.Kind.LOCK:
            raise ValidationError({None: _("This account is not locked by platform staff.")})
        User.objects.filter(pk=user.pk).update(is_active=True)
        user.is_active = True
        return PlatformLogEntry.objects.create(
            kind=PlatformLogEntry.Kind.UNLOCK, actor=actor, member=user, reason=reason
        )
