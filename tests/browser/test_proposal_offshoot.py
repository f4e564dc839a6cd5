"""Starting a new community from an old one, in Chromium (R4): the founding form comes
pre-filled with the old charter, the lineage shows on both charters, nobody is moved."""

import pytest
from playwright.sync_api import expect

from community.models import Community
from members.models import Membership
from tests.factories import community_with_members

from .test_proposal_life import log_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_start_a_new_community_from_this_one(live_server, page):
    community, members = community_with_members(3, name="Riverside", slug="riverside")
    log_in_as(page, live_server, members[0].user)
    page.goto(f"{live_server.url}/c/riverside/charter/")
    page.get_by_role("link", name="Start a new community from this one").click()
    purpose = page.get_by_role("textbox", name="Purpose")
    expect(purpose).to_have_value("To look after each other and the place we share.")
    page.get_by_role("textbox", name="Name").fill("Riverside Growers")
    purpose.fill("To grow food by the river.")
    page.get_by_role("button", name="Found the new community").click()
    expect(
        page.get_by_text("Riverside Growers is founded, grown out of Riverside.")
    ).to_be_visible()

    child = Community.objects.get(name="Riverside Growers")
    assert child.parent == community
    assert Membership.objects.filter(community=child).count() == 1  # only the founder
    page.goto(f"{live_server.url}/c/{child.slug}/charter/")
    expect(page.get_by_text("Grew out of")).to_be_visible()
    page.goto(f"{live_server.url}/c/riverside/charter/")
    expect(page.get_by_text("Communities that grew out of this one:")).to_be_visible()
    expect(page.get_by_role("link", name="Riverside Growers")).to_be_visible()
