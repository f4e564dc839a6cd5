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
