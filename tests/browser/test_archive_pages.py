"""A member downloads their community's archive; staff import one on another instance."""

import hashlib
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portability.archive import build_archive, read_archive
from tests.browser.shots import shoot
from tests.browser.test_htmx_feedback import log_in_as
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, thread_with_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_prepares_and_downloads_the_archive(live_server, page):
    community = CommunityFactory(slug="growers", name="Riverside Growers")
    member = MembershipFactory(community=community).user
    thread_with_post(community=community, author=member, body="Seeds on Saturday")
    log_in_as(page, live_server, member)
    page.goto(f"{live_server.url}/c/growers/")
    page.get_by_role("link", name="Download its archive").click()
    expect(page.get_by_role("heading", name="No archive yet")).to_be_visible()
    shoot(page, "archive-empty")
    page.get_by_role("button", name="Prepare the archive").click()
    expect(page.get_by_role("heading", name="Your archive is ready")).to_be_visible()
    shoot(page, "archive-ready")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the archive").click()
    data = Path(info.value.path()).read_bytes()
    expect(page.get_by_text(hashlib.sha256(data).hexdigest())).to_be_visible()
    assert read_archive(data).records("posts.jsonl")[0]["body"] == "Seeds on Saturday"


def test_staff_import_an_archive_then_a_claim_is_checked(live_server, page, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    old = CommunityFactory(slug="growers", name="Riverside Growers")
    thread_with_post(community=old, author=MembershipFactory(community=old).user, body="Hi")
    path = tmp_path / "growers.zip"
    path.write_bytes(build_archive(old))
    log_in_as(page, live_server, UserFactory(is_staff=True))
    page.goto(f"{live_server.url}/staff/import/")
    shoot(page, "import-empty")
    page.get_by_label("Archive file").set_input_files(str(path))
    page.get_by_role("button", name="Check the archive").click()
    expect(page.get_by_role("heading", name="verified Riverside Growers")).to_be_visible()
    shoot(page, "import-verified")
    page.get_by_label("Its address here").fill("growers-home")
    page.get_by_role("button", name="Import it as a forming community").click()
    expect(page).to_have_url(f"{live_server.url}/c/growers-home/")
    expect(page.get_by_text(hashlib.sha256(path.read_bytes()).hexdigest())).to_be_visible()
    shoot(page, "imported-home")
    log_in_as(page, live_server, UserFactory())
    page.goto(f"{live_server.url}/c/growers-home/")
    page.get_by_role("link", name="Claim your place").click()
    page.get_by_label("Claim token").fill("not a token")
    page.get_by_role("button", name="Claim my place").click()
    expect(page.get_by_text("This is not a claim token").first).to_be_visible()
    shoot(page, "claim-refused")
