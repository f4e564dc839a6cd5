"""Redis (the broker) down (issue 9): pages still read; an action whose side effect must be
enqueued still succeeds, its email kept for the beat's sweep instead of a 500 after the
commit; the health check says what is down."""

import logging
from datetime import timedelta

import pytest
from django.urls import reverse

from community.models import Post
from config.celery import app
from notifications.models import Notification
from purposes.models import Proposal
from purposes.sweep import do_sweep
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    community_with_members,
    thread_with_post,
)
from tests.purposes.test_proposals import to_discussion

pytestmark = pytest.mark.django_db(transaction=True)

CLOSED_PORT = "redis://127.0.0.1:9/0"  # discard port: nothing listens


@pytest.fixture
def broker_down(monkeypatch):
    """Point the Celery app at a closed port, with fresh connection pools, and no eager
    mode: every publish really tries the broker. (Celery reads CELERY_BROKER_URL from the
    environment before its configuration, so the CI leg's variable is replaced too.)"""
    monkeypatch.setenv("CELERY_BROKER_URL", CLOSED_PORT)
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=CLOSED_PORT, task_always_eager=False)
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None


def test_pages_read_and_a_reply_succeeds_with_its_email_kept_for_later(client, broker_down, caplog):
    community = CommunityFactory(slug="calm")
    author = MembershipFactory(community=community, user__username="author").user
    replier = MembershipFactory(community=community).user
    thread, post = thread_with_post(community=community, author=author)
    client.force_login(replier)
    assert client.get(thread.get_absolute_url()).status_code == 200
    assert client.get(reverse("community:directory")).status_code == 200
    url = reverse("community:reply", kwargs={"slug": "calm", "thread_id": thread.pk})
    with caplog.at_level(logging.WARNING):
        response = client.post(url, {"parent": post.pk, "body": "Kept for later", "token": "k1"})
    assert response.status_code == 302
    assert Post.objects.filter(body="Kept for later").exists()
    notice = Notification.objects.get(recipient=author)
    assert notice.emailed_at is None  # the due-email sweep sends it once the broker is back
    assert "left for the sweep" in caplog.text


def test_health_check_reports_the_broker_down(client, broker_down, settings):
    settings.CELERY_BROKER_URL = CLOSED_PORT
    response = client.get(reverse("healthz"))
    assert response.status_code == 503


def test_after_an_outage_one_sweep_catches_up_on_everything_overdue():
    """Beat and worker were down across several deadlines (Redis stopped): the first sweep
    after they return opens and closes everything overdue, from database state alone, and
    a second sweep finds nothing left."""
    closing = []
    for _ in range(2):
        community, members = community_with_members(3)
        proposal = to_discussion(community, members)
        do_sweep(now=proposal.discussion_ends_at)
        closing.append(Proposal.objects.get(pk=proposal.pk))
    community, members = community_with_members(3)
    opening = to_discussion(community, members)
    later = max(p.voting_ends_at for p in closing) + timedelta(hours=6)
    assert later > opening.discussion_ends_at
    first = do_sweep(now=later)
    assert first["closed"] == 2
    assert Proposal.objects.get(pk=opening.pk).state == Proposal.State.VOTING
    for proposal in closing:
        assert Proposal.objects.get(pk=proposal.pk).state in Proposal.CLOSED_STATES
    again = do_sweep(now=later)
    assert again["closed"] == 0
