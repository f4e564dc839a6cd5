"""The authorization matrix's owner dimension (issue 9): what belongs to one person is
acted on by that person only.

``test_authorization_matrix`` requests every route as nine roles, on one object per route.
Here every route whose address names something that belongs to someone (a post, a
proposal, an application, an invitation, a notification, a jury seat, a decision about a
member, an account) is requested with GET and POST (valid CSRF) by five people:

- owner: the person it belongs to;
- other: another member of the same community, not a moderator;
- moderator: a moderator in term, who hides and reviews posts but never edits, withdraws or
  decides what is someone else's own;
- staff, superuser: platform staff who are *also members* of the community, so that their
  refusal comes from ownership, not from the members-only wall (R2: staff have no
  community power but takedown). Staff who are not members are the matrix's own columns.

Each cell is the status, with ``*`` when the request changed a row (every field of every
row is compared, not only the counts). Outside the owner's column a ``*`` is allowed only
where the table names a community power over the object (``others_may``): a moderator
deciding an application, members seconding a proposal, a second moderator reviewing a
moderator's post. A few rows are the other way round: the owner is the one refused (an
applicant admitting themselves, a proposer seconding their own proposal, a member flagging
their own post, a moderator reviewing their own post).

The table is generated against the URL configuration: a route with an owner-looking part
(``<pk>``, ``<username>``, ``<token>``, ``<…_id>``) must be in ``OWNER_BOUND`` or in
``SHARED`` (with the reason it is not anyone's own), and every step of
``proposal_step`` must be in ``OWNER_BOUND``, so a new view or step cannot escape.
"""

import os
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import PersonalAccessToken, WebhookSubscription
from community.models import Community, Post
from members import applications
from members.models import Application, Invitation, Membership, User
from moderation.models import Appeal, JuryMember, ModerationAction
from notifications.models import Notification
from purposes import founding
from purposes.amendments import check_decline_amendment, check_propose_amendment
from purposes.charter_diff import CharterText
from purposes.drafting import check_create_proposal, check_submit_proposal
from purposes.models import Amendment, Charter, Proposal
from purposes.seconds import check_second_proposal
from purposes.views.proposals import STEPS
from purposes.voting import check_cast_consent, do_open_voting
from tests.factories import (
    PASSWORD,
    CommunityFactory,
    MembershipFactory,
    moderator_membership,
    thread_with_post,
)
from tests.security import test_authorization_matrix as matrix
from tests.security.test_authorization_matrix import (
    CSRF_SECRET,
    READ_BOOKKEEPING,
    route_kwargs,
    send,
    site_routes,
)
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

WHO = ("owner", "other", "moderator", "staff", "superuser")

# A part of an address that names a person or something of theirs.
OWNER_KWARG = re.compile(r"^(pk|username|token|\w+_id)$")


@dataclass(frozen=True)
class Case:
    """One owner-bound route: whose object it is, and what each of WHO gets."""

    obj: str  # key in the owners' world
    owner: str  # key in world.users
    GET: str = ""
    POST: str = ""
    data: dict = field(default_factory=dict)
    kwargs: dict = field(default_factory=dict)  # e.g. the step of proposal_step
    other: str = ""  # default: "author" for the member's objects, else "member"
    moderator: str = "moderator"
    others_may: tuple = ()  # columns that may change it: a community power, named here
    owner_may: bool = True  # False: the owner is the one refused (no self-dealing)
    readers_see: bool = False  # the GET is a page every reader of the community sees
    bookkeeping_get: bool = False  # the owner's GET marks their own item read


EDIT_PROPOSAL = {
    "title": "Grow food, revised",
    "rationale": "We mostly garden now.",
    "purpose": "To grow food and share it.",
    "goals": "Meet every month\nKeep the garden open to all",
}

AMEND_PROPOSAL = {
    "purpose": "To grow food and share it.",
    "goals": "Meet every month",
    "rationale": "Sharing matters.",
}

