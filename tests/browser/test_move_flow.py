"""A member proposes to move the community to another home; once it passes, its pages
say where it continues and nobody can reply here any more."""

import pytest
from playwright.sync_api import expect

from purposes.models import Proposal
from tests.browser.shots import SHOTS, shoot
from tests.browser.test_htmx_feedback import log_in_as
from tests.factories import community_with_members, thread_with_post
from tests.purposes.test_votes import _pass

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HOME = "https://b.example/c/growers/"


def test_a_passed_move_shows_the_new_home_and_takes_no_reply(live_server, page):
    community, members = community_with_members(
        3, slug="growers", name="Riverside Growers", tagline="We grow food by the river"
    )
    thread, _post = thread_with_post(community=community, author=members[1].user,
                                     title="Seed swap", body="Seeds on Saturday")  # fmt: skip
    log_in_as(page, live_server, members[0].user)
    page.goto(f"{live_server.url}/c/growers/proposals/new/")
    page.get_by_role("link", name="Move to another home").click()
    page.get_by_label("Title").fill("Move to our own instance")
    page.get_by_label("Why").fill("The co-op runs its own Commons now.")
    page.get_by_label("Address of the new home").fill("http://b.example/")
    page.get_by_role("button", name="Save the draft and see the change").click()
    expect(page.get_by_text("must be a full https address").first).to_be_visible()
    expect(page.get_by_label("Why")).to_have_value("The co-op runs its own Commons now.")
    page.get_by_label("Address of the new home").fill(HOME)
    page.get_by_role("button", name="Save the draft and see the change").click()
    expect(page.get_by_text(HOME).first).to_be_visible()

    _pass(Proposal.objects.get(kind="move"), members)  # seconded, voted, closed
    page.goto(f"{live_server.url}/c/growers/")
    notice = page.get_by_role("note").filter(has_text="This community continues at")
    expect(notice.get_by_role("link", name=HOME)).to_have_attribute("rel", "noopener")
    expect(page.get_by_role("link", name="Start a thread")).to_have_count(0)
    shoot(page, "moved-home")
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(SHOTS / "moved-home-dark-1280.png"), full_page=True)
    page.emulate_media(color_scheme="light")
    page.get_by_role("link", name="Seed swap").click()
    expect(page.get_by_text("Seeds on Saturday")).to_be_visible()
    expect(page.get_by_role("heading", name="This community continues at")).to_be_visible()
    expect(page.get_by_role("heading", name="Reply to the thread")).to_have_count(0)
    expect(page.get_by_role("button", name="Reply")).to_have_count(0)
    shoot(page, "moved-thread")

    page.goto(f"{live_server.url}/c/")  # the directory lists it as moved, after live ones
    item = page.get_by_role("listitem").filter(has_text="Riverside Growers")
    expect(item.get_by_text("moved", exact=True)).to_be_visible()
    expect(item.get_by_role("link", name=HOME)).to_have_attribute("rel", "noopener")
    shoot(page, "moved-directory")
