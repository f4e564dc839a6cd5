"""Demo proposals for `manage.py seed_demo` (idempotent). Runs after communities and threads.

Proposals in every state, made through the same actions people and the sweep use, with
their times moved into the past: a purpose change that passed and made charter version 2,
one that conflicted with it, a failed rules change, a lapsed election, one in voting, one
in discussion, one seeking seconds, a withdrawn one and a draft. A community that already
has proposals is left as it is.
"""

from datetime import datetime, timedelta

from django.utils import timezone

from community.models import Community
from members import joining
from members.models import Membership
from members.permissions import forget_request_caches
from purposes.charter_diff import CharterText
from purposes.closing import do_close_proposal, do_notify_result
from purposes.drafting import (
    check_accept_nomination,
    check_create_proposal,
    check_submit_proposal,
    check_withdraw_proposal,
)
from purposes.models import Charter, Proposal
from purposes.seconds import check_second_proposal
from purposes.voting import check_cast_vote, do_open_voting

# Tried first, in order; then any other active community. The first with at least three
# current members gets the demo proposals.
PREFERRED = ["riverside-gardeners", "tool-library", "night-cyclists", "community-kitchen"]


def _pick() -> tuple[Community, list] | None:
    if Proposal.objects.exists():
        return None  # seeded already (only this seed makes proposals)
    others = Community.objects.filter(state=Community.State.ACTIVE).exclude(slug__in=PREFERRED)
    for slug in [*PREFERRED, *others.order_by("slug").values_list("slug", flat=True)]:
        community = Community.objects.filter(slug=slug, state=Community.State.ACTIVE).first()
        if community is None:
            continue
        members = [
            m.user
            for m in Membership.objects.current()
            .filter(community=community)
            .select_related("user")
            .order_by("joined_at", "pk")
        ]
        if len(members) >= 3:
            return community, members
    return None


def _draft(community, author, at: datetime, **fields) -> Proposal:
    forget_request_caches(author)
    community.refresh_from_db()
    proposal = check_create_proposal(actor=author, community=community, **fields)
    Proposal.objects.filter(pk=proposal.pk).update(created_at=at)
    proposal.refresh_from_db()
    return proposal


def _to_discussion(proposal, seconders, at: datetime) -> Proposal:
    check_submit_proposal(actor=proposal.author, proposal=proposal, now=at)
    needed = proposal.community.charter.seconds_required
    for user in seconders[:needed]:
        forget_request_caches(user)
        check_second_proposal(actor=user, proposal=proposal, now=at + timedelta(hours=2))
    proposal.refresh_from_db()
    return proposal


def _vote(proposal, votes: list[tuple], at: datetime) -> None:
    for user, choice, reason in votes:
        forget_request_caches(user)
        check_cast_vote(actor=user, proposal=proposal, choice=choice, reason=reason, now=at)


def _decided(proposal, seconders, votes, start: datetime) -> Proposal:
    """Run a proposal from submission to its close, starting at ``start`` (in the past)."""
    _to_discussion(proposal, seconders, start)
    do_open_voting(proposal_id=proposal.pk, now=proposal.discussion_ends_at)
    proposal.refresh_from_db()
    _vote(proposal, votes, proposal.voting_started_at + timedelta(hours=5))
    do_close_proposal(proposal_id=proposal.pk, now=proposal.voting_ends_at)
    do_notify_result(proposal_id=proposal.pk, now=proposal.voting_ends_at)
    proposal.refresh_from_db()
    return proposal


