"""Notifications: the page, read state, the header badge, email per preference, unsubscribe."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from community import actions, emails, notifications, tasks
from community.models import Delivery, Notification, NotificationPreference, Post
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def community():
    return CommunityFactory(slug="choir", name="Choir")


@pytest.fixture
def alice(community):
    return MembershipFactory(community=community, user__username="alice").user


@pytest.fixture
def bruno(community):
    return MembershipFactory(community=community, user__username="bruno").user


@pytest.fixture
def thread(community, alice):
    return actions.check_create_thread(
        actor=alice, community=community, title="Rehearsal times", body="Tuesdays?"
    )


@pytest.fixture
def root(thread):
    return Post.objects.get(thread=thread, depth=0)


def reply(author, thread, parent, body="Works for me"):
    return actions.check_reply(actor=author, thread=thread, parent_id=parent.pk, body=body)


def test_reply_notifies_parent_author_not_the_replier(thread, root, alice, bruno):
    post = reply(bruno, thread, root)
    note = Notification.objects.get()
    assert note.recipient == alice and note.actor == bruno
    assert note.kind == Notification.Kind.REPLY
    assert note.url == post.get_absolute_url()
    assert "replied to you" in note.text and "Rehearsal times" in note.text
    reply(alice, thread, root, "replying to myself")
    assert Notification.objects.count() == 1


def test_notifications_page_lists_and_marks_read(client, thread, root, alice, bruno):
    reply(bruno, thread, root)
    reply(bruno, thread, root, "again")
    client.force_login(alice)
    response = client.get(reverse("notifications"))
    assert response.text.count('class="notification ') == 2
    assert 'class="nav-badge">2<' in response.text
    first = Notification.objects.filter(recipient=alice).first()
    response = client.post(
        reverse("notifications_read", kwargs={"pk": first.pk}), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    first.refresh_from_db()
    assert first.read_at is not None
    client.post(reverse("notifications_read_all"))
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    assert "nav-badge" not in client.get(reverse("notifications")).text


def test_notification_open_marks_read_and_goes_to_the_post(client, thread, root, alice, bruno):
    post = reply(bruno, thread, root)
    note = Notification.objects.get()
    client.force_login(alice)
    response = client.get(reverse("notifications_open", kwargs={"pk": note.pk}))
    assert response.status_code == 302
    assert response["Location"] == post.get_absolute_url()
    note.refresh_from_db()
    assert note.read_at is not None


def test_notifications_of_others_are_404(client, thread, root, bruno):
    reply(bruno, thread, root)
    note = Notification.objects.get()
    client.force_login(bruno)
    assert client.post(reverse("notifications_read", kwargs={"pk": note.pk})).status_code == 404
    assert client.get(reverse("notifications_open", kwargs={"pk": note.pk})).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_notifications_page_needs_login(client):
    response = client.get(reverse("notifications"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_notifications_page_query_count(
    client, thread, root, alice, bruno, django_assert_max_num_queries
):
    for i in range(20):
        reply(bruno, thread, root, f"reply {i}")
    client.force_login(alice)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("notifications"))
    assert response.text.count('class="notification ') == 20


def test_header_badge_is_one_count_query_only_for_logged_in(
    client, thread, root, alice, bruno, django_assert_num_queries
):
    reply(bruno, thread, root)
    with django_assert_num_queries(0):
        client.get(reverse("search"))
    client.force_login(alice)
    with django_assert_num_queries(3):  # session, user, unread count
        response = client.get(reverse("search"))
    assert 'class="nav-badge">1<' in response.text


# --- email ----------------------------------------------------------------------------------


def test_reply_emails_immediately_with_unsubscribe_link(
    thread, root, alice, bruno, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reply(bruno, thread, root)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [alice.email]
    assert "replied to you" in message.subject
    assert "/notifications/unsubscribe/" in message.body
    assert "You get these emails for: replies to you." in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Notification.objects.get().emailed_at is not None


def test_busy_thread_batches_emails_within_the_window(
    thread, root, alice, bruno, community, django_capture_on_commit_callbacks
):
    chen = MembershipFactory(community=community).user
    for author, body in ((bruno, "one"), (chen, "two"), (bruno, "three")):
        with django_capture_on_commit_callbacks(execute=True):
            reply(author, thread, root, body)
    assert len(mail.outbox) == 1  # the first at once; the others wait for the window
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_due_notification_emails() == 0
    later = timezone.now() + emails.BATCH_WINDOW + timedelta(seconds=1)
    with (
        mock.patch("django.utils.timezone.now", return_value=later),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.send_due_notification_emails() == 2
        assert tasks.send_due_notification_emails() == 0  # idempotent
    assert len(mail.outbox) == 2
    assert "2 new notifications" in mail.outbox[1].subject
    assert mail.outbox[1].body.count("replied to you") == 2


def test_read_notifications_are_not_emailed(
    thread, root, alice, bruno, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=alice, kind="reply", delivery=Delivery.DAILY)
    reply(bruno, thread, root)
    notifications.do_mark_all_read(user=alice)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_daily_digests() == 0
    assert mail.outbox == []


def test_daily_digest_collects_and_never_sends_nothing(
    thread, root, alice, bruno, community, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=alice, kind="reply", delivery=Delivery.DAILY)
    chen = MembershipFactory(community=community).user
    NotificationPreference.objects.create(user=chen, kind="mention", delivery=Delivery.NEVER)
    with (
        mock.patch.object(tasks.send_notification_emails, "delay") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        reply(bruno, thread, root, f"hi @{chen.username}")
        reply(bruno, thread, root, "again")
    enqueue.assert_not_called()  # only users with something to send right away
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_daily_digests() == 2
        assert tasks.send_daily_digests() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [alice.email]
    assert "daily digest" in mail.outbox[0].subject


def test_preferences_page_saves_choices(client, alice, thread, root, bruno):
    client.force_login(alice)
    response = client.get(reverse("notifications_settings"))
    assert "Replies to you" in response.text
    data = {kind: "never" for kind in Notification.Kind.values} | {"mention": "daily"}
    response = client.post(reverse("notifications_settings"), data)
    assert response.status_code == 302
    assert notifications.preferences_for(alice)["reply"] == "never"
    assert notifications.preferences_for(alice)["mention"] == "daily"
    reply(bruno, thread, root)
    assert Notification.objects.get().delivery == "never"
    response = client.post(reverse("notifications_settings"), {"reply": "sometimes"})
    assert response.status_code == 400


def test_unsubscribe_link_works_logged_out_and_get_changes_nothing(client, alice):
    token = emails.unsubscribe_token(user_id=alice.pk, kinds=["reply", "mention"])
    url = reverse("notifications_unsubscribe", kwargs={"token": token})
    response = client.get(url)
    assert response.status_code == 200
    assert "Stop these emails" in response.text
    assert "about: mentions of you, replies to you." in response.text
    assert not NotificationPreference.objects.exists()
    response = client.post(url)  # one click, no session, no CSRF token
    assert response.status_code == 200
    assert "You are unsubscribed" in response.text
    assert notifications.preferences_for(alice)["reply"] == "never"
    assert notifications.preferences_for(alice)["mention"] == "never"
    assert notifications.preferences_for(alice)["invitation"] == "immediately"


def test_unsubscribe_forged_token_is_refused(client, alice):
    token = emails.unsubscribe_token(user_id=alice.pk, kinds=["reply"])
    forged = token.replace(":", ":x", 1)
    response = client.post(reverse("notifications_unsubscribe", kwargs={"token": forged}))
    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_do_notify_skips_actor_and_duplicates():
    actor, other = UserFactory(), UserFactory()
    rows = notifications.do_notify(
        recipients=[actor, other, other], kind="community", text="News", url="/", actor=actor
    )
    assert [r.recipient for r in rows] == [other]
    assert rows[0].delivery == Delivery.DAILY


def test_reply_does_not_notify_former_member_of_members_only_community():
    private = CommunityFactory(visibility="members")
    leaver = MembershipFactory(community=private)
    stayer = MembershipFactory(community=private).user
    thread = actions.check_create_thread(
        actor=leaver.user, community=private, title="Bye", body="x"
    )
    leaver.left_at = timezone.now()
    leaver.save()
    reply(stayer, thread, Post.objects.get(thread=thread))
    assert not Notification.objects.filter(recipient=leaver.user).exists()
