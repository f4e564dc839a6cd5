from datetime import datetime

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef

from .models import User


def do_delete_unverified_signups(*, joined_before: datetime) -> int:
    """Delete accounts that never verified an email address and signed up before the cutoff.

    Such an account never logged in (verification is mandatory), so it has no memberships,
    posts or votes. Idempotent: a second run finds nothing left to delete.
    """
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    stale = User.objects.filter(
        date_joined__lt=joined_before, is_staff=False, is_superuser=False, last_login__isnull=True
    ).exclude(Exists(verified))
    deleted = 0
    for user in stale.iterator():
        user.delete()
        deleted += 1
    return deleted


# --- Results of proposals (purposes/actions.py applies them; issue 5) ---------------------


def do_grant_moderator(*, membership, term_ends_at: datetime) -> None:
    """Make a member a moderator until ``term_ends_at`` (an election passed)."""
    from .models import Membership

    Membership.objects.filter(pk=membership.pk, left_at__isnull=True).update(
        role=Membership.Role.MODERATOR, moderator_term_ends_at=term_ends_at
    )


def do_end_moderator_term(*, membership) -> None:
    """Return a moderator to the member role (a recall passed, or the term ended)."""
    from .models import Membership

    Membership.objects.filter(pk=membership.pk).update(
        role=Membership.Role.MEMBER, moderator_term_ends_at=None
    )


def do_remove_member(*, membership, at: datetime) -> bool:
    """End a membership because a removal proposal passed. The row and the member's posts
    are kept (as when leaving); returns False if it had already ended."""
    from .models import Membership

    return bool(
        Membership.objects.filter(pk=membership.pk, left_at__isnull=True).update(
            left_at=at, role=Membership.Role.MEMBER, moderator_term_ends_at=None
        )
    )
