"""The earlier history of an imported community: its threads, posts and proposals as its
archive held them, read-only, readable by whoever may read the community's threads."""

import hashlib
from dataclasses import replace

import pytest
from django.core.cache import cache
from django.utils import timezone
from django.utils.html import escape

from community.actions import do_delete_post
from community.models import ModerationState
from moderation.log import do_set_post_state
from moderation.models import ModerationAction
from moderation.takedowns import do_take_down
from portability.archive import build_archive, read_archive
from portability.importing import do_import_community
from portability.models import ImportedCommunity
from purposes.sweep import do_sweep
from purposes.voting import check_cast_vote
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    moderator_membership,
    reply_to,
    thread_with_post,
)
from tests.purposes.test_method_voting import close
from tests.purposes.test_secret_ballots import SECRET_RANKED, cast_secretly, secret_vote
from tests.purposes.test_votes import in_voting

pytestmark = pytest.mark.django_db

HIDDEN = "Words hidden pending review"
TAKEN = "Words the platform took down"
REGRETTED = "Words I regret and deleted"
PAGES = ("/c/{slug}/history/", "/c/{slug}/history/t/2/", "/c/{slug}/history/p/1/")


def old_community(visibility="public", slug="growers"):
    """A community at its former home: a passed change of its purpose (its proposal, a
    second charter version, its discussion thread), then a thread with a reply, a reply
    to that, and a hidden, a taken-down and a self-deleted reply."""
    community, members, proposal = in_voting(3, visibility=visibility, slug=slug)
    for membership in members:
        check_cast_vote(actor=membership.user, proposal=proposal, choice="for", reason="Yes")
    do_sweep(now=proposal.voting_ends_at)
    alma, bo, cy = (m.user for m in members)
    _thread, opening = thread_with_post(
        community=community, author=alma, title="Seeds on Saturday", body="**Welcome** all"
    )
    reply = reply_to(opening, author=bo, body="I bring *tomatoes*")
    reply_to(reply, author=cy, body="And I bring <script>alert(1)</script> beans")
    hidden = reply_to(opening, author=cy, body=HIDDEN)
    do_set_post_state(community=community, post=hidden, state=ModerationState.HIDDEN,
                      reason="Flagged", kind=ModerationAction.Kind.HIDE, actor=None,
                      now=timezone.now(), shown_reason="Hidden after flags")  # fmt: skip
    do_take_down(staff=UserFactory(is_staff=True), post=reply_to(opening, author=bo, body=TAKEN),
                 reason="A court order")  # fmt: skip
    do_delete_post(post=reply_to(opening, author=bo, body=REGRETTED))
    community.refresh_from_db()
    return community, members


def imported(visibility="public", slug="growers-home"):
    old, members = old_community(visibility, slug=f"{slug}-old")
    data = build_archive(old)
    new, _made = do_import_community(archive=read_archive(data), slug=slug)
    return new, members, hashlib.sha256(data).hexdigest()


@pytest.fixture
def home():
    return imported()


