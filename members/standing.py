"""A person's standing in a community as its members decided it by vote: a moderator's
term, a removal. ``purposes`` applies the results of proposals through these.

A proposal names a member, but its result belongs to the person: it applies to whatever
membership row is current when the vote closes (they may have left and rejoined since).
Each returns whether anything changed, so the log records only what did.
"""

from datetime import datetime

from community.models import Community
from core import pagecache
from members.joining import forget_cached_membership
from members.models import Membership, User


def do_grant_moderator(*, user: User, community: Community, term_ends_at: datetime) -> bool:
    """Make a current member a moderator until ``term_ends_at`` (an election passed)."""
    return bool(
        Membership.objects.current()
        .of_person(user, community)
        .update(role=Membership.Role.MODERATOR, moderator_term_ends_at=term_ends_at)
    )


def do_end_moderator_term(*, user: User, community: Community) -> bool:
    """Return a moderator to the member role (a recall passed)."""
    return bool(
        Membership.objects.current()
        .of_person(user, community)
        .filter(role=Membership.Role.MODERATOR)
        .update(role=Membership.Role.MEMBER, moderator_term_ends_at=None)
    )


def do_remove_member(*, user: User, community: Community, at: datetime) -> bool:
    """A removal proposal passed: end the person's current membership, if any, and mark
    the removal on their latest row either way, so that leaving during the vote does not
    escape it (they may return only by application until the cool-off passes). The row
    and the member's posts are kept. Returns whether a current membership ended."""
    rows = Membership.objects.of_person(user, community)
    ended = rows.current().update(
        left_at=at, role=Membership.Role.MEMBER, moderator_term_ends_at=None, removed_at=at
    )
    if not ended:
        latest = rows.order_by("-joined_at", "-pk").first()
        if latest is not None:
            Membership.objects.filter(pk=latest.pk).update(removed_at=at)
    forget_cached_membership(user, community)
    pagecache.bump(community_id=community.pk)  # member counts
    return bool(ended)
