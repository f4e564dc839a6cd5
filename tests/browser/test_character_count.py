"""A text field with a limit counts as a person types, instead of silently cutting what
they type or paste at its maxlength."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_htmx_feedback import log_in_as
from tests.factories import community_with_members, reply_to, thread_with_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_character_count_finding_9_flag_note_counts_and_keeps_what_was_typed(live_server, page):
    community, members = community_with_members(3, slug="orchard")
    thread, root = thread_with_post(community=community, author=members[0].user)
    reply_to(root, author=members[1].user)
    log_in_as(page, live_server, members[2].user)
    page.goto(f"{live_server.url}{thread.get_absolute_url()}")
    page.get_by_role("link", name=re.compile("^Flag")).first.click()
    note = page.get_by_label("Anything the reviewers should know")
    expect(note).to_be_visible()
    note.fill("x" * 490)
    count = page.locator(".flag-form .char-count")
    expect(count).to_have_text("490 of 500 characters")
    note.fill("x" * 510)
    assert len(note.input_value()) == 510  # nothing cut silently
    expect(count).to_have_text("510 of 500 characters: 10 too many")
    expect(note).to_have_attribute("aria-invalid", "true")


def test_character_count_finding_9_reply_box_counts_from_the_start(live_server, page):
    community, members = community_with_members(2, slug="orchard")
    thread, _root = thread_with_post(community=community, author=members[0].user)
    log_in_as(page, live_server, members[1].user)
    page.goto(f"{live_server.url}{thread.get_absolute_url()}")
    expect(page.locator(".reply-form .char-count")).to_have_text("0 of 10000 characters")
    page.get_by_label("Your reply").fill("Hello there")
    expect(page.locator(".reply-form .char-count")).to_have_text("11 of 10000 characters")
