"""Notifications: the page, read state, the header badge, email per preference, unsubscribe,
and the set-based path for a whole community (do_notify_many)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from community import actions
from community.models import Post
from members.models import Membership, User
from notifications import actions as notifications
from notifications import digests, emails, tasks
from notifications.models import Delivery, DigestSetting, Notification, NotificationPreference
from purposes.closing import do_close_proposal, do_notify_result
from purposes.voting import check_cast_vote, do_open_voting
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    community_with_members,
)
from tests.purposes.test_proposals import to_discussion
from tests.purposes.test_votes import in_voting

pytestmark = pytest.mark.django_db(transaction=False)

END = digests.period_end(timezone.now())


def reply(author, thread, parent, body="Works for me"):
    return actions.check_reply(actor=author, thread=thread, parent_id=parent.pk, body=body)


def test_reply_notifies_parent_author_not_the_replier(thread, root, alice, bruno):
    post = reply(bruno, thread, root)
    note = Notification.objects.get()
    assert note.recipient == alice and note.actor == bruno
    assert note.kind == Notification.Kind.REPLY
    assert note.url == post.get_absolute_url()
    assert "replied to you" in note.text and "Menu for Friday" in note.text
    reply(alice, thread, root, "replying to myself")
    assert Notification.objects.count() == 1


def test_notifications_page_lists_and_marks_read(client, thread, root, alice, bruno):
    reply(bruno, thread, root)
    reply(bruno, thread, root, "again")
    client.force_login(alice)
    response = client.get(reverse("notifications:index"))
    assert response.text.count('class="notification ') == 2
    assert 'class="nav-badge">2<' in response.text
    first = Notification.objects.filter(recipient=alice).first()
    response = client.post(
        reverse("notifications:read", kwargs={"pk": first.pk}), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    first.refresh_from_db()
    assert first.read_at is not None
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    assert "nav-badge" not in client.get(reverse("notifications:index")).text


def test_notification_open_marks_read_and_goes_to_the_post(client, thread, root, alice, bruno):
    post = reply(bruno, thread, root)
    note = Notification.objects.get()
    client.force_login(alice)
    response = client.get(reverse("notifications:open", kwargs={"pk": note.pk}))
    assert response.status_code == 302
    assert response["Location"] == post.get_absolute_url()
    note.refresh_from_db()
    assert note.read_at is not None


def test_notifications_of_others_are_404(client, thread, root, bruno):
    reply(bruno, thread, root)
    note = Notification.objects.get()
    client.force_login(bruno)
    assert client.post(reverse("notifications:read", kwargs={"pk": note.pk})).status_code == 404
    assert client.get(reverse("notifications:open", kwargs={"pk": note.pk})).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_notifications_page_needs_login(client):
    response = client.get(reverse("notifications:index"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_notifications_page_query_count(
    client, thread, root, alice, bruno, django_assert_max_num_queries
):
    for i in range(20):
        reply(bruno, thread, root, f"reply {i}")
    client.force_login(alice)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("notifications:index"))
    assert response.text.count('class="notification ') == 20


def test_header_badge_is_one_count_query_only_for_logged_in(
    client, thread, root, alice, bruno, django_assert_num_queries
):
    reply(bruno, thread, root)
    with django_assert_num_queries(0):
        client.get(reverse("search"))
    client.force_login(alice)
    with django_assert_num_queries(2):  # user, unread count (the session is in the cache)
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
    DigestSetting.objects.create(user=alice, frequency="daily")
    reply(bruno, thread, root)
    notifications.do_mark_all_read(user=alice)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.enqueue_digests("daily") == 0
        assert digests.do_send_batch(user_ids=[alice.pk], frequency="daily", end=END) == 0
    assert mail.outbox == []


def test_daily_digest_collects_and_never_sends_nothing(
    thread, root, alice, bruno, community, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=alice, kind="reply", delivery=Delivery.DAILY)
    chen = MembershipFactory(community=community).user
    NotificationPreference.objects.create(user=chen, kind="mention", delivery=Delivery.NEVER)
    for user in (alice, bruno, chen):
        DigestSetting.objects.create(user=user, frequency="daily")
    with (
        mock.patch.object(tasks.send_notification_emails, "delay") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        reply(bruno, thread, root, f"hi @{chen.username}")
        reply(bruno, thread, root, "again")
    enqueue.assert_not_called()  # only users with something to send right away
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.enqueue_digests("daily") == 1  # one batch: alice alone
        assert tasks.enqueue_digests("daily") == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [alice.email]
    assert "daily digest" in mail.outbox[0].subject
    # The one digest holds both replies, and they are marked emailed with it.
    assert mail.outbox[0].body.count("replied to you") == 2
    assert "/notifications/unsubscribe/" in mail.outbox[0].body
    assert not Notification.objects.filter(recipient=alice, emailed_at__isnull=True).exists()


def settings_data(**choices) -> dict[str, str]:
    """What the settings page posts: a delivery for every kind and the digest frequency."""
    return (
        {kind: "immediately" for kind in Notification.Kind.values}
        | {"frequency": "weekly"}
        | choices
    )


def test_preferences_page_saves_choices(client, alice, thread, root, bruno):
    client.force_login(alice)
    response = client.get(reverse("notifications:settings"))
    assert "Replies to you" in response.text
    data = settings_data(
        **(dict.fromkeys(Notification.Kind.values, "never") | {"mention": "daily"})
    )
    response = client.post(reverse("notifications:settings"), data)
    assert response.status_code == 302
    assert notifications.preferences_for(alice)["reply"] == "never"
    assert notifications.preferences_for(alice)["mention"] == "daily"
    reply(bruno, thread, root)
    assert Notification.objects.get().delivery == "never"
    response = client.post(reverse("notifications:settings"), {"reply": "sometimes"})
    assert response.status_code == 400


def test_settings_page_digest_frequency_default_weekly_then_saved(client):
    user = UserFactory()
    client.force_login(user)
    url = reverse("notifications:settings")
    html = client.get(url).content.decode()
    assert 'value="weekly"' in html and "checked" in html.split('value="weekly"')[1][:80]
    response = client.post(url, settings_data(frequency="daily"))
    assert response.status_code == 302
    assert DigestSetting.objects.get(user=user).frequency == "daily"


def test_settings_page_rejects_an_unknown_frequency_and_saves_nothing(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("notifications:settings"), settings_data(frequency="hourly"))
    assert response.status_code == 400
    assert "Choose how often" in response.content.decode()
    assert not DigestSetting.objects.exists()
    assert not NotificationPreference.objects.exists()


def test_settings_page_needs_a_login(client):
    response = client.get(reverse("notifications:settings"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_old_digest_settings_address_leads_to_the_settings_page(client):
    response = client.get(reverse("notifications:digest_settings"))
    assert response.status_code == 301
    assert response["Location"] == reverse("notifications:settings")


def test_unsubscribe_link_works_logged_out_and_get_changes_nothing(client, alice):
    token = emails.unsubscribe_token(user_id=alice.pk, kinds=["reply", "mention"])
    url = reverse("notifications:unsubscribe", kwargs={"token": token})
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
    response = client.post(reverse("notifications:unsubscribe", kwargs={"token": forged}))
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


# --- large audiences: do_notify_many (one INSERT … SELECT) -----------------------------------


def members_of(community):
    return User.objects.filter(memberships__community=community, memberships__left_at__isnull=True)


def test_do_notify_many_notifies_each_current_member_once_never_the_actor():
    community, other = CommunityFactory(), CommunityFactory()
    actor, stayer, both = (MembershipFactory(community=community).user for _ in range(3))
    MembershipFactory(community=other, user=both)
    MembershipFactory(community=community, left_at=timezone.now())
    MembershipFactory(community=other)
    UserFactory()
    audience = User.objects.filter(
        memberships__community__in=[community, other], memberships__user__in=[stayer, both, actor]
    )  # both is in it twice, through two memberships
    thread = actions.check_create_thread(actor=actor, community=community, title="T", body="b")
    created = notifications.do_notify_many(
        recipients=audience, kind="community", text="x" * 400, url="/" + "u" * 400,
        community=community, actor=actor, thread=thread,
    )  # fmt: skip
    rows = Notification.objects.filter(text__startswith="x").order_by("recipient_id")
    assert created == 2
    assert [r.recipient for r in rows] == sorted([stayer, both], key=lambda u: u.pk)
    for row in rows:
        assert (row.text, row.url) == ("x" * 300, ("/" + "u" * 400)[:300])
        assert (row.kind, row.community, row.actor, row.thread) == (
            "community", community, actor, thread
        )  # fmt: skip
        assert row.created_at is not None and row.read_at is None and row.emailed_at is None


def test_do_notify_many_chooses_each_delivery_as_do_notify_does():
    community = CommunityFactory()
    users = [MembershipFactory(community=community).user for _ in range(5)]
    chose_now, chose_never, chose_other_kind, no_email, default = users
    for user, kind, delivery in (
        (chose_now, "community", Delivery.IMMEDIATELY),
        (chose_never, "community", Delivery.NEVER),
        (chose_other_kind, "reply", Delivery.NEVER),
        (no_email, "community", Delivery.IMMEDIATELY),
    ):
        NotificationPreference.objects.create(user=user, kind=kind, delivery=delivery)
    User.objects.filter(pk=no_email.pk).update(email="")
    no_email.email = ""
    for kind in ("community", "mention"):  # a kind that waits for the digest, one that doesn't
        one = notifications.do_notify(recipients=users, kind=kind, text="one", url="/")
        many = notifications.do_notify_many(
            recipients=members_of(community), kind=kind, text="many", url="/"
        )
        assert many == len(one) == 5
        expected = {n.recipient_id: n.delivery for n in one}
        got = dict(
            Notification.objects.filter(kind=kind, text="many").values_list(
                "recipient_id", "delivery"
            )
        )
        assert got == expected
    by_user = dict(
        Notification.objects.filter(kind="community", text="many").values_list(
            "recipient_id", "delivery"
        )
    )
    assert by_user == {
        chose_now.pk: Delivery.IMMEDIATELY,
        chose_never.pk: Delivery.NEVER,
        chose_other_kind.pk: Delivery.DAILY,
        no_email.pk: Delivery.NEVER,
        default.pk: Delivery.DAILY,
    }


def test_do_notify_many_enqueues_each_right_away_recipient_once_after_commit(
    monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(notifications, "EMAIL_BATCH", 2)
    community = CommunityFactory()
    users = [MembershipFactory(community=community).user for _ in range(7)]
    right_away = users[:5]
    for user in [*right_away, users[5]]:
        NotificationPreference.objects.create(user=user, kind="community", delivery="immediately")
    User.objects.filter(pk=users[5].pk).update(email="")  # wants it, has nowhere to get it
    with mock.patch.object(tasks.send_notification_emails_batch, "delay") as enqueue:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            notifications.do_notify_many(
                recipients=members_of(community), kind="community", text="Passed", url="/"
            )
        enqueue.assert_not_called()  # nothing before the commit
        for callback in callbacks:
            callback()
    batches = [call.args[0] for call in enqueue.call_args_list]
    assert all(len(batch) <= 2 for batch in batches)
    enqueued = [pk for batch in batches for pk in batch]
    assert sorted(enqueued) == sorted(u.pk for u in right_away)  # each once


def test_do_notify_many_emails_right_away_recipients(django_capture_on_commit_callbacks):
    community = CommunityFactory()
    users = [MembershipFactory(community=community).user for _ in range(3)]
    NotificationPreference.objects.create(user=users[0], kind="community", delivery="immediately")
    with django_capture_on_commit_callbacks(execute=True):
        notifications.do_notify_many(
            recipients=members_of(community), kind="community", text="Passed", url="/"
        )
    assert [message.to for message in mail.outbox] == [[users[0].email]]
    assert Notification.objects.filter(emailed_at__isnull=False).get().recipient == users[0]


def test_do_notify_many_keeps_the_notifications_when_the_broker_is_down(
    caplog, django_capture_on_commit_callbacks
):
    community = CommunityFactory()
    user = MembershipFactory(community=community).user
    NotificationPreference.objects.create(user=user, kind="proposal", delivery="immediately")
    with (
        mock.patch.object(
            tasks.send_notification_emails_batch, "delay", side_effect=OperationalError
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert notifications.do_notify_many(
            recipients=members_of(community), kind="proposal", text="Passed", url="/"
        )
    assert Notification.objects.get().emailed_at is None  # the due-email sweep sends it
    assert "left for the sweep" in caplog.text


def test_do_notify_many_of_nobody_writes_nothing():
    assert notifications.do_notify_many(
        recipients=User.objects.none(), kind="proposal", text="x", url="/"
    ) == 0  # fmt: skip
    assert not Notification.objects.exists()


@pytest.mark.parametrize("size", [5, 50])
def test_do_notify_many_query_count_does_not_grow_with_the_audience(
    size, django_assert_max_num_queries
):
    community = CommunityFactory()
    users = [MembershipFactory(community=community).user for _ in range(size)]
    NotificationPreference.objects.create(user=users[0], kind="proposal", delivery="immediately")
    with django_assert_max_num_queries(2):
        created = notifications.do_notify_many(
            recipients=members_of(community), kind="proposal", text="x", url="/"
        )
    assert created == size


# --- the proposal notices that go to a whole community --------------------------------------


def test_result_goes_to_current_members_and_the_proposer_who_left():
    community, members, proposal = in_voting(4)
    for m in members:
        check_cast_vote(actor=m.user, proposal=proposal, choice="for")
    do_close_proposal(proposal_id=proposal.pk, now=proposal.voting_ends_at)
    Membership.objects.filter(community=community, user=proposal.author).update(
        left_at=timezone.now()
    )
    gone = members[3]
    gone.left_at = timezone.now()
    gone.save()
    late = MembershipFactory(community=community).user
    MembershipFactory()  # elsewhere
    told = do_notify_result(proposal_id=proposal.pk, now=proposal.voting_ends_at)
    rows = Notification.objects.filter(kind="proposal", text__contains="Passed")
    expected = {members[1].user_id, members[2].user_id, late.pk, proposal.author_id}
    assert told == 4
    assert set(rows.values_list("recipient_id", flat=True)) == expected
    assert rows.count() == 4
    assert do_notify_result(proposal_id=proposal.pk) == 0  # once


def test_voting_open_notice_goes_to_the_electorate_by_preference(
    django_capture_on_commit_callbacks,
):
    community, members = community_with_members(4)
    NotificationPreference.objects.create(user=members[1].user, kind="proposal", delivery="daily")
    proposal = to_discussion(community, members)
    with (
        mock.patch.object(tasks.send_notification_emails_batch, "delay") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        do_open_voting(proposal_id=proposal.pk, now=proposal.discussion_ends_at)
    opened = Notification.objects.filter(text__startswith="Voting has opened")
    assert sorted(opened.values_list("recipient_id", "delivery")) == sorted(
        (m.user_id, "daily" if m == members[1] else "immediately") for m in members
    )
    # Right away to the electorate but members[1], who chose the digest; the proposer
    # (members[0]) is told by a notice of their own, enqueued on its own.
    enqueue.assert_called_once_with([m.user_id for m in members[2:]])


@pytest.mark.parametrize("size", [5, 50])
def test_do_notify_result_query_count_does_not_grow_with_the_community(
    size, django_assert_max_num_queries
):
    community, members, proposal = in_voting(size)
    for m in members[:3]:
        check_cast_vote(actor=m.user, proposal=proposal, choice="for")
    do_close_proposal(proposal_id=proposal.pk, now=proposal.voting_ends_at)
    # savepoint, lock, insert, right-away ids, save, release; and for this change of purpose,
    # the new charter, then the re-affirm request's insert and right-away ids.
    with django_assert_max_num_queries(9):
        told = do_notify_result(proposal_id=proposal.pk)
    assert told == size
