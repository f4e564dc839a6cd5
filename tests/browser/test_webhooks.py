"""Webhooks in Chromium: a member adds one on their settings page (its signing secret shown
once), refused first for a private address with what they typed kept, and opens its
delivery log."""

import pytest
from playwright.sync_api import expect

from api.models import WebhookSubscription
from tests.factories import CommunityFactory, MembershipFactory

from .test_api_tokens import shoot
from .test_proposal_life import log_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_adds_a_webhook_and_opens_its_delivery_log(live_server, page):
    garden = CommunityFactory(slug="garden", name="Garden Club")
    ana = MembershipFactory(community=garden, user__username="ana").user
    log_in_as(page, live_server, ana)
    page.goto(f"{live_server.url}/")
    page.locator("summary", has_text="ana").click()
    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    expect(page.get_by_text("You have no webhooks yet.")).to_be_visible()

    page.get_by_label("Address (https://…)").fill("https://10.0.0.7/hooks")
    page.get_by_label("New threads in the community").check()
    page.get_by_label("Community", exact=True).select_option(label="Garden Club")
    page.get_by_role("button", name="Add webhook").click()
    expect(page.get_by_text("private or reserved network address").first).to_be_visible()
    expect(page.get_by_label("New threads in the community")).to_be_checked()

    page.get_by_label("Address (https://…)").fill("https://93.184.215.14/hooks")
    page.get_by_role("button", name="Add webhook").click()
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    secret = page.get_by_role("textbox", name="The signing secret to copy").input_value()
    hook = WebhookSubscription.objects.get(user=ana)
    assert secret == hook.secret and secret.startswith("whsec_")
    assert hook.community == garden
    assert hook.events == ["thread.created", "notification.created"]
    shoot(page, "webhooks-made")

    page.get_by_role("link", name="Its delivery log").click()
    expect(page.get_by_role("heading", name="Deliveries")).to_be_visible()
    expect(page.get_by_text("Nothing sent yet")).to_be_visible()
    assert secret not in page.content()
    shoot(page, "webhook-log")
