"""A fixture world for the security tests: a members-only community with every kind of
object and every role, plus a public community, built through the real actions.

Roles, relative to the members-only community "inner":
anonymous, outsider (verified, not a member), member, left (a member who left),
suspended, moderator, expired (a moderator whose term ended), staff, superuser.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from api.tokens import do_create_token
from api.webhooks import do_create_subscription
from community.actions import do_reply
from members import applications, invitations, joining
from members.models import Membership
from moderation.appeals import check_file_appeal
from moderation.flags import check_flag_post
from moderation.models import JuryMember
from moderation.review import check_review_post
from notifications.actions import do_notify
from notifications.models import Notification
from purposes.amendments import check_propose_amendment
from purposes.charter_diff import CharterText
from purposes.drafting import check_create_proposal, check_submit_proposal
from purposes.models import Proposal
from purposes.seconds import check_second_proposal
from purposes.sweep import do_sweep
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    moderator_membership,
    thread_with_post,
)

ROLES = (
    "anonymous",
    "outsider",
    "member",
    "left",
    "suspended",
    "moderator",
    "expired",
    "staff",
    "superuser",
)

# Words that appear only in the members-only community's content: none of them may reach
# anyone who cannot read it, through any channel.
SECRET_WORDS = ("Zanzibarthread", "Quokkabody", "Marzipanproposal", "Okapireply")


@dataclass
class World:
    inner: object
    public: object
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)


def _purpose_text(community) -> CharterText:
    text = community.charter.text()
    return CharterText(purpose="To grow food together.", goals=text.goals, rules=text.rules)


def build_world() -> World:
    """Everything the authorization matrix needs, in one members-only community that
    admits by application, and a public one next to it."""
    inner = CommunityFactory(
        slug="inner", name="Inner circle", visibility="members", charter__join_policy="application"
    )
    public = CommunityFactory(slug="plaza", name="Plaza")
    moderator = moderator_membership(inner, user__username="mod").user
    author = MembershipFactory(community=inner, founder=True, user__username="author").user
    member = MembershipFactory(community=inner, founder=True, user__username="member").user
    seconders = [MembershipFactory(community=inner, founder=True).user for _ in range(2)]
    flaggers = [MembershipFactory(community=inner, founder=True).user for _ in range(3)]
    extras = [
        MembershipFactory(community=inner, founder=True).user for _ in range(5)
    ]  # for a jury of five
    MembershipFactory(community=public, user=author)

    # A proposal in voting (before anyone's role changes: the electorate is a snapshot).
    proposal = check_create_proposal(
        actor=author,
        community=inner,
        kind=Proposal.Kind.AMEND_PURPOSE,
        title=f"{SECRET_WORDS[2]} grow food",
        rationale="We mostly garden now.",
        proposed=_purpose_text(inner),
    )
    check_submit_proposal(actor=author, proposal=proposal)
    for user in seconders:
        check_second_proposal(actor=user, proposal=proposal)
    proposal.refresh_from_db()
    # An amendment proposed by the member during discussion, still waiting when voting
    # opened: nobody may accept, decline or carry it any more.
    amendment = check_propose_amendment(
        actor=member,
        proposal=proposal,
        proposed=CharterText(
            purpose="To grow food and share it.",
            goals=proposal.goals,
            rules=proposal.rules,
        ),
        reason="Share it.",
    )
    do_sweep(now=proposal.discussion_ends_at)
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.VOTING

    thread, post = thread_with_post(
        community=inner, author=author, title=f"{SECRET_WORDS[0]} plans", body=SECRET_WORDS[1]
    )
    reply = do_reply(author=member, thread=thread, parent_id=post.pk, body=SECRET_WORDS[3])
    _t2, hidden = thread_with_post(community=inner, author=author, title="Flagged")
    for user in flaggers:
        check_flag_post(actor=user, post=hidden, reason="spam")
    decision = check_review_post(actor=moderator, post=hidden, decision="keep_hidden", reason="Ads")
    appeal = check_file_appeal(actor=author, decision=decision, statement="No ad")
    # The jury is drawn at random: keep "member" a plain member, off it, so the matrix is
    # the same on every run.
    seated = set(JuryMember.objects.filter(appeal=appeal).values_list("user_id", flat=True))
    if member.pk in seated:
        spare = next(u for u in seconders + extras if u.pk not in seated)
        JuryMember.objects.filter(appeal=appeal, user=member).update(user=spare)

    applicant = UserFactory(username="applicant")
    application = applications.check_apply(
        actor=applicant, community=inner, motivation="I garden too.", affirmed=True
    )
    outsider = UserFactory(username="outsider")
    invitation = invitations.check_invite(actor=author, community=inner, username="outsider")

    left = MembershipFactory(community=inner, user__username="leaver")
    joining.do_leave(membership=left)
    suspended = MembershipFactory(
        community=inner,
        user__username="suspended",
        suspended_until=timezone.now() + timedelta(days=3),
    ).user
    expired = moderator_membership(inner, user__username="expired")
    Membership.objects.filter(pk=expired.pk).update(
        moderator_term_ends_at=timezone.now() - timedelta(seconds=1)
    )
    (notification,) = do_notify(
        recipients=[member],
        kind=Notification.Kind.REPLY,
        text="A reply in the inner circle",
        url=thread.get_absolute_url(),
        community=inner,
        actor=author,
        thread=thread,
    )
    world = World(inner=inner, public=public)
    world.users = {
        "anonymous": None,
        "outsider": outsider,
        "member": member,
        "left": left.user,
        "suspended": suspended,
        "moderator": moderator,
        "expired": expired.user,
        "staff": UserFactory(username="staffer", is_staff=True),
        "superuser": UserFactory(username="root1", is_staff=True, is_superuser=True),
        "author": author,
        "applicant": applicant,
    }
    world.objects = {
        "thread": thread,
        "post": post,
        "reply": reply,
        "hidden": hidden,
        "decision": decision,
        "appeal": appeal,
        "proposal": proposal,
        "amendment": amendment,
        "application": application,
        "invitation": invitation,
        "notification": notification,
        # the member's access token (the settings page revokes one's own only)
        "token": do_create_token(user=world.users["member"], name="bot", scopes=["read"], days=90)[
            0
        ],
        # the member's webhook (its pages are its owner's only)
        "webhook": do_create_subscription(
            user=world.users["member"],
            url="https://93.184.215.14/hooks",
            events=["notification.created"],
            community=None,
        ),  # fmt: skip
        # the inner community's archive, built by the worker's function
        "archive_build": _built_archive(world),
    }
    return world


def _built_archive(world):
    from portability.building import do_build_archive
    from portability.exports import do_request_archive

    requested = do_request_archive(actor=world.users["member"], community=world.inner)
    return do_build_archive(build_id=requested.build.pk)
