"""What a person sees when an htmx request goes wrong, and that nothing goes wrong in
the console on the main flows (reply, vote, second, flag).

htmx by default drops every 4xx/5xx answer: a vote sent from a page left open past the
close answered 422 with an error panel, and the page went on saying "Voting closes in
6 days". A 4xx answer with a body is now swapped in where the form is; a 5xx shows
"Something went wrong; nothing was saved." in an alert region."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from members.models import Membership
from moderation.models import Flag
from notifications.actions import do_notify
from notifications.models import Notification
from purposes.drafting import check_submit_proposal
from purposes.models import Proposal
from purposes.sweep import do_sweep
from tests.factories import community_with_members, reply_to, thread_with_post
from tests.purposes.test_proposals import draft, to_discussion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOMETHING_WENT_WRONG = "Something went wrong; nothing was saved."


def log_in_as(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def watch_console(page) -> list[str]:
    """Every console error and uncaught exception on the page, CSP reports included."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def in_voting(community, members) -> Proposal:
    proposal = to_discussion(community, members)
    do_sweep(now=proposal.discussion_ends_at)
    proposal.refresh_from_db()
    return proposal


@pytest.fixture
def place(live_server):
    """A community of five, a thread with a reply, a proposal in voting."""
    community, members = community_with_members(5, name="Orchard", slug="orchard")
    thread, root = thread_with_post(
        community=community, author=members[0].user, title="Pruning day"
    )
    reply_to(root, author=members[1].user, body="Saturday suits me.")
    proposal = in_voting(community, members)
    return {
        "community": community,
        "members": members,
        "thread_url": f"{live_server.url}{thread.get_absolute_url()}",
        "proposal": proposal,
        "proposal_url": f"{live_server.url}{proposal.get_absolute_url()}",
    }


def test_htmx_finding_2_no_console_error_on_reply_vote_second_flag(live_server, page, place):
    community, members = place["community"], place["members"]
    seeking = draft(community, members[0].user, title="Plant a hedge")
    check_submit_proposal(actor=members[0].user, proposal=seeking)
    errors = watch_console(page)
    log_in_as(page, live_server, members[3].user)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Reply: the post appears and the thread's counter follows.
    page.goto(place["thread_url"])
    expect(page.locator(".thread-header")).to_contain_text("1 reply")
    page.get_by_label("Your reply").fill("I'll bring the ladder.")
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("I'll bring the ladder.")).to_be_visible()
    expect(page.locator(".thread-header")).to_contain_text("2 replies")

    # Flag the first reply.
    page.get_by_role("link", name=re.compile("^Flag")).first.click()
    page.get_by_label("Spam").check()
    page.get_by_role("button", name="Flag this post").click()
    expect(page.get_by_text("Flagged by you")).to_be_visible()
    assert Flag.objects.count() == 1

    # Vote.
    page.goto(place["proposal_url"])
    page.get_by_role("button", name="Vote for").click()
    expect(page.locator(".message--success")).to_contain_text("Your vote is recorded")

    # Second.
    page.goto(f"{live_server.url}{seeking.get_absolute_url()}")
    page.get_by_role("button", name="Second this proposal").click()
    expect(page.get_by_role("button", name="Second this proposal")).to_have_count(0)

    assert errors == []


def test_htmx_finding_2_vote_after_the_close_shows_the_error_panel(live_server, page, place):
    proposal = place["proposal"]
    log_in_as(page, live_server, place["members"][3].user)
    page.goto(place["proposal_url"])
    panel = page.locator("#vote-panel")
    expect(panel).to_contain_text("Voting closes in")
    do_sweep(now=proposal.voting_ends_at + timedelta(seconds=1))
    page.get_by_role("button", name="Vote for").click()
    expect(page.get_by_role("alert")).to_contain_text("Voting has closed.")
    expect(page.get_by_role("link", name="Reload the page")).to_be_visible()
    expect(panel).not_to_contain_text("Voting closes in")


