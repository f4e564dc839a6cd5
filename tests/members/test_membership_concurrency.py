"""Two people acting at the same moment get one outcome (PostgreSQL: real row locks)."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from members import applications, joining
from members.models import Application, Membership
from notifications.models import Notification
from purposes import founding
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*calls):
    """Run each call in its own thread (own connection), released by one barrier."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 (the outcome under test)
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_deciders_at_once_make_one_decision():
    community = CommunityFactory(charter__join_policy="application")
    earlier = timezone.now() - timedelta(days=5)
    first, second = (
        MembershipFactory(community=community, joined_at=earlier).user for _ in range(2)
    )
    application = applications.check_apply(
        actor=UserFactory(), community=community, motivation="Please", affirmed=True
    )

    def decide(decider, admit):
        def call():
            loaded = Application.objects.get(pk=application.pk)
            return applications.check_decide_application(
                actor=decider, application=loaded, admit=admit
            )

        return call

    outcomes = run_together(decide(first, True), decide(second, False))
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    decided = [o for o in outcomes if isinstance(o, Application)]
    assert len(refused) == 1 and len(decided) == 1
    application.refresh_from_db()
    assert application.state == decided[0].state
    expected = 1 if application.state == "admitted" else 0
    assert Membership.objects.filter(user=application.user).count() == expected


def test_two_last_founders_at_once_activate_once(settings):
    settings.FOUNDING_QUORUM = 3
    founder = UserFactory()
    community = founding.check_found_community(
        actor=founder,
        name="Race",
        slug="race",
        tagline="",
        visibility="public",
        charter={"purpose": "Be quick.", "goals": ["Win"]},
    )
    b, c, d = UserFactory(), UserFactory(), UserFactory()
    joining.check_join(actor=b, community=community, affirmed=True)

    def join(user):
        return lambda: joining.check_join(actor=user, community=community, affirmed=True)

    def activate():
        return founding.do_activate_if_quorum(community=community)

    # The two joins race for the last founder's place: one takes it, the other is refused.
    # (Activating right after a join would let a slow second thread join the community
    # once active, as any member may: so the race for the place and the race to activate
    # are run apart.)
    outcomes = run_together(join(c), join(d))
    assert sorted(map(type, outcomes), key=str) == sorted([Membership, ValidationError], key=str)
    assert sorted(run_together(activate, activate)) == [False, True]
    community.refresh_from_db()
    assert community.is_active
    assert Membership.objects.filter(community=community).count() == 3
    assert Notification.objects.filter(recipient=founder, text__contains="now active").count() == 1
