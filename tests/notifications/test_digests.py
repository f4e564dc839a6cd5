"""The digest: who is enqueued (only members with something to read, in batches), what
they read (their communities' activity and their digested notifications, in one email),
and exactly once per period."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from notifications import digests, tasks
from notifications.models import DigestSent, DigestSetting
from tests.engagement.test_relationships import opening, reply
from tests.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db

END = datetime(2026, 6, 8, tzinfo=UTC)  # a Monday, midnight
IN_WEEK = END - timedelta(days=2)


def member(community, **user_fields):
    m = MembershipFactory(community=community, joined_at=END - timedelta(days=60))
    seen = user_fields.pop("last_login", END - timedelta(days=3))
    type(m.user).objects.filter(pk=m.user.pk).update(last_login=seen, **user_fields)
    m.user.refresh_from_db()
    return m.user


def test_recipients_are_members_with_something_to_read():
    busy, quiet = CommunityFactory(), CommunityFactory()
    author, reader = member(busy), member(busy)
    bystander = member(quiet)
    opening(busy, author, at=IN_WEEK, title="News")
    ids = digests.recipients(frequency="weekly", end=END)
    assert set(ids) == {author.pk, reader.pk}
    assert bystander.pk not in ids


def test_recipients_leave_out_other_choices_and_the_long_gone():
    community = CommunityFactory()
    weekly, daily, off = member(community), member(community), member(community)
    gone = member(community, last_login=END - timedelta(days=181))
    DigestSetting.objects.create(user=daily, frequency="daily")
    DigestSetting.objects.create(user=off, frequency="off")
    opening(community, weekly, at=IN_WEEK)
    assert digests.recipients(frequency="weekly", end=END) == [weekly.pk]
    assert digests.recipients(frequency="daily", end=END) == []  # the thread is 2 days old
    assert gone.pk not in digests.recipients(frequency="weekly", end=END)


def test_recipients_include_someone_replied_to_in_another_community():
    community = CommunityFactory()
    me, other = member(community), member(community)
    root = opening(community, me, at=END - timedelta(days=30))
    reply(root, other, at=IN_WEEK)
    assert me.pk in digests.recipients(frequency="weekly", end=END)


def test_build_lists_threads_and_unanswered_replies_but_not_my_own():
    community = CommunityFactory()
    me, other = member(community), member(community)
    mine = opening(community, me, at=IN_WEEK, title="Mine")
    opening(community, other, at=IN_WEEK, title="Theirs")
    unanswered = reply(mine, other, at=IN_WEEK + timedelta(hours=1))
    answered = reply(mine, other, at=IN_WEEK + timedelta(hours=2))
    reply(answered, me, at=IN_WEEK + timedelta(hours=3))
    digest = digests.build(user=me, start=END - timedelta(days=7), end=END)
    assert [t.title for t in digest.threads] == ["Theirs"]
    assert digest.unanswered == [unanswered]


def test_enqueue_digests_sends_once_in_batches(monkeypatch, django_capture_on_commit_callbacks):
    community = CommunityFactory()
    people = [member(community) for _ in range(5)]
    opening(community, people[0], at=IN_WEEK, title="Harvest supper")
    monkeypatch.setattr(digests, "BATCH_SIZE", 2)
    monkeypatch.setattr(digests, "period_end", lambda now: END)
    batches = []
    original = tasks.send_digest_batch.delay
    monkeypatch.setattr(
        tasks.send_digest_batch,
        "delay",
        lambda *args: batches.append(args[0]) or original(*args),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.enqueue_digests("weekly") == 3
    assert [len(b) for b in batches] == [2, 2, 1]
    # The author is told about nothing (their own thread); the four others get one each.
    assert len(mail.outbox) == 4
    assert "Harvest supper" in mail.outbox[0].body
    assert "/notifications/settings/" in mail.outbox[0].body
    # Those sent are left out; only the author, whose own thread is no news, comes again
    # (the selection is per community, the batch then finds nothing for them).
    batches.clear()
    assert tasks.enqueue_digests("weekly") == 1
    assert batches == [[people[0].pk]]
    with django_capture_on_commit_callbacks(execute=True):
        digests.do_send_batch(user_ids=[p.pk for p in people], frequency="weekly", end=END)
    assert len(mail.outbox) == 4
    assert DigestSent.objects.count() == 4


def test_digest_lists_proposals_in_voting_and_results(django_capture_on_commit_callbacks):
    from purposes.models import Proposal

    community = CommunityFactory()
    author, reader = member(community), member(community)
    common = {
        "community": community,
        "kind": Proposal.Kind.CHANGE_RULES,
        "rationale": "Because",
        "author": author,
        "base_charter": community.charter,
    }
    Proposal.objects.create(
        title="Shorter votes", state=Proposal.State.VOTING, voting_started_at=IN_WEEK, **common
    )
    Proposal.objects.create(
        title="Monthly meetings", state=Proposal.State.PASSED, closed_at=IN_WEEK, **common
    )
    Proposal.objects.create(
        title="Old news", state=Proposal.State.FAILED, closed_at=END - timedelta(days=9), **common
    )
    assert reader.pk in digests.recipients(frequency="weekly", end=END)
    with django_capture_on_commit_callbacks(execute=True):
        assert digests.do_send_batch(user_ids=[reader.pk], frequency="weekly", end=END) == 1
    body = mail.outbox[0].body
    assert "Shorter votes" in body and "Monthly meetings" in body and "passed" in body
    assert "Old news" not in body
    assert mail.outbox[0].subject == "Your weekly digest from Commons"


# --- one digest: the notifications a member chose to have digested, with the activity -----


def digested(user, text, *, community=None):
    from notifications.actions import do_notify
    from notifications.models import NotificationPreference

    NotificationPreference.objects.update_or_create(
        user=user, kind="community", defaults={"delivery": "daily"}
    )
    return do_notify(
        recipients=[user], kind="community", text=text, url="/n/", community=community
    )[0]


def test_send_batch_puts_notifications_and_activity_in_one_email():
    community = CommunityFactory()
    author, reader = member(community), member(community)
    opening(community, author, at=IN_WEEK, title="Harvest supper")
    note = digested(reader, "The garden has a new steward")
    assert digests.recipients(frequency="weekly", end=END) == [author.pk, reader.pk]
    assert digests.do_send_batch(user_ids=[reader.pk], frequency="weekly", end=END) == 1
    [message] = mail.outbox
    assert message.subject == "Your weekly digest from Commons"
    assert "The garden has a new steward" in message.body and "Harvest supper" in message.body
    assert "/notifications/unsubscribe/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    note.refresh_from_db()
    assert note.emailed_at is not None
    # Exactly once: a doubled batch finds the period sent and the notification emailed.
    assert digests.do_send_batch(user_ids=[reader.pk], frequency="weekly", end=END) == 0
    assert len(mail.outbox) == 1 and DigestSent.objects.count() == 1


def test_recipients_include_a_member_with_only_digested_notifications():
    quiet = CommunityFactory()
    reader, other = member(quiet), member(quiet)
    digested(reader, "Your application was accepted")
    assert digests.recipients(frequency="weekly", end=END) == [reader.pk]
    assert other.pk not in digests.recipients(frequency="weekly", end=END)
    DigestSetting.objects.create(user=reader, frequency="off")
    assert digests.recipients(frequency="weekly", end=END) == []


def test_long_gone_member_gets_their_notifications_without_the_news():
    community = CommunityFactory()
    author = member(community)
    gone = member(community, last_login=END - timedelta(days=181))
    opening(community, author, at=IN_WEEK, title="Harvest supper")
    digested(gone, "You were mentioned")
    assert gone.pk in digests.recipients(frequency="weekly", end=END)
    assert digests.do_send_batch(user_ids=[gone.pk], frequency="weekly", end=END) == 1
    body = mail.outbox[0].body
    assert "You were mentioned" in body and "Harvest supper" not in body


def test_refused_digest_leaves_notifications_pending_and_unrecorded(monkeypatch, caplog):
    community = CommunityFactory()
    reader = member(community)
    note = digested(reader, "Voting has opened")

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    assert digests.do_send_batch(user_ids=[reader.pk], frequency="weekly", end=END) == 0
    note.refresh_from_db()
    assert note.emailed_at is None and not DigestSent.objects.exists()
    assert "left for the next run" in caplog.text
    monkeypatch.undo()
    assert digests.do_send_batch(user_ids=[reader.pk], frequency="weekly", end=END) == 1
    note.refresh_from_db()
    assert note.emailed_at is not None


def test_digest_of_nothing_new_is_not_sent_and_not_recorded():
    community = CommunityFactory()
    reader = member(community)
    note = digested(reader, "Old news")
    type(note).objects.filter(pk=note.pk).update(read_at=END)
    assert digests.do_send_batch(user_ids=[reader.pk], frequency="weekly", end=END) == 0
    assert mail.outbox == [] and not DigestSent.objects.exists()
