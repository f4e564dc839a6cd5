"""Moderation under concurrency on PostgreSQL: many flags at once hide a post exactly once
with one log entry; jurors declining at once get distinct replacements."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from community.models import Post
from moderation.appeals import check_file_appeal
from moderation.flags import check_flag_post
from moderation.juries import do_answer_jury
from moderation.models import Flag, JuryMember, ModerationAction
from moderation.review import check_review_post
from notifications.models import Notification
from tests.factories import CommunityFactory, MembershipFactory, moderator_membership

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_thread(fn):
    def run(*args):
        try:
            return fn(*args)
        finally:
            connection.close()

    return run


def _post(community, author):
    from community.actions import do_create_thread

    thread = do_create_thread(author=author, community=community, title="Busy", body="Text")
    return Post.objects.select_related("thread__community").get(thread=thread, depth=0)


def test_many_flags_at_once_hide_the_post_exactly_once():
    community = CommunityFactory(charter__flag_threshold=3)
    author = MembershipFactory(community=community, founder=True).user
    flaggers = [MembershipFactory(community=community, founder=True).user for _ in range(16)]
    post = _post(community, author)
    barrier = threading.Barrier(len(flaggers))

    @_in_thread
    def flag(user):
        target = Post.objects.select_related("thread__community").get(pk=post.pk)
        barrier.wait()
        check_flag_post(actor=user, post=target, reason="spam")

    with ThreadPoolExecutor(max_workers=len(flaggers)) as pool:
        list(pool.map(flag, flaggers))
    post.refresh_from_db()
    assert post.moderation_state == "hidden"
    assert Flag.objects.filter(post=post).count() == 16
    assert ModerationAction.objects.filter(post=post, kind="hide").count() == 1
    hidden_notices = Notification.objects.filter(recipient=author, text__contains="hidden")
    assert hidden_notices.count() == 1


def test_one_member_flagging_from_many_tabs_flags_once():
    community = CommunityFactory()
    author = MembershipFactory(community=community, founder=True).user
    flagger = MembershipFactory(community=community, founder=True).user
    post = _post(community, author)
    barrier = threading.Barrier(8)
    refused = []

    @_in_thread
    def flag(_i):
        target = Post.objects.select_related("thread__community").get(pk=post.pk)
        barrier.wait()
        try:
            check_flag_post(actor=flagger, post=target, reason="spam")
        except ValidationError:
            refused.append(1)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(flag, range(8)))
    assert Flag.objects.filter(post=post).count() == 1
    assert len(refused) == 7


def test_jurors_declining_at_once_get_distinct_replacements():
    community = CommunityFactory()
    mod = moderator_membership(community).user
    author = MembershipFactory(community=community, founder=True).user
    flaggers = [MembershipFactory(community=community, founder=True).user for _ in range(3)]
    [MembershipFactory(community=community, founder=True) for _ in range(12)]
    post = _post(community, author)
    for user in flaggers:
        check_flag_post(actor=user, post=post, reason="spam")
    decision = check_review_post(actor=mod, post=post, decision="keep_hidden", reason="Ads")
    appeal = check_file_appeal(actor=author, decision=decision, statement="No")
    first = list(appeal.jurors.all())
    barrier = threading.Barrier(len(first))

    @_in_thread
    def decline(seat):
        barrier.wait()
        do_answer_jury(seat=seat, accept=False)

    with ThreadPoolExecutor(max_workers=len(first)) as pool:
        list(pool.map(decline, first))
    live = JuryMember.objects.filter(appeal=appeal, state="invited")
    users = list(live.values_list("user_id", flat=True))
    assert len(users) == 5 == len(set(users))
    involved = {mod.pk, author.pk, *(u.pk for u in flaggers), *(s.user_id for s in first)}
    assert not set(users) & involved
