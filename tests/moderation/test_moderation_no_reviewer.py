"""A hidden post is never stuck with nobody allowed to decide it: where every moderator
wrote or flagged it, established members vote to restore it, can see it in the queue, and
its author may appeal the hide. A review sent with no decision says what to choose."""

import pytest
from django.urls import reverse

from moderation.appeals import appealable_decision, check_file_appeal
from moderation.flags import check_flag_post
from moderation.models import ModerationAction, RestoreVote
from moderation.review import check_vote_restore, may_see_queue, moderators_review
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    moderator_membership,
    thread_with_post,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def stuck():
    """The only moderator is one of the three flaggers of Otto's post."""
    community = CommunityFactory(slug="stuck")
    mod = moderator_membership(community, founder=True).user
    author = MembershipFactory(community=community, founder=True, user__username="otto").user
    flaggers = [MembershipFactory(community=community, founder=True).user for _ in range(2)]
    voters = [MembershipFactory(community=community, founder=True).user for _ in range(2)]
    _t, post = thread_with_post(community=community, author=author)
    for user in [mod, *flaggers]:
        check_flag_post(actor=user, post=post, reason="spam")
    post.refresh_from_db()
    assert post.is_hidden
    return community, mod, author, voters, post


def test_when_the_only_moderator_flagged_a_post_members_vote_to_restore_it(stuck):
    community, mod, author, voters, post = stuck
    assert not moderators_review(post)
    assert may_see_queue(voters[0], community)
    for user in voters:
        check_vote_restore(actor=user, post=post)
    assert RestoreVote.objects.filter(post=post).count() == 2
    post.refresh_from_db()
    assert post.is_hidden  # two of three so far


def test_when_no_moderator_may_review_the_author_may_appeal_the_hide(stuck):
    community, mod, author, voters, post = stuck
    decision = appealable_decision(user=author, community=community, post=post)
    assert decision is not None and decision.kind == ModerationAction.Kind.HIDE
    appeal = check_file_appeal(actor=author, decision=decision, statement="It was a recipe.")
    assert appeal.pk is not None


def test_members_see_the_queue_and_the_page_says_what_happens_next(client, stuck):
    community, mod, author, voters, post = stuck
    client.force_login(voters[0])
    page = client.get(reverse("moderation:home", args=[community.slug])).content.decode()
    assert "No moderator can review it" in page
    review = reverse("moderation:review", args=[community.slug, post.pk])
    page = client.get(review).content.decode()
    assert "every moderator in term wrote it or flagged it" in page
    assert "Vote to restore this post" in page


def test_apply_the_decision_with_no_choice_says_what_to_choose(client):
    community = CommunityFactory()
    mod = moderator_membership(community, founder=True).user
    author = MembershipFactory(community=community, founder=True).user
    _t, post = thread_with_post(community=community, author=author)
    for _ in range(3):
        flagger = MembershipFactory(community=community, founder=True).user
        check_flag_post(actor=flagger, post=post, reason="spam")
    client.force_login(mod)
    review = reverse("moderation:review", args=[community.slug, post.pk])
    response = client.post(review, {"reason": "Looks like an ad"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose whether to restore the post or keep it hidden." in page
    assert "Looks like an ad" in page  # what was typed is kept
