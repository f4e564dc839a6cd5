"""A member proposes a change of rules that decides changes of purpose by ranked choice,
and the proposal page shows the change of method in words."""

import pytest
from playwright.sync_api import expect

from purposes.models import Proposal
from tests.browser.shots import shoot
from tests.browser.test_htmx_feedback import log_in_as
from tests.factories import community_with_members

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_rules_change_switches_the_purpose_to_ranked_choice(live_server, page):
    community, members = community_with_members(3, slug="growers", name="Riverside Growers")
    log_in_as(page, live_server, members[0].user)
    page.goto(f"{live_server.url}/c/growers/proposals/new/")
    page.get_by_role("link", name="Change the rules").click()
    page.get_by_label("Title").fill("Rank wordings of the purpose")
    page.get_by_label("Why").fill("We want to choose among several wordings.")
    method = page.get_by_label("Method for amending the purpose and goals")
    expect(method).to_have_value("two_thirds")
    method.select_option(label="Ranked choice")
    page.get_by_label("Secret ballot for amending the purpose and goals").check()
    shoot(page, "method-change-form")
    page.get_by_role("button", name="Save the draft and see the change").click()

    rules = page.get_by_role("table").filter(has_text="decided by")
    row = rules.get_by_role("row").filter(has_text="amending the purpose and goals: decided by")
    expect(row).to_contain_text("Two-thirds majority")
    expect(row).to_contain_text("Ranked choice, secret ballot")
    expect(page.get_by_text("not by the one it proposes")).to_be_visible()
    assert Proposal.objects.get().rules["methods"]["purpose"] == {
        "method": "ranked",
        "secret": True,
    }
    shoot(page, "method-change-proposal")
    page.goto(f"{live_server.url}/c/growers/charter/history/")
    shoot(page, "method-change-history")
