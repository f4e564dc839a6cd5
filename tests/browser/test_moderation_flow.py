"""Done-when of issue 6, in a real browser: three members flag a post; it is hidden; the
elected moderator keeps it hidden; the author appeals; a jury is drawn and restores it;
every step is in the log.

The community has exactly enough members for a jury (the author, three flaggers, the
moderator and five others), so the draw is the five others: deterministic."""

import pytest
from playwright.sync_api import expect

from moderation.models import Appeal, JuryMember, ModerationAction
from tests.factories import (
    PASSWORD,
    CommunityFactory,
    MembershipFactory,
    moderator_membership,
    thread_with_post,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(browser, live_server, username):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log in")).to_have_count(0)
    return page


def test_flag_hide_keep_hidden_appeal_jury_restores(browser, live_server):
    community = CommunityFactory(slug="meadow", name="Meadow")
    author = MembershipFactory(
        community=community, user__username="otto", user__display_name="Otto Berg", founder=True
    ).user
    flaggers = [
        MembershipFactory(community=community, user__username=f"f{i}", founder=True).user
        for i in range(3)
    ]
    moderator_membership(community, user__username="mona", user__display_name="Mona Ray")
    jurors = [
        MembershipFactory(community=community, user__username=f"j{i}", founder=True).user
        for i in range(5)
    ]
    thread, root = thread_with_post(
        community=community,
        author=author,
        title="Seed catalogue",
        body="Order your seeds from my shop, cheapest in town!",
    )
    url = f"{live_server.url}{thread.get_absolute_url()}"
    moderation_url = f"{live_server.url}/c/meadow/moderation/"

    # Three members flag the post, each from the flag form opened in place under it.
    for flagger in flaggers:
        page = log_in(browser, live_server, flagger.username)
        page.goto(url)
        page.get_by_role("link", name="Flag the post by Otto Berg").click()
        page.get_by_label("Spam or advertising").check()
        page.get_by_role("button", name="Flag this post").click()
        expect(page.get_by_text("Flagged.")).to_be_visible()
        expect(page.get_by_text("Flagged by you")).to_be_visible()  # in place of the link
        page.context.close()

    # It is hidden: a member sees the placeholder, not the text.
    member = log_in(browser, live_server, jurors[0].username)
    member.goto(url)
    expect(member.get_by_text("Hidden while members review it")).to_be_visible()
    expect(member.get_by_text("cheapest in town")).to_have_count(0)

    # The elected moderator keeps it hidden, with a reason.
    mona = log_in(browser, live_server, "mona")
    mona.goto(moderation_url)
    mona.get_by_role("link", name="Review the post by Otto Berg").click()
    expect(mona.get_by_text("cheapest in town")).to_be_visible()
    mona.get_by_label("Keep it hidden").check()
    mona.get_by_label("Reason").fill("Advertising a shop is off-purpose here.")
    mona.get_by_role("button", name="Apply the decision").click()
    expect(mona.get_by_text("Your decision is applied")).to_be_visible()

    # The author appeals.
    otto = log_in(browser, live_server, "otto")
    otto.goto(moderation_url)
    otto.get_by_role("link", name="Appeal this decision").click()
    otto.get_by_label("Your statement to the jury").fill(
        "It is a seed swap list, not a shop: everything is free."
    )
    otto.get_by_role("button", name="File the appeal").click()
    expect(otto.get_by_role("heading", name="Appeal by Otto Berg")).to_be_visible()
    appeal = Appeal.objects.get()
    drawn = set(appeal.jurors.values_list("user__username", flat=True))
    assert drawn == {j.username for j in jurors}

    # The jury: three of the five accept and vote to reverse; the majority decides.
    for juror in jurors[:3]:
        page = member if juror == jurors[0] else log_in(browser, live_server, juror.username)
        page.goto(otto.url)
        page.get_by_role("button", name="Accept the seat").click()
        page.get_by_role("button", name="Reverse the decision").click()
        expect(page.get_by_text("your answer is recorded")).to_be_visible()
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.GRANTED
    assert JuryMember.objects.filter(appeal=appeal, vote="grant").count() == 3

    # The post is back for everyone, and every step is in the public log.
    member.goto(url)
    expect(member.get_by_text("cheapest in town")).to_be_visible()
    member.goto(moderation_url)
    log = member.locator(".modlog")
    for label in (
        "hidden pending review",
        "kept hidden",
        "appeal filed",
        "restored",
        "appeal granted",
    ):
        expect(log.get_by_text(label, exact=True)).to_be_visible()
    expect(log.get_by_text("Advertising a shop is off-purpose here.")).to_be_visible()
    kinds = list(
        ModerationAction.objects.order_by("created_at", "id").values_list("kind", flat=True)
    )
    assert kinds == ["hide", "keep_hidden", "appeal_filed", "restore", "appeal_granted"]


def test_when_the_only_moderator_flagged_a_post_members_restore_it(browser, live_server):
    community = CommunityFactory(slug="brook", name="Brook")
    author = MembershipFactory(
        community=community, user__username="otto", user__display_name="Otto Berg", founder=True
    ).user
    mod = moderator_membership(community, user__username="mona", founder=True).user
    flaggers = [
        MembershipFactory(community=community, user__username=f"f{i}", founder=True).user
        for i in range(2)
    ]
    voters = [
        MembershipFactory(community=community, user__username=f"v{i}", founder=True).user
        for i in range(3)
    ]
    _thread, root = thread_with_post(community=community, author=author, title="Pond")
    from moderation.flags import check_flag_post

    for user in [mod, *flaggers]:
        check_flag_post(actor=user, post=root, reason="spam")

    for voter in voters:
        page = log_in(browser, live_server, voter.username)
        page.goto(f"{live_server.url}/c/brook/moderation/")
        expect(page.get_by_text("No moderator can review it")).to_be_visible()
        page.get_by_role("link", name="Review the post by Otto Berg").click()
        expect(page.get_by_text("every moderator in term wrote it or flagged it")).to_be_visible()
        page.get_by_role("button", name="Vote to restore this post").click()
        expect(page.get_by_text("Your vote to restore the post is counted.")).to_be_visible()
        page.context.close()
    root.refresh_from_db()
    assert not root.is_hidden
    assert ModerationAction.objects.filter(post=root, kind="restore").count() == 1