FOUNDING_CHARTER = {
    "charter-purpose": "We save seeds.",
    "charter-goals": "Swap seeds each spring",
    "charter-join_policy": "open",
    "charter-seconds_required": "2",
    "charter-discussion_days": "3",
    "charter-voting_days": "7",
    "charter-quorum_percent": "25",
    "charter-major_quorum_percent": "40",
    "charter-flag_threshold": "3",
    "charter-moderator_term_days": "90",
}

# fmt: off
# key (route name, and a label when a route has several owner-bound uses):
# statuses in WHO order: owner other moderator staff superuser; * = rows changed
OWNER_BOUND: dict[str, Case] = {
    # posts: only the author edits or deletes (moderators hide, through another route)
    "community:post_edit": Case(
        "reply", "member", data={"body": "Edited"},
        GET="200 403 403 403 403", POST="302* 403 403 403 403"),
    "community:post_delete": Case(
        "reply", "member",
        GET="200 403 403 403 403", POST="302* 403 403 403 403"),
    # flagging is for the others (staff who are members flag as members); never one's own
    "moderation:flag_post": Case(
        "reply", "member", data={"reason": "spam"}, owner_may=False,
        others_may=("other", "moderator", "staff", "superuser"),
        GET="403 200 200 200 200", POST="400 302* 302* 302* 302*"),
    # a moderator never reviews their own hidden post; another moderator does
    "moderation:review": Case(
        "mod_hidden", "moderator", data={"decision": "restore"}, owner_may=False,
        other="member", moderator="mod2", others_may=("moderator",),
        GET="200 403 200 403 403", POST="403 403 302* 403 403"),
    # only the member a decision concerns appeals it: their post kept hidden...
    "moderation:appeal_new": Case(
        "decision", "member", data={"statement": "Please look again"},
        GET="200 403 403 403 403", POST="302* 403 403 403 403"),
    # ...or their suspension
    "moderation:appeal_new suspension": Case(
        "suspension", "suspendee", data={"statement": "It was a joke"}, other="member",
        GET="200 403 403 403 403", POST="302* 403 403 403 403"),
    # an appeal is read by every member; only a juror drawn answers (never the appellant)
    "moderation:appeal": Case(
        "appeal", "juror", data={"answer": "accept"}, other="author", readers_see=True,
        GET="200 200 200 200 200", POST="302* 403 403 403 403"),
    # the founding charter's author edits it while the community forms, not the founders
    "purposes:founding_edit": Case(
        "forming", "member", data=FOUNDING_CHARTER,
        GET="200 403 403 403 403", POST="302* 403 403 403 403"),
    # members read an application and moderators decide it; the applicant never does
    "members:application": Case(
        "application", "applicant", data={"decision": "admit"}, owner_may=False,
        readers_see=True, others_may=("moderator",),
        GET="200 200 200 200 200", POST="403 403 302* 403 403"),
    "members:withdraw_application": Case(
        "application", "applicant",
        GET="405 405 405 405 405", POST="302* 403 403 403 403"),
    "members:invitation": Case(
        "invitation", "outsider", data={"affirm": "on"},
        GET="200 404 404 404 404", POST="302* 404 404 404 404"),
    "members:decline_invitation": Case(
        "invitation", "outsider",
        GET="405 405 405 405 405", POST="302* 404 404 404 404"),
    "members:profile_edit": Case(
        "member", "member", data={"display_name": "M", "bio": "Hi"},
        GET="200 403 403 403 403", POST="302* 403 403 403 403"),
    "members:export_data": Case(
        "member", "member",
        GET="200 404 404 404 404", POST="405 405 405 405 405"),
    "members:account_delete": Case(
        "member", "member", data={"password": PASSWORD},
        GET="200 404 404 404 404", POST="302* 404 404 404 404"),
    "engagement:relationships": Case(
        "member", "member",
        GET="200 404 404 404 404", POST="405 405 405 405 405"),
    "notifications:read": Case(
        "notification", "member",
        GET="405 405 405 405 405", POST="302* 404 404 404 404"),
    # an access token is revoked by the member who made it, by nobody else
    "api:revoke_token": Case(
        "token", "member",
        GET="405 405 405 405 405", POST="302* 404 404 404 404"),
    # a webhook's page, deletion and turning back on are its owner's only
    "api:webhook": Case(
        "webhook", "member",
        GET="200 404 404 404 404", POST="405 405 405 405 405"),
    "api:delete_webhook": Case(
        "webhook", "member",
        GET="405 405 405 405 405", POST="302* 404 404 404 404"),
    "api:enable_webhook": Case(
        "webhook", "member",
        GET="405 405 405 405 405", POST="302* 404 404 404 404"),
    # following one's own notification marks it read (the reader's own bookkeeping)
    "notifications:open": Case(
        "notification", "member", bookkeeping_get=True,
        GET="302* 404 404 404 404", POST="405 405 405 405 405"),
    # proposals: the proposer revises, submits, withdraws, rebases, re-drafts. A refused
    # step is the post/redirect/get back to the proposal with the reason: 302, no change.
    "purposes:proposal_edit": Case(
        "discussion", "member", data=EDIT_PROPOSAL,
        GET="200 404 404 404 404", POST="302* 404 404 404 404"),
    "purposes:proposal_step submit": Case(
        "draft", "member", kwargs={"step": "submit"},
        GET="405 405 405 405 405", POST="302* 404 404 404 404"),
    "purposes:proposal_step withdraw": Case(
        "discussion", "member", kwargs={"step": "withdraw"},
        GET="405 405 405 405 405", POST="302* 302 302 302 302"),
    "purposes:proposal_step rebase": Case(
        "discussion", "member", kwargs={"step": "rebase"},
        GET="405 405 405 405 405", POST="302* 302 302 302 302"),
    "purposes:proposal_step redraft": Case(
        "conflict", "member", kwargs={"step": "redraft"},
        GET="405 405 405 405 405", POST="302* 302 302 302 302"),
    # the nominee accepts, not the member who nominated them (the draft is theirs alone)
    "purposes:proposal_step accept": Case(
        "nomination", "member", kwargs={"step": "accept"},
        GET="405 405 405 405 405", POST="302* 302 404 404 404"),
    # an objection is withdrawn by the member who raised it, by nobody else
    "purposes:proposal_step withdraw-objection": Case(
        "objected", "member", kwargs={"step": "withdraw-objection"},
        GET="405 405 405 405 405", POST="302* 302 302 302 302"),
    # amendments: every other member amends a proposal in discussion (staff who are
    # members too, as members), never its proposer (who revises instead)
    "purposes:amend": Case(
        "discussion", "member", data=AMEND_PROPOSAL, owner_may=False,
        others_may=("other", "moderator", "staff", "superuser"),
        GET="404 200 200 200 200", POST="404 302* 302* 302* 302*"),
    # the proposer alone accepts or declines an amendment to their proposal
    "purposes:amendment_accept": Case(
        "amendment", "member",
        GET="405 405 405 405 405", POST="302* 302 302 302 302"),
    "purposes:amendment_decline": Case(
        "amendment", "member", data={"reason": "Too long."},
        GET="405 405 405 405 405", POST="302* 302 302 302 302"),
    # the amendment's author alone puts their declined amendment to the vote
    "purposes:amendment_carry": Case(
        "declined", "member",
        GET="405 405 405 405 405", POST="302* 302 302 302 302"),
    # seconds come from the others, never from the proposer
    "purposes:proposal_step second": Case(
        "seeking", "member", kwargs={"step": "second"}, owner_may=False,
        others_may=("other", "moderator", "staff", "superuser"),
        GET="405 405 405 405 405", POST="302 302* 302* 302* 302*"),
}
# fmt: on