def text_of(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


# --- What a reader sees -------------------------------------------------------------------


def test_history_shows_where_it_came_from_its_threads_proposals_charters_and_log(client, home):
    new, members, sha = home
    page = text_of(client, "/c/growers-home/history/")
    assert "Earlier history" in page and sha in page
    source = ImportedCommunity.objects.get(community=new).source_url
    assert source.endswith("/c/growers-home-old/")
    assert f'<a href="{source}" rel="nofollow noopener">' in page
    assert 'href="/c/growers-home/history/t/2/"' in page and "Seeds on Saturday" in page
    assert "6 posts" in page and f"started by {members[0].user.shown_name}" in page
    # Latest activity first, as the live list: the proposal's discussion came before.
    assert page.index("Seeds on Saturday") < page.index("Proposal: Grow food")
    assert 'href="/c/growers-home/history/p/1/"' in page and "Amend the purpose and goals" in page
    assert "passed" in page
    assert "Version 2" in page and "Version 1" in page and "The founding charter." in page
    assert "hidden pending review" in page and "taken down by the platform" in page
    for secret in (HIDDEN, TAKEN, REGRETTED):
        assert secret not in page


def test_history_thread_shows_posts_in_order_nested_rendered_and_withheld_without_text(
    client, home
):
    page = text_of(client, "/c/growers-home/history/t/2/")
    assert "Seeds on Saturday" in page
    assert "<strong>Welcome</strong> all" in page and "I bring <em>tomatoes</em>" in page
    # Raw HTML in a body is never markup: the same safe renderer as live posts.
    assert "<script>" not in page and "alert(1)" in page
    assert page.index("Welcome") < page.index("tomatoes") < page.index("beans")
    # The reply to a reply is nested in its parent's list of replies.
    tomatoes = page.index("tomatoes")
    assert page.index('<ol class="replies">', tomatoes) < page.index("beans")
    assert "Hidden by moderation at its former home: Hidden after flags." in page
    assert "Taken down by the platform at its former home: A court order." in page
    assert "Deleted by its author. Its text was not carried over." in page
    assert page.count("Its text was not carried over.") == 3
    for secret in (HIDDEN, TAKEN, REGRETTED):
        assert secret not in page
    assert "From its former home, imported here on" in page
    assert "Reply to the thread" not in page and "replies are not possible here" in page


def test_history_proposal_shows_its_change_rule_tally_outcome_and_votes(client, home):
    page = text_of(client, "/c/growers-home/history/p/1/")
    assert "Amend the purpose and goals" in page and "Result: passed" in page
    assert "Decided by two-thirds majority." in page
    assert "Needs two thirds of the votes cast for or against" in page
    assert "<dt>For</dt><dd>3</dd>" in page and "Turnout: 3 of 3" in page
    assert "It made version 2 of the charter" in page
    assert "<ins>" in page and "grow food together" in page  # the diff of the purpose
    assert page.count('class="vote-line__who"') == 3
    assert 'href="/c/growers-home/history/t/1/">Read the discussion' in page


def test_history_proposal_of_a_secret_ranked_vote_shows_its_rounds_and_ballots(client):
    community, users, proposal = secret_vote(SECRET_RANKED, count=5, alternatives=["To share."])
    ballots = [["proposal", "alt-1"], ["proposal"], ["keep", "proposal"], ["alt-1", "keep"]]
    cast_secretly(proposal, users, ballots)
    explanation = close(proposal).result["explanation"]
    do_import_community(archive=read_archive(build_archive(community)), slug="ranked-home")
    page = text_of(client, "/c/ranked-home/history/p/1/")
    assert "Decided by ranked choice." in page and "By secret ballot." in page
    assert "The published ballots" in page and "4 ballots were published" in page
    assert "<caption>Round 1</caption>" in page or "<caption>Votes</caption>" in page
    assert "<td>The proposal as written, Alternative wording 1</td>" in page
    # The count's explanation in full, once (its first 500 characters are the reason).
    assert page.count(escape(explanation)) == 1
    # Who voted is listed, never beside what they chose.
    votes = page.split('id="votes-title"')[1]
    assert all(u.shown_name in votes for u in users[:4]) and "badge--vote" not in votes


def test_home_links_its_earlier_history_and_points_to_it_where_no_thread_is_yet(client, home):
    page = text_of(client, "/c/growers-home/")
    assert '<a href="/c/growers-home/history/">Its earlier threads, proposals and log</a>' in page
    assert "No discussions here yet." in page and "its earlier history</a>" in page
    listing = text_of(client, "/c/growers-home/t/")
    assert "its earlier history</a>" in listing


def test_home_of_a_community_that_was_not_imported_has_no_pointer(client):
    CommunityFactory(slug="plain")
    assert "earlier history" not in text_of(client, "/c/plain/")
    for url in PAGES:
        text_of(client, url.format(slug="plain"), status=404)


def test_numbers_that_are_not_in_the_archive_are_404(client, home):
    for url in ("/c/growers-home/history/t/99/", "/c/growers-home/history/p/2/"):
        text_of(client, url, status=404)
    text_of(client, "/c/growers-home/history/t/0/", status=404)
    text_of(client, "/c/nowhere/history/", status=404)


# --- Who may read it ----------------------------------------------------------------------


def roles(community):
    return {
        "anonymous": None,
        "outsider": UserFactory(),
        "member": MembershipFactory(community=community).user,
        "moderator": moderator_membership(community).user,
        "staff": UserFactory(is_staff=True),
    }


@pytest.mark.parametrize(
    ("visibility", "expected"),
    [
        ("public", {"anonymous": 200, "outsider": 200, "member": 200, "moderator": 200,
                    "staff": 200}),
        # Staff are outsiders to a members-only community's content, as on its threads.
        ("members", {"anonymous": 404, "outsider": 404, "member": 200, "moderator": 200,
                     "staff": 404}),
    ],
)  # fmt: skip
def test_history_pages_are_read_like_the_communitys_threads(client, visibility, expected):
    new, _members, _sha = imported(visibility)
    for role, user in roles(new).items():
        client.logout()
        if user is not None:
            client.force_login(user)
        live = client.get(f"/c/{new.slug}/t/").status_code
        for url in PAGES:
            status = client.get(url.format(slug=new.slug)).status_code
            assert status == expected[role], (visibility, role, url, status)
            assert status == live, (visibility, role, url, "differs from the thread list")


def test_a_members_only_history_says_nothing_to_outsiders_on_the_home(client):
    imported("members")
    page = text_of(client, "/c/growers-home/")
    assert "/history/" not in page and "Its earlier threads, proposals and log" in page


# --- Queries and long threads -------------------------------------------------------------


def long_import(replies: int, slug="long-home"):
    """An import whose second thread holds ``replies`` more replies (top-level, each with
    one answer), added to a real archive's records, through the real import."""
    old, _members = old_community(slug=f"{slug}-old")
    archive = read_archive(build_archive(old))
    posts = list(archive.records("posts.jsonl"))
    thread_posts = [p for p in posts if p["thread"] == 2]
    root = thread_posts[0]
    number = len(posts)
    for i in range(replies // 2):
        top = dict(root, id=number + 1, parent=root["id"], depth=1, body=f"Extra {i}")
        answer = dict(root, id=number + 2, parent=number + 1, depth=2, body=f"Answer {i}")
        posts += [top, answer]
        number += 2
    parts = dict(archive.parts, **{"posts.jsonl": posts})
    sha = hashlib.sha256(f"{slug}{replies}".encode()).hexdigest()
    new, _made = do_import_community(archive=replace(archive, parts=parts, sha256=sha), slug=slug)
    return new


# Queries of each page with nothing in the cache, for a signed-in member (the session,
# the account, the community, the membership, the import, the unread count in the
# navigation, then the page's own reads).
BUDGETS = {"history/": 15, "history/t/2/": 9, "history/p/1/": 11}


def test_history_pages_query_count_does_not_grow_with_the_thread_or_archive(
    client, django_assert_max_num_queries
):
    small = imported(slug="small-home")[0]
    big = long_import(700)
    for community in (small, big):
        for user in (None, MembershipFactory(community=community).user):
            if user is not None:
                client.force_login(user)
            for page, budget in BUDGETS.items():
                cache.clear()  # the import, the spans and the bodies are read afresh
                with django_assert_max_num_queries(budget):
                    text_of(client, f"/c/{community.slug}/{page}")
        client.logout()


def test_a_long_history_thread_pages_by_whole_branches_and_says_where_later_replies_are(
    client,
):
    long_import(700)
    first = text_of(client, "/c/long-home/history/t/2/")
    assert "Extra 0" in first and "Answer 0" in first
    # At most 300 replies a page, ending at a whole branch (a reply with its answer).
    # 301 replies would follow the opening post: 5 of its own and 296 added, the last a
    # branch cut in two, so the page ends before it: 5 and 147 whole branches.
    assert first.count('class="post-item"') == 299
    assert "Answer 146<" in first and "Extra 147<" not in first
    later = first.split("Later replies")[0].rsplit('href="', 1)[1].split('"')[0]
    later = later.replace("&amp;", "&")
    second = text_of(client, later)
    assert "Extra 147<" in second and "Answer 147<" in second and "Welcome" not in second
    assert "Back to the start of the thread" in second
