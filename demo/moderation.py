"""Demo moderation for `manage.py seed_demo` (idempotent): in Riverside Gardeners, an
elected moderator, a post hidden by members' flags waiting in the queue, and a suspension
under appeal. Done through the real actions; skipped when the community is absent or
already has a moderation log."""

from datetime import timedelta

from django.utils import timezone

from community import actions
from community.models import Community, Post, Thread
from members import joining, standing
from members.models import Membership
from members.permissions import forget_request_caches
from moderation.appeals import check_file_appeal
from moderation.flags import check_flag_post
from moderation.juries import check_cast_jury_vote
from moderation.log import do_log
from moderation.models import ModerationAction
from moderation.suspensions import check_suspend_member


def seed(users: dict) -> None:
    community = Community.objects.select_related("charter").filter(slug="riverside-gardeners")
    community = community.first()
    if community is None or not community.is_active:
        return
    if ModerationAction.objects.filter(community=community).exists():
        return
    alice, bruno, chen = users["alice"], users["bruno"], users["chen"]
    dara, emil, fatima = users["dara"], users["emil"], users["fatima"]
    for user in (dara, fatima):
        forget_request_caches(user, community)
        if not Membership.objects.current().filter(user=user, community=community).exists():
            joining.check_join(actor=user, community=community, affirmed=True)

    # Chen's election stands in for a passed "elect a moderator" proposal (the proposals
    # demo shows those); the grant and its log entry are what applying one does.
    term_ends = timezone.now() + timedelta(days=community.charter.moderator_term_days)
    standing.do_grant_moderator(user=chen, community=community, term_ends_at=term_ends)
    do_log(
        community=community,
        kind=ModerationAction.Kind.TERM_START,
        member=chen,
        reason="Elected by the members' proposal “Elect Chen as moderator”.",
        until=term_ends,
    )

    thread = Thread.objects.filter(community=community, title="Compost rota").first()
    if thread is None:
        return
    root = Post.objects.select_related("thread__community").get(thread=thread, depth=0)
    forget_request_caches(emil)
    rude = actions.check_reply(
        actor=emil,
        thread=thread,
        parent_id=root.pk,
        body="Whoever left the compost lid open again is too lazy to be in this garden.",
    )
    rude.thread = thread
    for flagger, reason, note in (
        (alice, "disrespectful", ""),
        (dara, "disrespectful", ""),
        (fatima, "other", "Blaming people does not get the compost turned."),
    ):
        forget_request_caches(flagger, community)
        check_flag_post(actor=flagger, post=rude, reason=reason, note=note)

    forget_request_caches(chen, community)
    suspension = check_suspend_member(
        actor=chen,
        community=community,
        username=bruno.username,
        days=3,
        reason="Insulted two members in the seed swap thread after being asked to stop.",
    )
    forget_request_caches(bruno, community)
    appeal = check_file_appeal(
        actor=bruno,
        decision=suspension,
        statement="I lost my temper and I have apologised to both of them in the thread. "
        "Three days away from the seed swap planning seems more than the words deserve.",
    )
    first = appeal.jurors.select_related("user").first()
    if first is not None:
        forget_request_caches(first.user, community)
        check_cast_jury_vote(actor=first.user, appeal=appeal, vote="grant")