# Routes with an owner-looking part whose object is nobody's own to guard, and why.
SHARED = {
    "community:thread_short": "a thread is the community's conversation: every reader",
    "community:thread": "a thread is the community's conversation: every reader",
    "community:new_replies": "a thread's new-replies poll: every reader of the thread",
    "community:post": "a post's page: every reader",
    "community:reply": "replying is open to every member who may post",
    "community:post_revisions": "a post's kept edit history: every reader of the post",
    "moderation:takedown": "the one staff power (R2), over anyone's post",
    "members:profile": "a profile is public",
    "members:avatar": "a member's picture is public, like the profile",
    "purposes:proposal": "a proposal (not a draft) is read by every member",
    "purposes:proposal_live": "a proposal's status-line poll: every reader of the proposal",
    "purposes:vote": "every elector votes, the proposer too",
    "notifications:unsubscribe": "the signed token is the credential, not the session",
    "portability:archive_download": "a community's archive: every member who may get it",
    "purposes:proposal_count_csv": "a closed vote's count: every reader of the proposal",
    "purposes:proposal_ballots_csv": "a closed secret vote's ballots: every reader of it",
}


def purpose_text(charter, purpose="To grow food together.") -> CharterText:
    text = charter.text()
    return CharterText(purpose=purpose, goals=text.goals, rules=text.rules)


