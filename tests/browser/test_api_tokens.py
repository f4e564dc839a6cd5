"""The API in Chromium: a member makes an access token on their settings page (shown once),
uses it, and revokes it; the interactive API docs load under the site's CSP with no
violation."""

import json
import os
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from api.models import PersonalAccessToken
from tests.factories import UserFactory

from .test_proposal_life import log_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-api"))
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def call_api(live_server, path: str, token: str) -> int:
    url, headers = f"{live_server.url}/api/v1{path}", {"Authorization": f"Bearer {token}"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (the test's server)
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310 (the test's own server)
            json.load(response)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_member_makes_a_token_sees_it_once_and_revokes_it(live_server, page):
    ana = UserFactory(username="ana")
    log_in_as(page, live_server, ana)
    page.goto(f"{live_server.url}/")
    page.locator("summary", has_text="ana").click()
    page.get_by_role("link", name="Access tokens").click()
    expect(page.get_by_role("heading", name="Access tokens", level=1)).to_be_visible()
    expect(page.get_by_text("You have no tokens yet.")).to_be_visible()

    page.get_by_label("Name").fill("Mailing-list bridge")
    page.get_by_label("Post, reply, edit, flag").check()
    page.get_by_label("Expires after").select_option(label="30 days")
    page.get_by_role("button", name="Make token").click()

    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    secret = page.get_by_role("textbox", name="The token to copy").input_value()
    assert secret.startswith("cmn_")
    shoot(page, "tokens-made")
    token = PersonalAccessToken.objects.get(user=ana)
    assert token.scopes == ["read", "write"]
    assert call_api(live_server, "/me/memberships", secret) == 200

    page.goto(f"{live_server.url}/settings/tokens/")
    assert secret not in page.content()
    expect(page.get_by_text("Mailing-list bridge", exact=True)).to_be_visible()
    page.get_by_role("button", name="Revoke “Mailing-list bridge”").click()
    expect(page.get_by_text("is revoked: programs using it are refused")).to_be_visible()
    expect(page.get_by_text("revoked", exact=True)).to_be_visible()
    shoot(page, "tokens-revoked")
    assert call_api(live_server, "/me/memberships", secret) == 401


def test_the_api_docs_load_without_a_csp_violation(live_server, page):
    problems = []
    page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.add_init_script(WATCH_CSP)
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_role("heading", name="Commons API")).to_be_visible()
    expect(page.get_by_text("/api/v1/communities/{slug}/threads").first).to_be_visible()
    shoot(page, "api-docs")
    assert page.evaluate("window.__csp") == []
    assert problems == []