def test_htmx_finding_2_reply_refused_shows_why_in_place_of_the_form(live_server, page, place):
    member = place["members"][3]
    log_in_as(page, live_server, member.user)
    page.goto(place["thread_url"])
    Membership.objects.filter(pk=member.pk).update(
        suspended_until=timezone.now() + timedelta(days=3)
    )
    page.get_by_label("Your reply").fill("Posted from a page opened before the suspension.")
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator(".thread-reply-box")).to_contain_text("You are suspended")
    expect(page.locator(".replies--top")).not_to_contain_text("opened before the suspension")


def test_htmx_finding_2_flag_without_a_reason_shows_the_form_again(live_server, page, place):
    log_in_as(page, live_server, place["members"][3].user)
    page.goto(place["thread_url"])
    page.get_by_role("link", name=re.compile("^Flag")).first.click()
    page.get_by_role("button", name="Flag this post").click()
    expect(page.locator(".flag-form .error-summary, .flag-form .errorlist").first).to_be_visible()
    assert Flag.objects.count() == 0


FORMS = {
    # kind of form: (page, how to open it, the button that sends it, the URL it posts to)
    "reply": ("thread_url", None, "Post reply", "**/reply/**"),
    "preview": ("thread_url", None, "Preview", "**/preview/**"),
    "flag": ("thread_url", "Flag", "Flag this post", "**/flag/"),
    "vote": ("proposal_url", None, "Vote for", "**/vote/"),
    "notification": ("notifications_url", None, "Mark read", "**/read/"),
}


@pytest.mark.parametrize("kind", FORMS)
def test_htmx_finding_2_server_error_says_nothing_was_saved(live_server, page, place, kind):
    where, opener, button, posts_to = FORMS[kind]
    member = place["members"][3]
    if kind == "notification":
        do_notify(
            recipients=[member.user],
            kind=Notification.Kind.COMMUNITY,
            community=place["community"],
            text="News from the orchard",
            url="/",
        )
    log_in_as(page, live_server, member.user)
    page.goto(place.get(where) or f"{live_server.url}/notifications/")
    if opener:
        page.get_by_role("link", name=re.compile(f"^{opener}")).first.click()
        page.get_by_label("Spam").check()
    if kind in ("reply", "preview"):
        page.get_by_label("Your reply").fill("Some words.")
    page.route(
        posts_to,
        lambda route: (
            route.fulfill(status=500, body="<h1>Server Error (500)</h1>")
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    page.get_by_role("button", name=button).first.click()
    expect(page.get_by_role("alert").filter(has_text=SOMETHING_WENT_WRONG)).to_be_visible()


def test_htmx_finding_2_no_console_error_replying_in_the_demo(live_server, page):
    """The demo's busiest thread, as a newcomer meets it after `make run`."""
    from django.core.management import call_command

    from community.models import Thread
    from members.models import User

    call_command("seed_demo", i_know=True)
    thread = Thread.objects.filter(community__slug="riverside-gardeners").order_by("-reply_count")[
        0
    ]
    errors = watch_console(page)
    log_in_as(page, live_server, User.objects.get(username="dara"))
    page.goto(f"{live_server.url}{thread.get_absolute_url()}")
    replies = thread.reply_count
    page.get_by_label("Your reply").fill("Count me in for the barrels.")
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("Count me in for the barrels.")).to_be_visible()
    expect(page.locator(".thread-header")).to_contain_text(f"{replies + 1} replies")
    page.wait_for_timeout(300)  # htmx settles 20 ms after the swap
    assert errors == []


def test_htmx_finding_2_unread_badge_follows_mark_read(live_server, page, place):
    member = place["members"][3]
    for text in ("First news", "Second news"):
        do_notify(
            recipients=[member.user],
            kind=Notification.Kind.COMMUNITY,
            community=place["community"],
            text=text,
            url="/",
        )
    errors = watch_console(page)
    log_in_as(page, live_server, member.user)
    page.goto(f"{live_server.url}/notifications/")
    badge = page.get_by_role("navigation", name="Site").get_by_role("link", name="Notifications")
    unread = Notification.objects.filter(recipient=member.user, read_at=None).count()
    expect(badge).to_have_text(f"Notifications{unread} unread")
    page.get_by_role("button", name=re.compile("Mark read.*First news")).click()
    expect(badge).to_have_text(f"Notifications{unread - 1} unread")
    assert errors == []
