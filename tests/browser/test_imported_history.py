"""Staff import a community's archive; a visitor reads its earlier history there."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from community.models import ModerationState
from moderation.log import do_set_post_state
from moderation.models import ModerationAction
from portability.archive import build_archive
from tests.browser.shots import shoot
from tests.browser.test_htmx_feedback import log_in_as, watch_console
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    reply_to,
    thread_with_post,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HIDDEN = "Words hidden pending review"


def test_a_visitor_follows_the_imported_home_to_its_earlier_thread(
    live_server, page, tmp_path, settings
):
    settings.VAR_DIR = tmp_path
    old = CommunityFactory(slug="growers", name="Riverside Growers")
    alma = MembershipFactory(community=old, user__display_name="Alma Reyes").user
    bo = MembershipFactory(community=old, user__display_name="Bo Lindqvist").user
    _thread, opening = thread_with_post(
        community=old, author=alma, title="Seed swap on Saturday",
        body="Bring **seeds** and a _label_ for each packet.",
    )  # fmt: skip
    reply = reply_to(opening, author=bo, body="I have tomato seeds from last summer.")
    reply_to(reply, author=alma, body="Lovely, save me some of the cherry ones.")
    hidden = reply_to(opening, author=bo, body=HIDDEN)
    do_set_post_state(community=old, post=hidden, state=ModerationState.HIDDEN, reason="Rude",
                      kind=ModerationAction.Kind.HIDE, actor=None, now=timezone.now(),
                      shown_reason="Hidden after flags")  # fmt: skip
    path = tmp_path / "growers.zip"
    path.write_bytes(build_archive(old))

    log_in_as(page, live_server, UserFactory(is_staff=True))
    page.goto(f"{live_server.url}/staff/import/")
    page.get_by_label("Archive file").set_input_files(str(path))
    page.get_by_role("button", name="Check the archive").click()
    page.get_by_label("Its address here").fill("growers-home")
    page.get_by_role("button", name="Import it as a forming community").click()
    expect(page).to_have_url(f"{live_server.url}/c/growers-home/")

    page.context.clear_cookies()  # a visitor, not signed in
    errors = watch_console(page)
    page.goto(f"{live_server.url}/c/growers-home/")
    expect(page.get_by_text("No discussions here yet.")).to_be_visible()
    shoot(page, "imported-home-history")
    page.get_by_role("link", name="Its earlier threads, proposals and log").click()
    expect(page.get_by_role("heading", name="Earlier history", level=1)).to_be_visible()
    expect(page.get_by_text("Everything on this page happened there")).to_be_visible()
    shoot(page, "history")
    page.get_by_role("link", name="Seed swap on Saturday").click()
    expect(page.get_by_role("heading", name="Seed swap on Saturday")).to_be_visible()
    opening_post = page.get_by_role("article", name="Opening post by Alma Reyes")
    expect(opening_post.locator("strong")).to_have_text("seeds")
    expect(page.get_by_text("I have tomato seeds from last summer.")).to_be_visible()
    # The answer to Bo's reply sits inside Bo's reply, as on a live thread.
    bos = page.get_by_role("listitem").filter(has_text="I have tomato seeds").first
    expect(bos.get_by_text("save me some of the cherry ones")).to_be_visible()
    expect(page.get_by_text("Hidden by moderation at its former home")).to_be_visible()
    expect(page.get_by_text(HIDDEN)).to_have_count(0)
    shoot(page, "history-thread")
    assert not errors, errors