@dataclass
class Owners:
    world: object
    users: dict
    objects: dict
    foreign: dict  # the same kind of object, the owner's, in another community


def act(user, name: str, kwargs: dict, data: dict) -> None:
    """Set the world up through the site itself, as its people would."""
    cache.clear()  # rate limits
    url = reverse(name, kwargs={"slug": "inner"} | kwargs)
    response = client_for(user).post(url, data, headers={"X-CSRFToken": CSRF_SECRET})
    assert response.status_code == 302, (name, response.status_code)


def build_owners_world() -> Owners:
    """The matrix's world, plus something of each kind that belongs to one person, and
    the same owners' objects in other communities."""
    world = build_world()
    inner = world.inner
    users = dict(world.users)
    member, author, moderator = users["member"], users["author"], users["moderator"]
    users["mod2"] = moderator_membership(inner, user__username="mod2").user
    users["staff"] = MembershipFactory(
        community=inner, user__username="staffmember", user__is_staff=True
    ).user
    users["superuser"] = MembershipFactory(
        community=inner, user__username="rootmember", user__is_staff=True, user__is_superuser=True
    ).user
    flaggers = [MembershipFactory(community=inner).user for _ in range(3)]
    users["suspendee"] = MembershipFactory(community=inner, user__username="suspendee").user
    seat = JuryMember.objects.filter(
        appeal=world.objects["appeal"], state=JuryMember.State.INVITED
    ).first()
    users["juror"] = seat.user

    # a post of the member's, kept hidden by a moderator: theirs to appeal
    _t, kept = thread_with_post(community=inner, author=member, title="Mine")
    for user in flaggers:
        act(user, "moderation:flag_post", {"post_id": kept.pk}, {"reason": "spam"})
    review = {"decision": "keep_hidden", "reason": "Ads"}
    act(moderator, "moderation:review", {"post_id": kept.pk}, review)
    decision = ModerationAction.objects.get(post=kept, kind=ModerationAction.Kind.KEEP_HIDDEN)
    suspend = {"username": "suspendee", "days": 2, "reason": "Rude"}
    act(moderator, "moderation:suspend", {}, suspend)
    suspension = ModerationAction.objects.get(
        member=users["suspendee"], kind=ModerationAction.Kind.SUSPEND
    )
    # a moderator's own post, hidden by flags and waiting for review
    _t, mod_hidden = thread_with_post(community=inner, author=moderator, title="Moderator's")
    for user in flaggers:
        act(user, "moderation:flag_post", {"post_id": mod_hidden.pk}, {"reason": "spam"})

    # the member's proposals, one in each state an owner acts on
    def draft(title, *, actor=member, kind=Proposal.Kind.AMEND_PURPOSE, target=None):
        return check_create_proposal(
            actor=actor,
            community=inner,
            kind=kind,
            title=title,
            rationale="Because.",
            proposed=purpose_text(inner.charter) if kind in Proposal.CHARTER_KINDS else None,
            target=target,
        )

    drafted = draft("Drafted")
    seeking = draft("Seeking")
    check_submit_proposal(actor=member, proposal=seeking)
    discussion = draft("Discussed")
    check_submit_proposal(actor=member, proposal=discussion)
    for user in flaggers[:2]:
        check_second_proposal(actor=user, proposal=discussion)
    # in a consent vote, with the member's objection standing
    objected = draft("Objected", actor=author)
    check_submit_proposal(actor=author, proposal=objected)
    for user in flaggers[:2]:
        check_second_proposal(actor=user, proposal=objected)
    objected.refresh_from_db()
    assert do_open_voting(proposal_id=objected.pk, now=objected.discussion_ends_at)
    Proposal.objects.filter(pk=objected.pk).update(method="consent")
    objected.refresh_from_db()
    check_cast_consent(actor=member, proposal=objected, position="object", reason="Too soon.")
    conflict = draft("Conflicted")
    Proposal.objects.filter(pk=conflict.pk).update(
        state=Proposal.State.CONFLICT, closed_at=timezone.now()
    )
    nomination = draft(
        "Member for moderator",
        actor=author,
        kind=Proposal.Kind.ELECT_MODERATOR,
        target=Membership.objects.get(community=inner, user=member, left_at__isnull=True),
    )
    # an amendment of the author's waiting on the member's proposal in discussion; the
    # member's amendment to the author's proposal, declined
    amendment = check_propose_amendment(
        actor=author,
        proposal=discussion,
        proposed=purpose_text(inner.charter, "To grow food, and more."),
        reason="Broader.",
    )
    amended = draft("Amended", actor=author)
    check_submit_proposal(actor=author, proposal=amended)
    for user in flaggers[:2]:
        check_second_proposal(actor=user, proposal=amended)
    amended.refresh_from_db()
    declined = check_propose_amendment(
        actor=member,
        proposal=amended,
        proposed=purpose_text(inner.charter, "To grow food and flowers."),
        reason="Flowers too.",
    )
    check_decline_amendment(actor=author, amendment=declined, reason="Food only.")
    # a newer charter in force: the proposals above are drafted on an older one (rebase);
    # it lets a declined amendment go to the vote
    old = inner.charter
    inner.charter = Charter.objects.create(
        community=inner,
        version=old.version + 1,
        purpose=old.purpose,
        goals=[*old.goals, "Share the harvest"],
        author=author,
        **(old.rules() | {"amendments_to_vote": True}),  # a rule since issue 18
    )
    inner.save(update_fields=["charter"])

    # a community still forming, whose founding charter the member wrote
    forming = founding.check_found_community(
        actor=member,
        name="Seed bed",
        slug="seedbed",
        tagline="",
        visibility="public",
        charter={"purpose": "We save seeds.", "goals": ["Swap seeds"]},
    )
    for key in ("author", "staff", "superuser"):
        MembershipFactory(community=forming, user=users[key])

    objects = {
        "reply": world.objects["reply"],
        "decision": decision,
        "suspension": suspension,
        "mod_hidden": mod_hidden,
        "appeal": world.objects["appeal"],
        "application": world.objects["application"],
        "invitation": world.objects["invitation"],
        "notification": world.objects["notification"],
        "token": world.objects["token"],
        "webhook": world.objects["webhook"],
        "member": member,
        "draft": drafted,
        "seeking": Proposal.objects.get(pk=seeking.pk),
        "discussion": Proposal.objects.get(pk=discussion.pk),
        "objected": Proposal.objects.get(pk=objected.pk),
        "conflict": conflict,
        "nomination": nomination,
        "forming": forming,
        "amendment": Amendment.objects.get(pk=amendment.pk),
        "declined": Amendment.objects.get(pk=declined.pk),
    }
    for key in ("discussion", "seeking"):
        assert objects[key].state == Proposal.State[key.upper()], key
    return Owners(world, users, objects, build_foreign(world, users))