def seed(users: dict) -> None:
    picked = _pick()
    if picked is None:
        return
    community, members = picked
    first, second, third = members[0], members[1], members[2]
    others = members[3:]
    now = timezone.now()
    # The story below starts 25 days ago; its members were there before it began (an
    # electorate is the members at the start of discussion).
    Membership.objects.current().filter(
        community=community, joined_at__gt=now - timedelta(days=30)
    ).update(joined_at=now - timedelta(days=40))
    # The seed founds communities "now"; their proposals are dated weeks back, so the
    # founding charter (and the community) is moved before the first of them, or the
    # charter history would list version 2 as older than version 1.
    founded = now - timedelta(days=40)
    Community.objects.filter(pk=community.pk).update(created_at=founded)
    Charter.objects.filter(community=community, version=1).update(created_at=founded)
    v1 = community.charter.text()

    # Passed: makes charter version 2 (and every member is asked to re-affirm).
    new_purpose = CharterText(
        purpose=v1.purpose.replace("share tools", "share tools, compost")
        if "share tools" in v1.purpose
        else v1.purpose + " We compost together too.",
        goals=[*v1.goals, "Run a compost bay everyone can use"],
        rules=v1.rules,
    )
    passed = _draft(
        community, first, now - timedelta(days=25), kind="purpose",
        title="Add composting to our purpose",
        rationale="Half of us compost already; as a shared goal we plan the bay together.",
        proposed=new_purpose,
    )  # fmt: skip
    # Conflict: drafted on version 1, changes the purpose too, closes after version 2.
    conflict = _draft(
        community, second, now - timedelta(days=24), kind="purpose",
        title="Say who the gardens are for",
        rationale="The purpose should name the neighbours first.",
        proposed=CharterText(purpose="For every neighbour: " + v1.purpose, goals=v1.goals,
                             rules=v1.rules),
    )  # fmt: skip
    everyone = members
    _decided(passed, [second, third], [(u, "for", "") for u in everyone[:-1]]
             + [(everyone[-1], "against", "Composting belongs in a thread, not the charter.")],
             now - timedelta(days=25))  # fmt: skip
    _decided(conflict, [first, third], [(u, "for", "") for u in everyone],
             now - timedelta(days=24) + timedelta(hours=8))  # fmt: skip
    forget_request_caches(first)
    joining.check_affirm_charter(actor=first, community=Community.objects.get(pk=community.pk))

    # Failed: a rules change short of two thirds.
    community.refresh_from_db()
    rules = community.charter.text()
    rules.rules["voting_days"] = 3
    failed = _draft(
        community, third, now - timedelta(days=15), kind="rules", title="Shorter votes: 3 days",
        rationale="A week is long; three days keeps momentum.", proposed=rules,
    )  # fmt: skip
    _decided(failed, [first, second],
             [(first, "against", "A week lets people who travel take part."),
              (second, "against", ""), (third, "for", "Momentum matters.")],
             now - timedelta(days=15))  # fmt: skip

    # Lapsed: an election too few voted on (the nominee accepted first).
    nominee = Membership.objects.current().get(community=community, user=second)
    election = _draft(
        community, first, now - timedelta(days=14), kind="elect",
        title=f"Elect {second.shown_name} as moderator",
        rationale="Someone should look at flags on weekdays.", target=nominee,
    )  # fmt: skip
    forget_request_caches(second)
    check_accept_nomination(actor=second, proposal=election)
    lapsed_votes = [(first, "for", "")] if len(members) > 4 else []
    # The nominee does not second their own election.
    _decided(election, [third, *others], lapsed_votes, now - timedelta(days=14))

    # In voting: closes in about five days; two have voted, with reasons.
    community.refresh_from_db()
    goals = community.charter.text()
    voting = _draft(
        community, second, now - timedelta(days=5), kind="purpose", title="Add a seed library goal",
        rationale="We swap seeds every spring anyway; a goal makes it something we keep up.",
        proposed=CharterText(purpose=goals.purpose, goals=[*goals.goals, "Keep a seed library"],
                             rules=goals.rules),
    )  # fmt: skip
    _to_discussion(voting, [first, third], now - timedelta(days=5))
    do_open_voting(proposal_id=voting.pk, now=voting.discussion_ends_at)
    voting.refresh_from_db()
    _vote(voting, [(first, "for", "Yes: the seed swap deserves a home."),
                   (third, "abstain", "Happy either way.")], now - timedelta(hours=3))  # fmt: skip

    # In discussion, seeking seconds, withdrawn, draft.
    discussion = _draft(
        community, third, now - timedelta(days=1), kind="rules",
        title="Four seconds before discussion", rationale="Fewer, better proposals.",
        proposed=CharterText(purpose=goals.purpose, goals=goals.goals,
                             rules=goals.rules | {"seconds_required": 4}),
    )  # fmt: skip
    _to_discussion(discussion, [first, second], now - timedelta(days=1))
    seeking = _draft(
        community, first, now - timedelta(hours=6), kind="purpose",
        title="Open the gates at night",
        rationale="Some of us work days.",
        proposed=CharterText(purpose=goals.purpose + " The gates stay open until midnight.",
                             goals=goals.goals, rules=goals.rules),
    )  # fmt: skip
    check_submit_proposal(actor=first, proposal=seeking, now=now - timedelta(hours=5))
    forget_request_caches(second)
    check_second_proposal(actor=second, proposal=seeking, now=now - timedelta(hours=4))
    withdrawn = _draft(
        community, second, now - timedelta(days=3), kind="purpose", title="Rename the goals",
        rationale="On second thoughts, not needed.",
        proposed=CharterText(purpose=goals.purpose, goals=[g.upper() for g in goals.goals],
                             rules=goals.rules),
    )  # fmt: skip
    check_withdraw_proposal(actor=second, proposal=withdrawn, now=now - timedelta(days=2))
    _draft(
        community, first, now - timedelta(hours=1), kind="purpose",
        title="Bring back the Saturday work party",
        rationale="Still thinking.",
        proposed=CharterText(purpose=goals.purpose + " Draft.", goals=goals.goals,
                             rules=goals.rules),
    )  # fmt: skip
