"""Moderation: flags and hiding, review by moderators and by members, suspensions, terms,
staff takedowns and the public log."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from community.models import Post
from members.models import Membership
from moderation.flags import check_flag_post
from moderation.models import Flag, ModerationAction, RestoreVote
from moderation.review import check_review_post, check_vote_restore
from moderation.suspensions import check_suspend_member, do_end_expired
from moderation.takedowns import check_take_down
from notifications.models import Notification
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    moderator_membership,
    reply_to,
    thread_with_post,
)

pytestmark = pytest.mark.django_db
Kind = ModerationAction.Kind


@pytest.fixture
def community():
    return CommunityFactory(slug="garden", name="Garden")


@pytest.fixture
def mod(community):
    return moderator_membership(community, user__username="mona").user


@pytest.fixture
def members(community):
    return [MembershipFactory(community=community, founder=True).user for _ in range(4)]


@pytest.fixture
def author(community):
    return MembershipFactory(community=community, user__username="otto", founder=True).user


@pytest.fixture
def post(community, author, members, mod):
    _thread, root = thread_with_post(community=community, author=author, title="Compost")
    return reply_to(root, author=author, body="Buy my miracle compost at example.com")


def flag(user, post, reason="spam", **extra):
    return check_flag_post(actor=user, post=post, reason=reason, **extra)


def hide(post, flaggers):
    for user in flaggers:
        flag(user, post)
    post.refresh_from_db()
    return post


# --- Flags ------------------------------------------------------------------------------


def test_flag_post_hides_at_threshold_with_one_log_entry(post, members, author, mod):
    flag(members[0], post)
    flag(members[1], post, reason="disrespectful")
    post.refresh_from_db()
    assert not post.is_hidden
    flag(members[2], post)
    post.refresh_from_db()
    assert post.moderation_state == "hidden"
    assert post.body.startswith("Buy my")  # nothing deleted
    entries = ModerationAction.objects.filter(post=post)
    assert [e.kind for e in entries] == [Kind.HIDE]
    assert entries[0].actor is None and "spam (2)" in entries[0].reason
    assert Notification.objects.filter(recipient=author, text__contains="hidden pending").exists()
    assert Notification.objects.filter(recipient=mod, text__contains="waits for your review")


def test_flag_post_fourth_flag_does_not_hide_again(post, members):
    hide(post, members[:3])
    flag(members[3], post)
    assert ModerationAction.objects.filter(post=post, kind=Kind.HIDE).count() == 1


def test_flag_post_refused_twice(post, members):
    flag(members[0], post)
    with pytest.raises(ValidationError, match="already flagged"):
        flag(members[0], post)
    assert Flag.objects.filter(post=post).count() == 1


def test_flag_is_unique_in_the_database(post, members):
    Flag.objects.create(post=post, flagger=members[0], reason="spam")
    with pytest.raises(IntegrityError):
        Flag.objects.create(post=post, flagger=members[0], reason="other")


def test_flag_post_refused_for_own_post(post, author):
    with pytest.raises(ValidationError, match="your own post"):
        flag(author, post)


def test_flag_post_refused_outside_the_community(post):
    with pytest.raises(PermissionDenied, match="Only members"):
        flag(UserFactory(), post)


def test_flag_post_refused_for_suspended_member(post, community):
    suspended = MembershipFactory(
        community=community, suspended_until=timezone.now() + timedelta(days=2)
    ).user
    with pytest.raises(PermissionDenied, match="suspended"):
        flag(suspended, post)


def test_flag_post_refused_for_staff_who_is_not_a_member(post):
    with pytest.raises(PermissionDenied):
        flag(UserFactory(is_staff=True), post)


def test_flag_needs_a_charter_point_or_a_note(post, members):
    with pytest.raises(ValidationError) as error:
        flag(members[0], post, reason="off_purpose")
    assert "charter_point" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        flag(members[0], post, reason="other")
    assert "note" in error.value.message_dict
    with pytest.raises(ValidationError):
        flag(members[0], post, reason="bogus")
    assert not Flag.objects.exists()


def test_flags_of_members_who_joined_after_the_post_do_not_count(post, community, members):
    late = [MembershipFactory(community=community).user for _ in range(3)]
    hide(post, late)
    assert not post.is_hidden
    assert Flag.objects.filter(post=post, counts=False).count() == 3


def test_flag_threshold_comes_from_the_charter(author):
    community = CommunityFactory(charter__flag_threshold=2)
    flaggers = [MembershipFactory(community=community, founder=True).user for _ in range(2)]
    MembershipFactory(community=community, user=author)
    _t, root = thread_with_post(community=community, author=author)
    hide(root, flaggers)
    assert root.is_hidden


# --- The thread page ------------------------------------------------------------------------


def thread_url(post):
    return post.thread.get_absolute_url()


def test_thread_page_shows_placeholder_to_members_and_text_to_author_and_moderator(
    client, post, members, author, mod, django_assert_max_num_queries
):
    hide(post, members[:3])
    client.force_login(members[3])
    with django_assert_max_num_queries(15):
        page = client.get(thread_url(post)).text
    assert "Hidden while members review it" in page
    assert "miracle compost" not in page
    for reader in (author, mod):
        client.force_login(reader)
        page = client.get(thread_url(post)).text
        assert "miracle compost" in page
        assert "Members see a placeholder" in page


def test_thread_page_flag_link_and_flagged_mark(client, post, members):
    client.force_login(members[0])
    page = client.get(thread_url(post)).text
    assert f"/p/{post.pk}/flag/" in page
    flag(members[0], post)
    page = client.get(thread_url(post)).text
    assert "Flagged by you" in page
    assert f"/p/{post.pk}/flag/" not in page


def test_thread_page_query_count_does_not_grow_with_flags(
    client, post, members, django_assert_max_num_queries
):
    for _ in range(20):
        reply_to(post, author=members[1])
    flag(members[0], post)
    client.force_login(members[0])
    with django_assert_max_num_queries(15):
        assert client.get(thread_url(post)).status_code == 200


# --- Flag view --------------------------------------------------------------------------


def flag_url(post):
    return reverse(
        "moderation:flag_post", kwargs={"slug": post.thread.community.slug, "post_id": post.pk}
    )


def test_flag_view_flags_and_redirects(client, post, members):
    client.force_login(members[0])
    assert client.get(flag_url(post)).status_code == 200
    response = client.post(flag_url(post), {"reason": "spam"})
    assert response.status_code == 302
    assert Flag.objects.filter(post=post, flagger=members[0]).exists()


def test_flag_view_htmx_returns_fragment(client, post, members):
    client.force_login(members[0])
    response = client.post(flag_url(post), {"reason": "spam"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Flagged." in response.text


def test_flag_view_keeps_the_note_on_error(client, post, members):
    client.force_login(members[0])
    response = client.post(flag_url(post), {"reason": "off_purpose", "note": "my words"})
    assert response.status_code == 400
    assert "Name the goal or rule" in response.text
    assert "my words" in response.text
    assert not Flag.objects.exists()


def test_flag_view_twice_is_refused_with_message(client, post, members):
    client.force_login(members[0])
    client.post(flag_url(post), {"reason": "spam"})
    response = client.post(flag_url(post), {"reason": "spam"})
    assert response.status_code == 400
    assert "already flagged" in response.text


def test_flag_view_own_post_is_refused(client, post, author):
    client.force_login(author)
    response = client.post(flag_url(post), {"reason": "spam"})
    assert response.status_code == 400
    assert "your own post" in response.text


# --- Review by moderators ---------------------------------------------------------------


def test_review_restore_dismisses_flags_and_logs(post, members, mod, author):
    hide(post, members[:3])
    check_review_post(actor=mod, post=post, decision="restore")
    post.refresh_from_db()
    assert post.moderation_state == ""
    assert not Flag.objects.filter(post=post, dismissed_at__isnull=True).exists()
    entry = ModerationAction.objects.filter(post=post).first()
    assert (entry.kind, entry.actor) == (Kind.RESTORE, mod)
    assert Notification.objects.filter(recipient=author, text__contains="restored").exists()
    assert Notification.objects.filter(recipient=members[0], text__contains="restored").exists()


def test_review_keep_hidden_needs_a_reason(post, members, mod):
    hide(post, members[:3])
    with pytest.raises(ValidationError, match="Say why"):
        check_review_post(actor=mod, post=post, decision="keep_hidden", reason=" ")
    check_review_post(actor=mod, post=post, decision="keep_hidden", reason="Advertising.")
    post.refresh_from_db()
    assert (post.moderation_state, post.moderation_reason) == ("kept_hidden", "Advertising.")
    with pytest.raises(ValidationError, match="already reviewed"):
        check_review_post(actor=mod, post=post, decision="restore")


def test_review_refused_for_own_post(community, members, mod):
    _t, root = thread_with_post(community=community, author=mod)
    hide(root, members[:3])
    with pytest.raises(PermissionDenied, match="own post"):
        check_review_post(actor=mod, post=root, decision="restore")


def test_review_refused_for_a_post_the_moderator_flagged(post, members, mod):
    flag(mod, post)
    with pytest.raises(PermissionDenied, match="You flagged"):
        check_review_post(actor=mod, post=post, decision="restore")


def test_review_refused_for_members_and_staff_when_there_are_moderators(post, members):
    hide(post, members[:3])
    for actor in (members[3], UserFactory(is_staff=True), UserFactory()):
        with pytest.raises(PermissionDenied):
            check_review_post(actor=actor, post=post, decision="restore")


def test_expired_moderator_is_refused_on_the_very_next_request(client, community, post, members):
    other = moderator_membership(community)
    hide(post, members[:3])
    Membership.objects.filter(pk=other.pk).update(
        moderator_term_ends_at=timezone.now() - timedelta(seconds=1)
    )
    url = reverse("moderation:review", kwargs={"slug": "garden", "post_id": post.pk})
    client.force_login(other.user)
    response = client.post(url, {"decision": "restore"})
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.is_hidden


def test_review_view_keep_hidden_with_error_keeps_text(client, post, members, mod):
    hide(post, members[:3])
    url = reverse("moderation:review", kwargs={"slug": "garden", "post_id": post.pk})
    client.force_login(mod)
    response = client.post(url, {"decision": "keep_hidden", "reason": ""})
    assert response.status_code == 400
    assert "Say why" in response.text
    response = client.post(url, {"decision": "keep_hidden", "reason": "Ads"})
    assert response.status_code == 302
    assert ModerationAction.objects.filter(kind=Kind.KEEP_HIDDEN, reason="Ads").exists()


# --- Review without moderators ------------------------------------------------------------


@pytest.fixture
def flat():
    """A community without moderators: six members, a post by the first, three flags."""
    community = CommunityFactory(slug="flat")
    people = [MembershipFactory(community=community, founder=True).user for _ in range(6)]
    _t, root = thread_with_post(community=community, author=people[0])
    hide(root, people[1:4])
    return community, people, root


def test_restore_votes_restore_when_as_many_as_flags(flat):
    _community, people, post = flat
    check_vote_restore(actor=people[4], post=post)
    check_vote_restore(actor=people[5], post=post)
    post.refresh_from_db()
    assert post.is_hidden
    with pytest.raises(ValidationError, match="already voted"):
        check_vote_restore(actor=people[5], post=post)
    late = MembershipFactory(community=_community).user
    with pytest.raises(PermissionDenied, match="established members"):
        check_vote_restore(actor=late, post=post)
    assert RestoreVote.objects.count() == 2


def test_review_view_restore_vote_twice_says_why_on_the_page(client, flat):
    community, people, post = flat
    url = reverse("moderation:review", kwargs={"slug": community.slug, "post_id": post.pk})
    client.force_login(people[4])
    assert client.post(url, {"restore_vote": "1"}).status_code == 302
    again = client.post(url, {"restore_vote": "1"}, follow=True)
    assert again.status_code == 200
    assert "already voted to restore" in again.text
    assert RestoreVote.objects.filter(post=post).count() == 1


def test_restore_votes_refused_for_author_and_flaggers(flat):
    _community, people, post = flat
    with pytest.raises(PermissionDenied):
        check_vote_restore(actor=people[0], post=post)
    with pytest.raises(PermissionDenied):
        check_vote_restore(actor=people[1], post=post)


def test_restore_votes_restore_exactly_once(flat):
    community, people, post = flat
    extra = [MembershipFactory(community=community, joined_at=post.created_at - timedelta(1))]
    for voter in [people[4], people[5], extra[0].user]:
        check_vote_restore(actor=voter, post=post)
    post.refresh_from_db()
    assert not post.is_hidden
    assert ModerationAction.objects.filter(post=post, kind=Kind.RESTORE).count() == 1


# --- Suspensions and terms ----------------------------------------------------------------


def suspend(actor, community, username, days=3, reason="Insults in two threads"):
    return check_suspend_member(
        actor=actor, community=community, username=username, days=days, reason=reason
    )


def test_suspend_member_logs_and_blocks_posting(community, mod, author):
    entry = suspend(mod, community, author.username)
    membership = Membership.objects.get(user=author, community=community)
    assert membership.is_suspended
    assert entry.kind == Kind.SUSPEND and entry.until == membership.suspended_until
    assert Notification.objects.filter(recipient=author, text__contains="suspended").exists()


@pytest.mark.parametrize(
    ("days", "reason", "field"),
    [(15, "x", "days"), (0, "x", "days"), ("many", "x", "days"), (3, "  ", "reason")],
)
def test_suspend_member_refuses_bad_input(community, mod, author, days, reason, field):
    with pytest.raises(ValidationError) as error:
        suspend(mod, community, author.username, days=days, reason=reason)
    assert field in error.value.message_dict
    assert not Membership.objects.get(user=author, community=community).is_suspended
    assert not ModerationAction.objects.exists()


def test_suspend_member_refuses_unknown_and_self(community, mod):
    with pytest.raises(ValidationError, match="No current member"):
        suspend(mod, community, "nobody")
    with pytest.raises(ValidationError, match="yourself"):
        suspend(mod, community, mod.username)


def test_suspend_member_refused_for_member_staff_and_expired_moderator(community, author):
    expired = moderator_membership(community)
    Membership.objects.filter(pk=expired.pk).update(
        moderator_term_ends_at=timezone.now() - timedelta(seconds=1)
    )
    staff = UserFactory(is_staff=True, is_superuser=True)
    for actor in (author, staff, expired.user):
        with pytest.raises(PermissionDenied):
            suspend(actor, community, author.username)


def test_suspend_view_keeps_input_on_error(client, community, mod, author):
    client.force_login(mod)
    url = reverse("moderation:suspend", kwargs={"slug": "garden"})
    response = client.post(url, {"username": author.username, "days": 30, "reason": "Rude"})
    assert response.status_code == 400
    assert "from 1 to 14 days" in response.text
    assert "Rude" in response.text
    response = client.post(url, {"username": author.username, "days": 2, "reason": "Rude"})
    assert response.status_code == 302


def test_end_expired_ends_terms_and_suspensions_once(community, mod, author):
    suspend(mod, community, author.username, days=1)
    later = timezone.now() + timedelta(days=40)
    assert do_end_expired(now=later) == (1, 1)
    assert do_end_expired(now=later) == (0, 0)
    kinds = set(ModerationAction.objects.values_list("kind", flat=True))
    assert {Kind.TERM_END, Kind.UNSUSPEND} <= kinds
    assert Membership.objects.get(user=mod, community=community).role == "member"


def test_end_expired_task_runs_through_celery(community, mod):
    from moderation.tasks import end_expired_moderation

    Membership.objects.filter(user=mod).update(moderator_term_ends_at=timezone.now())
    assert end_expired_moderation.delay().get() == [1, 0]


def test_election_and_recall_by_proposal_are_logged(community, author):
    from purposes.closing import do_apply_proposal
    from purposes.models import Proposal

    target = Membership.objects.get(user=author, community=community)
    for kind in (Proposal.Kind.ELECT_MODERATOR, Proposal.Kind.RECALL_MODERATOR):
        proposal = Proposal.objects.create(
            community=community,
            author=author,
            kind=kind,
            title=f"{kind} otto",
            rationale="Because.",
            target=target,
            base_charter=community.charter,
        )
        do_apply_proposal(proposal=proposal, now=timezone.now())
    kinds = list(ModerationAction.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [Kind.TERM_START, Kind.TERM_END]


# --- Takedown -----------------------------------------------------------------------------


def test_takedown_by_staff_hides_from_everyone_and_is_logged(client, post, author):
    staff = UserFactory(is_staff=True)
    with pytest.raises(ValidationError, match="legal or abuse"):
        check_take_down(actor=staff, post=post, reason="")
    check_take_down(actor=staff, post=post, reason="Court order 12/2026")
    client.force_login(author)
    page = client.get(thread_url(post)).text
    assert "miracle compost" not in page
    assert "Court order 12/2026" in page
    log = client.get(reverse("moderation:home", kwargs={"slug": "garden"})).text
    assert "Court order 12/2026" in log and "platform staff" in log


def test_takedown_refused_for_moderators_and_members(post, mod, author):
    for actor in (mod, author):
        with pytest.raises(PermissionDenied):
            check_take_down(actor=actor, post=post, reason="No")
    assert not Post.objects.filter(moderation_state="taken_down").exists()


def test_staff_cannot_propose_vote_or_second(community):
    from purposes.drafting import check_create_proposal

    staff = UserFactory(is_staff=True, is_superuser=True)
    with pytest.raises((PermissionDenied, ValidationError)):
        check_create_proposal(
            actor=staff,
            community=community,
            kind="remove_member",
            title="Remove someone",
            rationale="Staff wants it",
            proposed=None,
            target=None,
        )


# --- The log page -------------------------------------------------------------------------


def test_log_is_public_in_a_public_community(client, post, members, django_assert_max_num_queries):
    hide(post, members[:3])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("moderation:home", kwargs={"slug": "garden"}))
    assert response.status_code == 200
    assert "hidden pending review" in response.text
    assert "Waiting for review" not in response.text  # the queue is for reviewers


def test_log_is_members_only_in_a_members_only_community(client):
    community = CommunityFactory(visibility="members", slug="closed")
    url = reverse("moderation:home", kwargs={"slug": "closed"})
    assert client.get(url).status_code == 404
    client.force_login(MembershipFactory(community=community).user)
    assert client.get(url).status_code == 200


def test_queue_shows_to_moderator_with_review_link(client, post, members, mod):
    hide(post, members[:3])
    client.force_login(mod)
    page = client.get(reverse("moderation:home", kwargs={"slug": "garden"})).text
    assert "Waiting for review" in page
    assert reverse("moderation:review", args=["garden", post.pk]) in page


def test_moderation_page_query_count_for_a_moderator_with_a_full_queue(
    client, community, author, members, mod, django_assert_max_num_queries
):
    for i in range(6):
        _t, root = thread_with_post(community=community, author=author, title=f"T{i}")
        hide(root, members[:3])
    client.force_login(mod)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("moderation:home", kwargs={"slug": "garden"}))
    assert response.text.count("Review<span") == 6


def test_staff_cannot_second_or_vote_on_a_proposal():
    from purposes.drafting import check_submit_proposal
    from purposes.models import Vote
    from purposes.seconds import check_second_proposal
    from purposes.sweep import do_sweep
    from purposes.voting import check_cast_vote
    from tests.factories import community_with_members
    from tests.purposes.test_proposals import draft, to_discussion

    community, people = community_with_members(3)
    staff = UserFactory(is_staff=True, is_superuser=True)
    seeking = draft(community, people[0].user)
    check_submit_proposal(actor=people[0].user, proposal=seeking)
    with pytest.raises(ValidationError):
        check_second_proposal(actor=staff, proposal=seeking)
    voting = to_discussion(community, people)
    do_sweep(now=voting.discussion_ends_at)
    voting.refresh_from_db()
    with pytest.raises(ValidationError):
        check_cast_vote(actor=staff, proposal=voting, choice="for", now=voting.voting_started_at)
    assert not Vote.objects.filter(user=staff).exists()
