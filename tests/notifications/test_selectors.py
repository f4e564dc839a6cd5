"""The header's unread count is cached per member and follows every write at once."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from members.models import User
from notifications import actions as notifications
from notifications.models import Notification
from notifications.selectors import unread_count
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def note(recipients, text="Hello"):
    return notifications.do_notify(
        recipients=recipients, kind=Notification.Kind.REPLY, text=text, url="/"
    )


def badge(client) -> str:
    page = client.get(reverse("search")).text
    return page.split('class="nav-notifications"', 1)[1].split("</a>", 1)[0]


def test_the_count_is_read_once_then_cached(django_assert_num_queries):
    alice = UserFactory()
    note([alice])
    with django_assert_num_queries(1):
        assert unread_count(alice) == 1
    with django_assert_num_queries(0):
        assert unread_count(alice) == 1


def test_the_badge_follows_new_read_and_all_read_notifications_at_once(client):
    alice, bruno = UserFactory(), UserFactory()
    client.force_login(alice)
    assert "nav-badge" not in badge(client)
    first, _ = note([alice, bruno])
    assert 'nav-badge">1<' in badge(client)
    note([alice])
    assert 'nav-badge">2<' in badge(client)
    notifications.do_mark_read(user=alice, notification_id=first.pk)
    assert 'nav-badge">1<' in badge(client)
    notifications.do_mark_all_read(user=alice)
    assert "nav-badge" not in badge(client)
    assert unread_count(bruno) == 1  # others keep theirs


def test_a_whole_audience_notified_at_once_sees_it_on_the_next_page(client):
    alice, bruno = UserFactory(), UserFactory()
    assert unread_count(alice) == unread_count(bruno) == 0  # cached
    notifications.do_notify_many(
        recipients=User.objects.filter(pk__in=[alice.pk, bruno.pk]),
        kind=Notification.Kind.COMMUNITY,
        text="News",
        url="/",
    )
    assert unread_count(alice) == unread_count(bruno) == 1
    client.force_login(bruno)
    assert 'nav-badge">1<' in badge(client)


def test_a_lost_epoch_matches_no_count_cached_before(django_assert_num_queries):
    alice = UserFactory()
    assert unread_count(alice) == 0
    # The cache drops the epoch; a stale count must not come back to life under a new one.
    cache.delete("notifications:unread-epoch")
    Notification.objects.create(recipient=alice, kind=Notification.Kind.REPLY, text="x", url="/")
    with django_assert_num_queries(1):
        assert unread_count(alice) == 1
