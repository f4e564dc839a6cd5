from celery import shared_task
from django.conf import settings
from django.utils import timezone

from members import accounts


@shared_task(acks_late=True, reject_on_worker_lost=True)
def delete_unverified_signups() -> int:
    """Delete sign-ups never verified within UNVERIFIED_SIGNUP_MAX_AGE.

    Idempotent: it deletes by database state, so a rerun or a redelivery after a worker
    died part-way deletes what is left and nothing more.
    """
    cutoff = timezone.now() - settings.UNVERIFIED_SIGNUP_MAX_AGE
    return accounts.do_delete_unverified_signups(joined_before=cutoff)
