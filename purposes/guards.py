"""What every step of a proposal asks first: is the actor a member taking part, the
proposer, within the day's limit of drafts; and the row lock each state change takes.

``ProposalError`` is the refusal every proposal action raises: bad input or a step the
actor may not take, its message shown as it is.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from community.models import Community
from members.models import Membership, User
from members.permissions import current_membership
from purposes.models import Proposal

# A member may draft this many proposals a day, re-drafts and offshoots included (R5: a
# lone member cannot flood the community); counted from the database, so every web
# process agrees.
PROPOSALS_PER_DAY = 5


class ProposalError(ValidationError):
    """Bad input or a step the actor may not take; the message is shown as it is."""


def live_or_error(community: Community) -> None:
    """Refuse every step in a community that is read-only: dissolved, or moved to another
    home (its open proposals were closed when it happened)."""
    if community.is_read_only:
        raise ProposalError(community.read_only_message())


def member_or_error(user: User, community: Community, message: str) -> Membership:
    live_or_error(community)
    membership = current_membership(user, community)
    if membership is None:
        raise ProposalError(message)
    return membership


def taking_part_or_error(
    user: User, community: Community, *, not_member: str, suspended: str
) -> Membership:
    """A current member who is not suspended: proposing, seconding and changing a
    proposal's text take part in the community as much as writing a post does."""
    membership = member_or_error(user, community, not_member)
    if membership.is_suspended:
        raise ProposalError(suspended)
    return membership


def proposer_or_error(actor: User, proposal: Proposal, message: str) -> None:
    """The proposer, still taking part (withdrawing needs only to be the proposer)."""
    if actor.pk != proposal.author_id:
        raise ProposalError(message, code="not_the_proposer")
    taking_part_or_error(
        actor,
        proposal.community,
        not_member=_("Only members may change a proposal; you have left."),
        suspended=_("You cannot change a proposal while suspended."),
    )


def within_daily_limit_or_error(actor: User, now: datetime) -> None:
    """Refuse a sixth draft, re-draft or offshoot within 24 hours. Call inside the
    transaction that creates it: the user's row lock makes two requests at once count
    one after the other."""
    User.objects.select_for_update().filter(pk=actor.pk).first()
    since = now - timedelta(days=1)
    drafted = Proposal.objects.filter(author=actor, created_at__gte=since).count()
    offshoots = Community.objects.filter(
        parent__isnull=False,
        created_at__gte=since,
        charters__version=1,
        charters__author=actor,
    ).count()
    if drafted + offshoots >= PROPOSALS_PER_DAY:
        raise ProposalError(
            _(
                "You have drafted %(n)s proposals or new communities today; wait until "
                "tomorrow for the next one."
            )
            % {"n": PROPOSALS_PER_DAY}
        )


def lock_proposal(proposal_id: int) -> Proposal:
    return Proposal.objects.select_for_update().select_related("community").get(pk=proposal_id)