def build_foreign(world, users) -> dict:
    """Each owner's object of the same kind in another community: the public one, and a
    second members-only community the applicant also applied to."""
    plaza = world.public
    member, moderator, juror = users["member"], users["moderator"], users["juror"]
    for user in (member, moderator, juror, users["suspendee"]):
        MembershipFactory(community=plaza, user=user)
    _t, post = thread_with_post(community=plaza, author=member, title="Plaza post")
    _t, mod_post = thread_with_post(community=plaza, author=moderator, title="Mod's plaza post")
    decision = ModerationAction.objects.create(
        community=plaza, kind=ModerationAction.Kind.KEEP_HIDDEN, post=post, reason="x"
    )
    suspension = ModerationAction.objects.create(
        community=plaza, kind=ModerationAction.Kind.SUSPEND, member=users["suspendee"], reason="x"
    )
    appealed = ModerationAction.objects.create(
        community=plaza, kind=ModerationAction.Kind.KEEP_HIDDEN, post=post, reason="y"
    )
    appeal = Appeal.objects.create(
        community=plaza,
        appellant=member,
        decision=appealed,
        post=post,
        statement="Elsewhere",
        deadline=timezone.now() + timedelta(days=3),
    )
    JuryMember.objects.create(appeal=appeal, user=juror)
    proposal = check_create_proposal(
        actor=member,
        community=plaza,
        kind=Proposal.Kind.AMEND_PURPOSE,
        title="Plaza proposal",
        rationale="Why not",
        proposed=purpose_text(plaza.charter, "Elsewhere."),
    )
    # Drafted over the past days, so that the owner's re-draft is within today's limit
    # of proposals (re-drafts count against it).
    Proposal.objects.filter(author=member).update(created_at=timezone.now() - timedelta(days=2))
    foreign_amendments = {
        key: Amendment.objects.create(
            proposal=proposal, author=author, reason="Elsewhere.", state=state, against={}
        )
        for key, state, author in (
            ("amendment", Amendment.State.PENDING, users["author"]),
            ("declined", Amendment.State.DECLINED, member),
        )
    }
    yard = CommunityFactory(
        slug="yard", name="Yard", visibility="members", charter__join_policy="application"
    )
    application = applications.check_apply(
        actor=users["applicant"], community=yard, motivation="Me too", affirmed=True
    )
    return {
        "reply": post,
        "decision": decision,
        "suspension": suspension,
        "mod_hidden": mod_post,
        "appeal": appeal,
        "application": application,
        **dict.fromkeys(
            ("draft", "seeking", "discussion", "objected", "conflict", "nomination"), proposal
        ),
        **foreign_amendments,
    }


