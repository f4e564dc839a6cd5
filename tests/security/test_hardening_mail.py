"""A newline in a name or a title must not lose anyone's email: names and titles are
cleaned to one line wherever they are saved, subjects are built safely, and a message the
mail backend refuses leaves its notifications (or digest) pending, never marked sent."""

from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from community import actions
from community.models import Community, Post
from members.models import User
from notifications import digests, emails, tasks
from notifications.models import DigestSent, DigestSetting, Notification
from purposes.models import Proposal
from tests.engagement.test_relationships import opening
from tests.factories import CommunityFactory, MembershipFactory
from tests.notifications.test_digests import END, IN_WEEK, member

pytestmark = pytest.mark.django_db

HOSTILE = "Bruno\nBcc: everyone@example.org\r\n\x85Subject: hi\u2028x"


@pytest.fixture
def kitchen():
    community = CommunityFactory(slug="kitchen", name="Kitchen")
    alice = MembershipFactory(community=community, user__username="alice").user
    bruno = MembershipFactory(community=community, user__username="bruno").user
    thread = actions.check_create_thread(
        actor=alice, community=community, title="Menu", body="Soup?"
    )
    return community, alice, bruno, thread, Post.objects.get(thread=thread, depth=0)


def test_a_newline_in_a_display_name_loses_no_email_item_4(
    kitchen, django_capture_on_commit_callbacks
):
    community, alice, bruno, thread, root = kitchen
    # Written straight to the row, as data from before this rule would be.
    User.objects.filter(pk=bruno.pk).update(display_name=HOSTILE)
    Thread = type(thread)
    Thread.objects.filter(pk=thread.pk).update(title="Menu\nfor Friday")
    bruno.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        actions.check_reply(actor=bruno, thread=Thread.objects.get(pk=thread.pk),
                            parent_id=root.pk, body="Works for me")  # fmt: skip
    assert len(mail.outbox) == 1
    subject = mail.outbox[0].subject
    assert "\n" not in subject and "\r" not in subject and "\x85" not in subject
    assert "Bruno Bcc: everyone@example.org" in subject
    assert mail.outbox[0].message()["Bcc"] is None
    assert Notification.objects.get(recipient=alice).emailed_at is not None


def test_a_refused_message_leaves_the_notification_pending_item_4(
    kitchen, django_capture_on_commit_callbacks
):
    community, alice, bruno, thread, root = kitchen
    refused = mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("SMTP down"))
    with refused, django_capture_on_commit_callbacks(execute=True):
        actions.check_reply(actor=bruno, thread=thread, parent_id=root.pk, body="One")
    note = Notification.objects.get(recipient=alice)
    assert note.emailed_at is None, "marked sent though nothing was handed over"
    assert mail.outbox == []
    # The sweep sends it once the backend takes mail again.
    assert tasks.send_due_notification_emails() == 1
    assert len(mail.outbox) == 1
    note.refresh_from_db()
    assert note.emailed_at is not None
    assert tasks.send_due_notification_emails() == 0


def test_a_refused_digest_is_not_recorded_as_sent_item_4(django_capture_on_commit_callbacks):
    community = CommunityFactory()
    reader = member(community)
    author = member(community)
    DigestSetting.objects.create(user=reader, frequency="weekly")
    opening(community, author, at=IN_WEEK, title="Harvest\nsupper")
    refused = mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("SMTP down"))
    with refused, django_capture_on_commit_callbacks(execute=True):
        digests.do_send_batch(user_ids=[reader.pk], frequency="weekly", end=END)
    assert not DigestSent.objects.filter(user=reader).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert digests.do_send_batch(user_ids=[reader.pk], frequency="weekly", end=END) == 1
    assert len(mail.outbox) == 1 and "\n" not in mail.outbox[0].subject


def test_single_line_fields_lose_their_line_breaks_wherever_saved_item_4(client, kitchen):
    community, alice, bruno, thread, root = kitchen
    # Model level: whatever saves the row.
    community.name, community.tagline = "Kit\nchen\x1b[31m", "Soup\r\nand\tstew"
    community.save()
    community.refresh_from_db()
    assert (community.name, community.tagline) == ("Kit chen[31m", "Soup and stew")
    proposal = Proposal(community=community, author=alice, title="A\nB", rationale="x\ny")
    proposal.title = "Change\nthe\x00rules"
    assert "\n" not in Proposal._meta.get_field("title").pre_save(proposal, False)
    # Form level: the profile form.
    client.force_login(bruno)
    response = client.post(
        reverse("members:profile_edit", args=["bruno"]),
        {"display_name": HOSTILE, "bio": "line one\nline two\u202e"},
    )
    assert response.status_code in {200, 302}
    bruno.refresh_from_db()
    assert bruno.display_name == "Bruno Bcc: everyone@example.org Subject: hi x"
    assert bruno.bio == "line one\nline two"
    assert Community.objects.filter(name__contains="\n").count() == 0


def test_subjects_are_one_bounded_line_item_4():
    subject = emails.email_subject("a\nb\r\nc\x00d" + "e" * 500)
    assert "\n" not in subject and "\x00" not in subject
    assert len(subject) <= 200
