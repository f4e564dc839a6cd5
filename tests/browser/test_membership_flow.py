"""Founding, joining, applying, inviting and leaving, as people do it in Chromium (issue 3).

A founds a community; B joins; A edits the charter, so B endorses it again; C joins and
it becomes active. D applies to an application-only community and is admitted. E is
invited and accepts; F is invited and declines (and is not a member). A leaves and rejoins.
"""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from community.models import Community
from members.models import Membership
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def as_user(browser, live_server):
    contexts = []

    def open_page(user):
        client = Client()
        client.force_login(user)
        context = browser.new_context(base_url=live_server.url)
        context.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def is_member(user, community) -> bool:
    return Membership.objects.current().filter(user=user, community=community).exists()


def join_with_affirmation(page, button_name="Join this community"):
    page.get_by_label("I affirm this purpose").check()
    page.get_by_role("button", name=button_name).click()


def test_found_join_endorse_apply_invite_leave(as_user, settings):
    settings.FOUNDING_QUORUM = 3
    a, b, c, d, e, f = (UserFactory(username=name) for name in "abcdef")
    a.display_name, b.display_name = "Ada", "Ben"
    a.save(), b.save()

    # A founds a community.
    page_a = as_user(a)
    page_a.goto("/c/new/")
    page_a.get_by_label("Name", exact=True).fill("Tool Share")
    page_a.get_by_label("Purpose", exact=True).fill("We lend each other tools.")
    page_a.get_by_label("Goals", exact=True).fill("Lend tools for free\nRepair what breaks")
    page_a.get_by_role("button", name="Found this community").click()
    expect(page_a.get_by_role("heading", name="Forming: 1 of 3 founders")).to_be_visible()
    community = Community.objects.get(slug="tool-share")

    # B joins as a founder (joining endorses the charter).
    page_b = as_user(b)
    page_b.goto("/c/tool-share/")
    page_b.get_by_role("link", name="Join as a founder").click()
    expect(page_b.get_by_text("We lend each other tools.")).to_be_visible()
    join_with_affirmation(page_b)
    expect(page_b.get_by_role("heading", name="Forming: 2 of 3 founders")).to_be_visible()

    # A edits the founding charter: B's endorsement is reset.
    page_a.goto("/c/tool-share/")
    page_a.get_by_role("link", name="Edit the founding charter").click()
    page_a.get_by_label("Purpose", exact=True).fill("We lend each other tools and teach their use.")
    page_a.get_by_role("button", name="Save the charter").click()
    expect(page_a.get_by_role("heading", name="Forming: 1 of 3 founders")).to_be_visible()

    # B endorses the charter as it stands; C joins, and the community becomes active.
    page_b.goto("/c/tool-share/")
    page_b.get_by_role("link", name="Read and endorse the charter").click()
    expect(page_b.get_by_text("and teach their use")).to_be_visible()
    page_b.get_by_role("button", name="Endorse this charter").click()
    expect(page_b.get_by_role("heading", name="Forming: 2 of 3 founders")).to_be_visible()
    page_c = as_user(c)
    page_c.goto("/c/tool-share/join/")
    join_with_affirmation(page_c)
    expect(page_c.get_by_text("Welcome to Tool Share.")).to_be_visible()
    community.refresh_from_db()
    assert community.is_active
    expect(page_c.get_by_role("link", name="Leave this community")).to_be_visible()

    # D applies to an application-only community; a member who joined earlier admits D.
    riders = CommunityFactory(name="Riders", slug="riders", charter__join_policy="application")
    elder = MembershipFactory(community=riders).user
    page_d = as_user(d)
    page_d.goto("/c/riders/")
    page_d.get_by_role("link", name="Apply to join").click()
    page_d.get_by_label("Why do you want to join?").fill("I ride to work every day.")
    join_with_affirmation(page_d, "Send my application")
    expect(page_d.get_by_role("heading", name="Your application is pending")).to_be_visible()
    assert not is_member(d, riders)
    page_elder = as_user(elder)
    page_elder.goto("/c/riders/applications/")
    page_elder.get_by_role("link", name="Read and decide").click()
    expect(page_elder.get_by_text("I ride to work every day.")).to_be_visible()
    page_elder.get_by_label("Reason (optional)").fill("Welcome!")
    page_elder.get_by_role("button", name="Admit d").click()
    expect(page_elder.get_by_text("d is now a member.")).to_be_visible()
    assert is_member(d, riders)

    # In an invitation-only community, a member invites E and F.
    circle = CommunityFactory(name="Circle", slug="circle", charter__join_policy="invitation")
    inviter = MembershipFactory(community=circle).user
    page_inviter = as_user(inviter)
    for username in ("e", "f"):
        page_inviter.goto("/c/circle/invite/")
        page_inviter.get_by_label("Username of the person to invite").fill(username)
        page_inviter.get_by_role("button", name="Send the invitation").click()
        expect(page_inviter.get_by_text("is invited. It is up to them")).to_be_visible()

    page_e = as_user(e)
    page_e.goto("/")
    page_e.get_by_role("link", name="Invitations").click()
    page_e.get_by_role("link", name="Read the charter and accept").click()
    join_with_affirmation(page_e, "Accept and join")
    expect(page_e.get_by_text("Welcome to Circle.")).to_be_visible()
    assert is_member(e, circle)

    page_f = as_user(f)
    page_f.goto("/invitations/")
    page_f.get_by_role("button", name="Decline").click()
    expect(page_f.get_by_text("You declined the invitation to Circle.")).to_be_visible()
    assert not is_member(f, circle)

    # A leaves Tool Share (posts would stay), then rejoins under the current (open) policy.
    page_a.goto("/c/tool-share/")
    page_a.get_by_role("link", name="Leave this community").click()
    page_a.get_by_role("button", name="Leave this community").click()
    expect(page_a.get_by_text("You left Tool Share.")).to_be_visible()
    assert not is_member(a, community)
    page_a.get_by_role("link", name="Join this community").click()
    join_with_affirmation(page_a)
    expect(page_a.get_by_text("Welcome to Tool Share.")).to_be_visible()
    assert Membership.objects.filter(user=a, community=community).count() == 2
    assert is_member(a, community)
