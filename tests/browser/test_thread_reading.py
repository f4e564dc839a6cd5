"""Reading a thread by ear and by keyboard: each post's heading says where it stands, a
link skips to the first unread reply, j / k move between posts, and a reply posted in place
takes the focus."""

import pytest
from playwright.sync_api import expect

from community import actions
from community.models import Post, ReadState
from tests.factories import CommunityFactory, MembershipFactory

from .test_discussion_flow import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _thread_read_by_carla(browser, live_server, *, color_scheme="light", width=1280):
    community = CommunityFactory(slug="orchard", name="Orchard")
    people = {}
    for username, name in (("alice", "Alice"), ("bruno", "Bruno"), ("carla", "Carla")):
        people[username] = MembershipFactory(
            community=community, user__username=username, user__display_name=name
        ).user
    thread = actions.check_create_thread(
        actor=people["bruno"], community=community, title="Pruning day", body="Saturday?"
    )
    root = Post.objects.get(thread=thread, depth=0)

    def reply(author, parent, body):
        return actions.check_reply(
            actor=people[author], thread=thread, parent_id=parent.pk, body=body
        )

    first = reply("alice", root, "Saturday suits me.")
    page = log_in(browser, live_server, "carla")
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=color_scheme)
    page.goto(f"{live_server.url}{thread.get_absolute_url()}")
    ReadState.objects.filter(user=people["carla"]).update(read_at=first.created_at)
    second = reply("bruno", first, "Then bring the ladder, Alice.")
    third = reply("alice", root, "And the shears, Bruno.")
    page.reload()
    return page, {"root": root, "first": first, "second": second, "third": third}


def test_thread_page_finding_6_headings_skip_link_keys_and_focus_after_reply(browser, live_server):
    page, posts = _thread_read_by_carla(browser, live_server)

    expect(page.get_by_role("heading", name="Opening post by Bruno")).to_have_count(1)
    expect(page.get_by_role("heading", name="Reply 1, to Bruno", exact=True)).to_have_count(1)
    expect(page.get_by_role("heading", name="Reply 2, to Alice, unread")).to_have_count(1)
    expect(page.get_by_role("heading", name="Reply 3, to Bruno, unread")).to_have_count(1)
    expect(page.get_by_text("Press j and k to move between posts")).to_be_visible()

    # The skip link is a plain anchor: it lands on the first unread reply.
    page.get_by_role("link", name="Skip to the first unread reply").click()
    assert page.url.endswith(f"#post-{posts['second'].pk}")
    second = page.locator(f"#post-{posts['second'].pk}")
    expect(second).to_be_focused()

    # j / k walk the posts in reading order.
    page.keyboard.press("j")
    expect(page.locator(f"#post-{posts['third'].pk}")).to_be_focused()
    page.keyboard.press("k")
    expect(second).to_be_focused()
    page.keyboard.press("k")
    page.keyboard.press("k")
    expect(page.locator(f"#post-{posts['root'].pk}")).to_be_focused()
    # The focused post shows a ring (round its own line).
    outline = page.locator(f"#post-{posts['root'].pk}").evaluate(
        "el => getComputedStyle(el).outlineStyle"
    )
    assert outline == "solid"

    # Typing a j in a field types it; modifier keys are left alone.
    box = page.get_by_label("Your reply")
    box.click()
    page.keyboard.type("jk")
    expect(box).to_be_focused()
    expect(box).to_have_value("jk")
    page.locator(f"#post-{posts['first'].pk}").focus()
    page.keyboard.press("Control+j")
    expect(page.locator(f"#post-{posts['first'].pk}")).to_be_focused()

    # A reply posted in place takes the focus and is announced.
    box.fill("I will bring gloves.")
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("I will bring gloves.")).to_be_visible()
    mine = Post.objects.get(body="I will bring gloves.")
    expect(page.locator(f"#post-{mine.pk}")).to_be_focused()
    expect(page.get_by_role("heading", name="Your reply, to Bruno")).to_have_count(1)
    expect(page.locator("#live-region")).to_have_text("Your reply is posted.")
    # And k goes on from it.
    page.keyboard.press("k")
    expect(page.locator(f"#post-{posts['third'].pk}")).to_be_focused()