def object_kwargs(obj) -> dict:
    """The part of an address that names this object."""
    if isinstance(obj, Amendment):
        return {"proposal_id": obj.proposal_id, "amendment_id": obj.pk}
    kinds = [
        (Community, "slug", "slug"),
        (Post, "post_id", "pk"),
        (Proposal, "proposal_id", "pk"),
        (ModerationAction, "action_id", "pk"),
        (Appeal, "appeal_id", "pk"),
        (User, "username", "username"),
        (Application, "pk", "pk"),
        (Invitation, "pk", "pk"),
        (Notification, "pk", "pk"),
        (PersonalAccessToken, "pk", "pk"),
        (WebhookSubscription, "pk", "pk"),
    ]
    for model, kwarg, attr in kinds:
        if isinstance(obj, model):
            return {kwarg: getattr(obj, attr)}
    raise AssertionError(f"no address part for {obj!r}")


def route_name(key: str) -> str:
    return key.split()[0]


def case_url(owners: Owners, key: str, obj) -> str:
    name = route_name(key)
    route, _pattern = site_routes()[name]
    kwargs = route_kwargs(owners.world, name, route)
    named = object_kwargs(obj)
    assert set(named) <= set(kwargs), f"{key}: {named} is not part of {route}"
    return reverse(name, kwargs=kwargs | named | OWNER_BOUND[key].kwargs)


def column_users(case: Case) -> dict[str, str]:
    other = case.other or ("author" if case.owner == "member" else "member")
    return {
        "owner": case.owner,
        "other": other,
        "moderator": case.moderator,
        "staff": "staff",
        "superuser": "superuser",
    }


