from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from members import tasks
from members.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_delete_unverified_signups_deletes_only_old_unverified_accounts():
    old = timezone.now() - timedelta(days=8)
    stale = UserFactory(verified=False, date_joined=old)
    EmailAddress.objects.create(user=stale, email=stale.email, verified=False)
    recent = UserFactory(verified=False)
    old_verified = UserFactory(date_joined=old)
    old_staff = UserFactory(verified=False, date_joined=old, is_staff=True)

    assert tasks.delete_unverified_signups.delay().get() == 1

    assert set(User.objects.values_list("pk", flat=True)) == {
        recent.pk, old_verified.pk, old_staff.pk
    }  # fmt: skip
    assert tasks.delete_unverified_signups.delay().get() == 0


def test_delete_unverified_signups_keeps_an_account_in_the_platform_log_finding_2():
    # A sign-up locked for abuse before it verified stays, with its public log entry.
    from members.accounts import check_lock_account

    old = timezone.now() - timedelta(days=8)
    locked = UserFactory(verified=False, date_joined=old)
    check_lock_account(actor=UserFactory(is_staff=True), user=locked, reason="Spam sign-ups")
    assert tasks.delete_unverified_signups.delay().get() == 0
    assert User.objects.filter(pk=locked.pk).exists()
