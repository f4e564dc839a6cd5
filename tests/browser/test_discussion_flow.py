"""Done-when of issue 4, in a real browser: A starts a thread, B replies, A replies to B,
C replies at depth 3; A sees the notification, follows it to the post, reads it nested."""

import re

import pytest
from playwright.sync_api import expect

from community.models import Post, Thread
from notifications.models import Notification
from tests.factories import PASSWORD, CommunityFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(browser, live_server, username):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log in")).to_have_count(0)
    return page


def test_discussion_nested_replies_and_notification(browser, live_server):
    community = CommunityFactory(slug="orchard", name="Orchard")
    for username, name in (("ana", "Ana Lima"), ("ben", "Ben Ode"), ("cleo", "Cleo Park")):
        MembershipFactory(community=community, user__username=username, user__display_name=name)

    # A starts a thread.
    ana = log_in(browser, live_server, "ana")
    ana.goto(f"{live_server.url}/c/orchard/t/")
    ana.get_by_role("link", name="Start a thread").click()
    ana.get_by_label("Title").fill("Pruning day")
    ana.get_by_label("Message").fill("Shall we prune the **apple trees** on Saturday?")
    ana.get_by_role("button", name="Start the thread").click()
    expect(ana.get_by_role("heading", name="Pruning day")).to_be_visible()
    thread_url = ana.url
    thread = Thread.objects.get()

    # B replies to the opening post, in place (htmx), without a reload.
    ben = log_in(browser, live_server, "ben")
    ben.goto(thread_url)
    ben.get_by_label("Your reply").fill("Saturday suits me, I'll bring the ladder.")
    ben.get_by_role("button", name="Post reply").click()
    expect(ben.get_by_text("I'll bring the ladder.")).to_be_visible()
    expect(ben.locator("#live-region")).to_have_text("Your reply is posted.")
    assert ben.url == thread_url  # no page load
    b1 = Post.objects.get(depth=1)

    # A replies to B's reply: the form opens in place under B's post.
    ana.goto(thread_url)
    ana.get_by_role("link", name="Reply to Ben Ode").click()
    box = ana.get_by_label("Your reply to Ben Ode")
    expect(box).to_be_focused()
    box.fill("Great, @ben. I'll bring the shears.")
    ana.get_by_role("button", name="Post reply").first.click()
    expect(ana.get_by_text("I'll bring the shears.")).to_be_visible()
    a2 = Post.objects.get(depth=2)
    expect(ana.locator(f"#post-{b1.pk} #post-{a2.pk}")).to_be_visible()

    # C replies to A's reply, at depth 3.
    cleo = log_in(browser, live_server, "cleo")
    cleo.goto(thread_url)
    cleo.get_by_role("link", name="Reply to Ana Lima").click()
    cleo.get_by_label("Your reply to Ana Lima").fill("Count me in, shears and all.")
    cleo.get_by_role("button", name="Post reply").first.click()
    expect(cleo.get_by_text("Count me in, shears and all.")).to_be_visible()
    c3 = Post.objects.get(depth=3)
    assert c3.parent_id == a2.pk
    assert Notification.objects.filter(recipient__username="ana").count() == 2

    # A sees the notification, follows it to the post and reads the thread nested.
    ana.goto(f"{live_server.url}/c/orchard/")
    notifications = ana.get_by_role("link", name=re.compile(r"^Notifications"))
    expect(notifications).to_contain_text("2")
    notifications.click()
    ana.get_by_role("link", name="Cleo Park replied to you in “Pruning day”").click()
    expect(ana).to_have_url(re.compile(rf"/p/{c3.pk}/#post-{c3.pk}$"))
    nested = ana.locator(f"#post-{b1.pk} #post-{a2.pk} #post-{c3.pk}")
    expect(nested).to_contain_text("Count me in, shears and all.")
    expect(ana.get_by_text("Saturday suits me, I'll bring the ladder.")).to_be_visible()
    ana.get_by_role("link", name="Read the whole thread").click()
    expect(ana.get_by_text("Shall we prune the")).to_be_visible()
    expect(ana.locator(f"#post-{b1.pk} #post-{a2.pk} #post-{c3.pk}")).to_be_visible()
    assert thread.pk == Thread.objects.get().pk


def test_discussion_preview_and_load_more_in_place(browser, live_server):
    community = CommunityFactory(slug="meadow", name="Meadow")
    MembershipFactory(community=community, user__username="dev", user__display_name="Dev Roy")
    page = log_in(browser, live_server, "dev")
    page.goto(f"{live_server.url}/c/meadow/t/new/")
    page.get_by_label("Title").fill("Mowing")
    page.get_by_label("Message").fill("Mow **twice** a year, <script>no</script>")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview strong")).to_have_text("twice")
    expect(page.get_by_label("Message")).to_have_value("Mow **twice** a year, <script>no</script>")
    page.get_by_role("button", name="Start the thread").click()
    expect(page.get_by_role("heading", name="Mowing")).to_be_visible()

    thread = Thread.objects.get()
    root = Post.objects.get(thread=thread)
    from community.models import path_segment
    from core import pagecache

    Post.objects.bulk_create(
        Post(
            thread=thread,
            author=root.author,
            parent=root,
            path=root.path + path_segment(i + 1),
            depth=1,
            body=f"branch {i}",
            body_html=f"<p>branch {i}</p>",
        )
        for i in range(320)
    )
    pagecache.bump(community_id=community.pk)  # as every write through the actions does
    page.reload()
    expect(page.locator(".post-item")).to_have_count(300)
    page.get_by_role("link", name="Load more replies").click()
    expect(page.locator(".post-item")).to_have_count(320)
    expect(page.get_by_text("branch 319")).to_be_visible()
    expect(page.get_by_role("link", name="Load more replies")).to_have_count(0)