def client_for(user) -> Client:
    """Signed in, CSRF enforced, with the matrix's token (as ``make_clients`` does)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.cookies["csrftoken"] = CSRF_SECRET
    return client


# --- Every field of every row, not only the counts ----------------------------------------

SKIPPED = READ_BOOKKEEPING | {"sessions.Session"}


def snapshot_rows() -> dict[str, dict]:
    """Every row of every model, by primary key (the reader's own read markers and the
    session aside), so an UPDATE shows as well as an INSERT or a DELETE."""
    quote, rows = connection.ops.quote_name, {}
    with connection.cursor() as cursor:
        for label, table, pk in matrix.tables(SKIPPED):
            # The models' own table names, quoted.
            cursor.execute(f"SELECT {quote(pk)}, * FROM {quote(table)}")  # noqa: S608
            rows[label] = {row[0]: row for row in cursor.fetchall()}
    return rows


def describe(changed: dict) -> dict[str, str]:
    out = {}
    for label, (before, after) in changed.items():
        added = len(after.keys() - before.keys())
        removed = len(before.keys() - after.keys())
        updated = [pk for pk in before.keys() & after.keys() if before[pk] != after[pk]]
        out[label] = f"+{added} -{removed} ~{len(updated)}"
    return out


@pytest.fixture
def rows_compared(monkeypatch):
    """The matrix's ``send``, comparing whole rows instead of counts."""
    monkeypatch.setattr(matrix, "snapshot_counts", snapshot_rows)
    matrix.CSP_PROBLEMS.clear()
    yield
    assert not matrix.CSP_PROBLEMS, "\n".join(matrix.CSP_PROBLEMS[:20])


REFUSALS = {302, 403, 404, 405}  # 302: the post/redirect/get of a refused proposal step


def check_table() -> list[str]:
    """The table itself: every cell outside a named power is a refusal that changed
    nothing."""
    problems = []
    for key, case in OWNER_BOUND.items():
        for method in ("GET", "POST"):
            cells = getattr(case, method).split()
            if len(cells) != len(WHO):
                problems.append(f"{key} {method}: {len(cells)} cells")
                continue
            for who, cell in zip(WHO, cells, strict=True):
                status, changed = int(cell.rstrip("*")), cell.endswith("*")
                if who == "owner" and not case.owner_may:
                    if changed:
                        problems.append(f"{key} {method}: the owner changes it (self-dealing)")
                    continue
                if who == "owner" and method == "POST" and status != 405 and not changed:
                    problems.append(f"{key} POST: the owner's request must do what it is for")
                if who == "owner" or who in case.others_may:
                    if changed and method == "GET" and not case.bookkeeping_get:
                        problems.append(f"{key} GET changes a row for the {who}")
                    continue
                if changed:
                    problems.append(f"{key} {method}: the {who} changes it (not a power)")
                readable = method == "GET" and case.readers_see and status == 200
                if status not in REFUSALS and not readable:
                    problems.append(f"{key} {method}: the {who} gets {status}")
    return problems


def observe(owners: Owners) -> tuple[dict[str, dict[str, str]], int]:
    """Each cell of the table as observed, and how many requests that took."""
    observed, htmx_leaks, requests = {}, [], 0
    for key, case in sorted(OWNER_BOUND.items()):
        url = case_url(owners, key, owners.objects[case.obj])
        users = column_users(case)
        observed[key] = {}
        for method in ("GET", "POST"):
            cells = []
            for who in WHO:
                # a fresh session per request: deleting the account signs its owner out
                client = client_for(owners.users[users[who]])
                status, changed = send(client, method, url, dict(case.data))
                requests += 1
                cells.append(f"{status}{'*' if changed else ''}")
                if who != "owner" and status in {403, 404}:
                    htmx, changed = send(client, method, url, dict(case.data), htmx=True)
                    requests += 1
                    if changed or (htmx != status and (status, htmx) != (403, 200)):
                        htmx_leaks.append(f"{method} {url} as {who}: {status}, htmx {htmx}")
                elif changed and who != "owner" and who not in case.others_may:
                    print(f"{key} {method} as {who}: {describe(changed)}")
            observed[key][method] = " ".join(cells)
    assert not htmx_leaks, "htmx got past a refusal:\n" + "\n".join(htmx_leaks)
    return observed, requests


