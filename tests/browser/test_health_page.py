"""A person opens a community's health page: the stage in words and colour, why, what
would move it on, and the plots, each with its data table one click away; then their own
relationships page."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from engagement import snapshots
from tests.engagement.test_relationships import opening, reply
from tests.factories import PASSWORD, CommunityFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _community_with_history():
    community = CommunityFactory(name="Riverside Gardeners", slug="riverside")
    today = date.today()
    joined = snapshots.end_of(today) - timedelta(days=40)
    people = [MembershipFactory(community=community, joined_at=joined).user for _ in range(4)]
    a, b, c, d = people
    for back in range(10, 0, -1):
        at = snapshots.end_of(today - timedelta(days=back)) - timedelta(hours=6)
        root = opening(community, people[back % 4], at=at, title=f"Day {back} at the plots")
        answer = reply(root, people[(back + 1) % 4], at=at + timedelta(minutes=30))
        if back % 3 == 0:
            reply(answer, people[back % 4], at=at + timedelta(hours=1))
        snapshots.take_snapshots(day=today - timedelta(days=back))
    return community, a


def test_health_page_shows_stage_explanation_and_plots_with_tables(live_server, page):
    community, member = _community_with_history()
    page.goto(f"{live_server.url}/c/{community.slug}/health/")

    stage = page.get_by_role("heading", name="Stage: network")
    expect(stage).to_be_visible()
    expect(stage.locator(".badge--network")).to_have_text("network")
    expect(page.get_by_text("pairs of members have replied to each other")).to_be_visible()
    expect(page.get_by_role("heading", name="What would move it on")).to_be_visible()
    expect(page.get_by_text("No proposal has closed in the last 90 days")).to_be_visible()

    for title in [
        "Active members",
        "Relationships and connections",
        "Reciprocity",
        "Turnout in votes",
    ]:
        figure = page.get_by_role("figure", name=title)
        expect(figure.get_by_role("img", name=title)).to_be_visible()
        table = figure.get_by_role("table")
        expect(table).to_be_hidden()
        figure.get_by_text("Show the data").click()
        expect(table).to_be_visible()
        expect(table.get_by_role("row")).to_have_count(11)  # a header and ten days

    download = page.get_by_role("link", name="Download all the figures (CSV)")
    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename == "riverside-health.csv"

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username or email").fill(member.username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/u/{member.username}/relationships/")
    expect(page.get_by_role("heading", name="Your relationships")).to_be_visible()
    expect(page.get_by_role("heading", name="Riverside Gardeners")).to_be_visible()
