"""Notification email sent by a real Celery worker (the CI's PostgreSQL + Redis leg):
a duplicated task still sends one email, and it goes out only once the row is committed."""

import time

import pytest

from community import actions
from community.models import Post
from notifications.models import Notification
from tests.factories import CommunityFactory, MembershipFactory
from tests.worker import database_url, real_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]


def test_worker_emails_a_reply_once(transactional_db, tmp_path):
    community = CommunityFactory()
    alice = MembershipFactory(community=community, user__username="alice").user
    bruno = MembershipFactory(community=community).user
    thread = actions.check_create_thread(
        actor=alice, community=community, title="Harvest", body="Who helps?"
    )
    root = Post.objects.get(thread=thread)
    actions.check_reply(actor=bruno, thread=thread, parent_id=root.pk, body="I do")
    note = Notification.objects.get(recipient=alice)
    Notification.objects.filter(pk=note.pk).update(emailed_at=None)  # eager mode sent it
    with real_worker(tmp_path, extra_env={"DATABASE_URL": database_url()}) as (client, queue):
        for _ in range(2):  # a duplicated message
            client.send_task(
                "notifications.tasks.send_notification_emails", args=[alice.pk], queue=queue
            )
        assert wait_for(lambda: Notification.objects.get(pk=note.pk).emailed_at is not None), (
            tmp_path / "worker.log"
        ).read_text()
        time.sleep(2)  # give the duplicate time to (not) send
    mails = [p.read_text() for p in (tmp_path / "mail").glob("*.log")]
    sent = [m for m in mails if "replied to you" in m]
    assert len(sent) == 1, mails
    assert "alice@example.org" in sent[0]
