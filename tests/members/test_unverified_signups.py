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
