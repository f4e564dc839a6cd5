"""A newcomer's first hour (issue 15, finding 8), in Chromium: sign up with a display name,
confirm from the mail and be logged in, add a picture on the profile, see it on a post."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.factories import CommunityFactory, MembershipFactory, thread_with_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_confirm_add_a_picture_finding_8(live_server, page, mailoutbox, tmp_path):
    community = CommunityFactory(slug="orchard", name="Orchard")
    ana = MembershipFactory(community=community, user__username="ana").user
    thread_with_post(community=community, author=ana, title="Pruning day")

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign up").first.click()
    expect(page.get_by_role("heading", name="Sign up")).to_be_visible()
    page.get_by_label("Username").fill("rosa")
    page.get_by_label("Display name (optional)").fill("Rosa Lima")
    page.get_by_label("Email").fill("rosa@example.org")
    page.get_by_label("Password", exact=True).fill("tulips and tractors 42")
    page.get_by_label("Password (again)").fill("tulips and tractors 42")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Verify your email address")).to_be_visible()
    expect(page.get_by_role("link", name="contact us")).to_have_attribute(
        "href", "mailto:help@localhost"
    )

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[-1].body).group(0)
    page.goto(live_server.url + link[link.index("/accounts/") :])
    page.get_by_role("button", name="Confirm").click()
    site_nav = page.get_by_role("navigation", name="Site")
    expect(site_nav.get_by_text("rosa", exact=True)).to_be_visible()  # logged in, no password
    expect(site_nav.get_by_role("link", name="Log in")).to_have_count(0)

    # A picture with GPS metadata, uploaded on the profile edit page.
    photo = tmp_path / "me.jpg"
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 51.0, 30.0)})
    Image.new("RGB", (900, 600), (30, 120, 90)).save(photo, "JPEG", exif=exif.tobytes())
    page.goto(live_server.url + "/u/rosa/edit/")
    page.get_by_label("Picture (optional)").set_input_files(str(photo))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    picture = page.locator(".profile__head img.avatar")
    expect(picture).to_have_attribute("src", re.compile(r"^/u/rosa/avatar/[0-9a-f]{16}\.webp$"))
    src = picture.get_attribute("src")
    served = page.request.get(live_server.url + src)
    with Image.open(io.BytesIO(served.body())) as image:
        assert image.size == (256, 256) and not image.getexif()

    # Rosa joins, replies, and her picture is beside her name on the post.
    page.goto(live_server.url + "/c/orchard/join/")
    page.get_by_label("I affirm this purpose").check()
    page.get_by_role("button", name=re.compile("^Join")).click()
    page.goto(live_server.url + "/c/orchard/t/")
    page.get_by_role("link", name="Pruning day").click()
    page.get_by_label("Your reply").fill("Count me in.")
    page.get_by_role("button", name="Post reply").click()
    reply = page.locator(".post-item").filter(has_text="Count me in.")
    author = reply.locator(".post-meta__author")
    expect(author).to_have_text("Rosa Lima")
    expect(author.locator("img.avatar")).to_have_attribute("src", src)
    expect(author.locator("img.avatar")).to_have_attribute("alt", "")
    assert page.evaluate(
        "[...document.querySelectorAll('img.avatar')].every(i => i.complete && i.naturalWidth)"
    )
