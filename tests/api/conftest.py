"""A small world for the API tests: a members-only community with a member, a moderator, a
suspended member and another member who wrote things; an outsider; platform staff (no
extra power, R2); and a client that speaks JSON with a bearer token."""

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from api.tokens import do_create_token
from api.webhooks import do_create_subscription
from community.models import Post
from purposes import drafting, seconds, voting
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    moderator_membership,
    thread_with_post,
)

ALL = ("read", "write", "vote")
# A public address written as one: checking it needs no DNS (the tests use no network).
PUBLIC_HOOK = "https://93.184.215.14/hooks"


def bearer(user, *scopes) -> str:
    return do_create_token(user=user, name="test", scopes=list(scopes or ALL), days=90)[1]


class Api:
    """``client`` calls with JSON bodies and an optional token."""

    def __init__(self, client):
        self.client = client

    def call(self, method, path, body=None, token=None, raw=None, **headers):
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        send = getattr(self.client, method.lower())
        if data is None:
            return send(f"/api/v1{path}", **headers)
        return send(f"/api/v1{path}", data=data, content_type="application/json", **headers)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)


@pytest.fixture
def api(client):
    return Api(client)


@dataclass
class World:
    den: object  # members-only community
    member: object
    moderator: object
    suspended: object
    other: object
    outsider: object
    staff: object
    thread: object
    root: object  # the opening post, by member
    others_post: object  # a reply by other
    draft: object  # member's draft proposal
    seeking: object  # other's proposal seeking seconds
    in_vote: object  # other's proposal in voting
    hook: object  # member's webhook (the den's new threads)
    amending: object = None  # built by amending(world) for the routes that need it


def open_voting(proposal):
    later = proposal.discussion_ends_at + timedelta(seconds=1)
    voting.do_open_voting(proposal_id=proposal.pk, now=later)
    proposal.refresh_from_db()
    return proposal


@pytest.fixture
def world(db):
    den = CommunityFactory(slug="den", name="The Den", visibility="members")
    long_ago = timezone.now() - timedelta(days=60)
    member = MembershipFactory(community=den, user__username="mia", joined_at=long_ago).user
    moderator = moderator_membership(den, user__username="mod", joined_at=long_ago).user
    suspended = MembershipFactory(
        community=den,
        user__username="sus",
        joined_at=long_ago,
        suspended_until=timezone.now() + timedelta(days=7),
        suspension_reason="Shouting",
    ).user
    other = MembershipFactory(community=den, user__username="otto", joined_at=long_ago).user
    outsider = UserFactory(username="olga")
    staff = UserFactory(username="stan", is_staff=True, is_superuser=True)
    thread, root = thread_with_post(community=den, author=member, title="Garden plans")
    from community.actions import do_reply

    others_post = do_reply(author=other, thread=thread, parent_id=root.pk, body="Tomatoes!")
    draft = drafting.check_create_proposal(
        actor=member, community=den, kind="dissolve", title="Close the den", rationale="Done."
    )
    seeking = drafting.check_create_proposal(
        actor=other, community=den, kind="dissolve", title="Wind down", rationale="Tired."
    )
    drafting.check_submit_proposal(actor=other, proposal=seeking)
    in_vote = drafting.check_create_proposal(
        actor=other, community=den, kind="dissolve", title="End it", rationale="Time."
    )
    drafting.check_submit_proposal(actor=other, proposal=in_vote)
    seconds.check_second_proposal(actor=member, proposal=in_vote)
    seconds.check_second_proposal(actor=moderator, proposal=in_vote)
    in_vote.refresh_from_db()
    open_voting(in_vote)
    seeking.refresh_from_db()
    return World(
        den=den,
        member=member,
        moderator=moderator,
        suspended=suspended,
        other=other,
        outsider=outsider,
        staff=staff,
        thread=thread,
        root=Post.objects.get(pk=root.pk),
        others_post=others_post,
        draft=draft,
        seeking=seeking,
        in_vote=in_vote,
        hook=do_create_subscription(
            user=member, url=PUBLIC_HOOK, events=["thread.created"], community=den
        ),
    )


@dataclass
class Amending:
    mine: object  # member's change of purpose in discussion, seconded by other and moderator
    waiting: object  # other's amendment to it, waiting for member
    others: object  # other's change of purpose in discussion
    declined: object  # member's amendment to it, declined by other


def amending(world) -> Amending:
    """Two charter proposals in discussion with an amendment each, in a den whose charter
    puts declined amendments to the vote; built once per world, only where needed (the
    other API tests need none of it)."""
    if world.amending is not None:
        return world.amending
    from purposes.amendments import check_decline_amendment, check_propose_amendment
    from purposes.charter_diff import CharterText
    from purposes.models import Charter

    Charter.objects.filter(pk=world.den.charter_id).update(amendments_to_vote=True)
    world.den.refresh_from_db()

    def in_discussion(author, seconders, purpose):
        text = world.den.charter.text()
        proposal = drafting.check_create_proposal(
            actor=author, community=world.den, kind="purpose", title=purpose,
            rationale="Say it better.",
            proposed=CharterText(purpose=purpose, goals=text.goals, rules=text.rules),
        )  # fmt: skip
        drafting.check_submit_proposal(actor=author, proposal=proposal)
        for user in seconders:
            seconds.check_second_proposal(actor=user, proposal=proposal)
        proposal.refresh_from_db()
        assert proposal.state == "discussion"
        return proposal

    def amend(proposal, author, purpose):
        text = proposal.proposed_text()
        return check_propose_amendment(
            actor=author, proposal=proposal, reason="Warmer words.",
            proposed=CharterText(purpose=purpose, goals=text.goals, rules=text.rules),
        )  # fmt: skip

    mine = in_discussion(world.member, [world.other, world.moderator], "A den for friends.")
    others = in_discussion(world.other, [world.member, world.moderator], "A den for readers.")
    waiting = amend(mine, world.other, "A den for friends and neighbours.")
    declined = amend(others, world.member, "A den for readers and writers.")
    check_decline_amendment(actor=world.other, amendment=declined, reason="Too broad.")
    world.amending = Amending(mine=mine, waiting=waiting, others=others, declined=declined)
    return world.amending