def test_the_owner_table_covers_every_route_that_names_someones_object():
    routes = site_routes()
    owner_looking = {
        name
        for name, (route, _pattern) in routes.items()
        if any(OWNER_KWARG.match(part) for part in re.findall(r"<(?:\w+:)?(\w+)>", route))
    }
    bound = {route_name(key) for key in OWNER_BOUND}
    missing = sorted(owner_looking - bound - set(SHARED))
    assert not missing, f"say whose these routes' objects are (OWNER_BOUND or SHARED): {missing}"
    stale = sorted((bound | set(SHARED)) - set(routes))
    assert not stale, f"no longer routes: {stale}"
    needless = sorted(set(SHARED) - owner_looking)
    assert not needless, f"these name nobody's object: {needless}"
    assert not bound & set(SHARED), bound & set(SHARED)
    steps = {case.kwargs["step"] for key, case in OWNER_BOUND.items() if "step" in case.kwargs}
    assert steps == set(STEPS) | {"redraft"}, f"proposal steps not in the table: {steps}"
    problems = check_table()
    assert not problems, "\n".join(problems)


def test_only_the_owner_reaches_what_is_theirs(rows_compared, figure):
    owners = build_owners_world()
    observed, requests = observe(owners)
    if os.environ.get("OWNERS_DUMP"):  # write the observed table, to review by hand
        with open(os.environ["OWNERS_DUMP"], "w") as out:
            for key, methods in observed.items():
                out.write(f'{key}\n    GET="{methods["GET"]}", POST="{methods["POST"]}"\n')
    wrong = [
        f"{key} {method}: expected {getattr(OWNER_BOUND[key], method)} got {got}"
        for key, methods in observed.items()
        for method, got in methods.items()
        if getattr(OWNER_BOUND[key], method) != got
    ]
    assert not wrong, "\n".join(wrong)
    routes = {route_name(key) for key in OWNER_BOUND}
    figure(
        f"authorization owners: {len(routes)} routes in {len(OWNER_BOUND)} owner-bound uses"
        f" x GET/POST x {len(WHO)} people ({requests} requests, htmx refusals included)"
    )


def test_the_owners_object_of_another_community_is_404_under_this_ones_address(rows_compared):
    """The owner themself, a member of both communities, reaches their object of another
    community only under that community's address: ids are looked up within the
    community of the URL before any ownership or state is checked."""
    owners = build_owners_world()
    reached, checked = [], []
    for key, case in sorted(OWNER_BOUND.items()):
        route, _pattern = site_routes()[route_name(key)]
        if "<slug:slug>" not in route or isinstance(owners.objects[case.obj], Community):
            continue  # named by id alone (notifications, accounts), or the community itself
        assert case.obj in owners.foreign, f"{key}: add the owner's {case.obj} elsewhere"
        checked.append(key)
        url = case_url(owners, key, owners.foreign[case.obj])
        client = client_for(owners.users[case.owner])
        for method in ("GET", "POST"):
            status, changed = send(client, method, url, dict(case.data))
            if changed or status not in {404, 405}:
                reached.append(f"{method} {url} as {case.owner}: {status} {describe(changed)}")
    assert not reached, "another community's object reached:\n" + "\n".join(reached)
    assert len(checked) >= 15, checked


def test_flagging_ones_own_post_is_refused_with_the_reason_not_a_crash():
    """The flag form of one's own post, asked for (GET, or a POST with nothing in it),
    says why not; it used to raise on the unbound form (a 500)."""
    world = build_world()
    reply = world.objects["reply"]
    url = reverse("moderation:flag_post", kwargs={"slug": "inner", "post_id": reply.pk})
    client = client_for(world.users["member"])
    for method, htmx, expected in [
        ("GET", False, 403),
        ("GET", True, 200),  # htmx swaps only successes: the refusal comes as a fragment
        ("POST", False, 403),
    ]:
        status, changed = send(client, method, url, {}, htmx=htmx)
        assert (status, changed) == (expected, {}), (method, htmx)
    response = client.get(url)
    assert "your own post" in response.content.decode()
