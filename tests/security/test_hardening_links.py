"""Every absolute link the site hands out (notification emails and digests, allauth's
emails, the Atom feed, the data export) is on SITE_URL: never the Sites framework's
``example.com``, never the request's host, never a relative link a mail client or feed
reader cannot follow."""

import json
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from community import actions
from community.models import Post
from notifications import digests, emails
from notifications.models import DigestSetting
from tests.engagement.test_relationships import opening
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.notifications.test_digests import END, IN_WEEK, member

pytestmark = pytest.mark.django_db

SITE = "https://commons.test"
URL_RE = re.compile(r"""(?:https?://[^\s"'<>]+)""")
# href="/…", src="/…" or a bare path on a line of its own: links that lead nowhere off-site.
RELATIVE_RE = re.compile(r"""(?:href|src)=["']/(?!/)|^\s*/[\w-]+/""", re.MULTILINE)


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE
    settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"


def assert_links_on_site(text: str, what: str) -> None:
    assert "example.com" not in text, what
    assert "testserver" not in text, what
    urls = URL_RE.findall(text)
    assert urls, what  # something must link, or the check proves nothing
    assert all(url.startswith(SITE + "/") for url in urls), (what, urls)
    assert not RELATIVE_RE.search(text), (what, RELATIVE_RE.search(text))


def test_notification_emails_and_digests_link_to_site_url_item_1(
    django_capture_on_commit_callbacks,
):
    community = CommunityFactory(slug="kitchen")
    alice = MembershipFactory(community=community, user__username="alice").user
    bruno = MembershipFactory(community=community, user__username="bruno").user
    with django_capture_on_commit_callbacks(execute=True):
        thread = actions.check_create_thread(
            actor=alice, community=community, title="Menu", body="Soup?"
        )
        root = Post.objects.get(thread=thread, depth=0)
        actions.check_reply(actor=bruno, thread=thread, parent_id=root.pk, body="@alice yes")
    assert mail.outbox, "a reply emails its parent's author"
    for message in mail.outbox:
        assert_links_on_site(message.body, message.subject)
        assert message.extra_headers["List-Unsubscribe"].startswith(f"<{SITE}/")
    mail.outbox.clear()
    # The weekly activity digest, too.
    reader = member(community)
    DigestSetting.objects.create(user=reader, frequency="weekly")
    opening(community, alice, at=IN_WEEK, title="Harvest supper")
    with django_capture_on_commit_callbacks(execute=True):
        assert digests.do_send_batch(user_ids=[reader.pk], frequency="weekly", end=END) == 1
    assert_links_on_site(mail.outbox[0].body, "digest")
    assert emails.absolute_url("/c/kitchen/") == f"{SITE}/c/kitchen/"


def test_allauth_emails_link_to_site_url_not_the_request_host_item_1(client):
    signup = {
        "username": "newcomer",
        "email": "newcomer@example.org",
        "password1": "a long enough passphrase 1",
        "password2": "a long enough passphrase 1",
    }
    client.post(reverse("account_signup"), signup, HTTP_HOST="localhost")
    UserFactory(username="known", email="known@example.org")
    Client().post(
        reverse("account_reset_password"), {"email": "known@example.org"}, HTTP_HOST="localhost"
    )
    Client().post(
        reverse("account_reset_password"), {"email": "nobody@example.org"}, HTTP_HOST="localhost"
    )
    assert len(mail.outbox) == 3, [m.subject for m in mail.outbox]
    for message in mail.outbox:
        assert "localhost" not in message.body, message.body
        assert_links_on_site(message.body, message.subject)


def test_feed_and_export_link_to_site_url_item_1(client):
    community = CommunityFactory(slug="kitchen")
    alice = MembershipFactory(community=community, user__username="alice").user
    bruno = MembershipFactory(community=community, user__username="bruno").user
    thread = actions.check_create_thread(
        actor=alice, community=community, title="Menu", body="Ask @bruno about [soup](/c/kitchen/)"
    )
    root = Post.objects.get(thread=thread, depth=0)
    actions.check_reply(actor=bruno, thread=thread, parent_id=root.pk, body="Fine")
    feed = client.get(reverse("community:feed", args=["kitchen"])).content.decode()
    assert "example.com" not in feed
    links = re.findall(r'<link[^>]*href="([^"]+)"', feed)
    assert links and all(link.startswith(SITE + "/") for link in links), links
    assert 'href="/' not in feed.replace("&quot;", '"').replace("&lt;", "<")
    client.force_login(alice)
    export = client.get(reverse("members:export_data", args=["alice"]))
    data = json.loads(export.content)
    assert data["notifications"], "the reply notified alice"
    for note in data["notifications"]:
        assert note["url"].startswith(SITE + "/"), note
