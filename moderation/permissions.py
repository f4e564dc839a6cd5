"""Who may flag, moderate and take down (R7: members moderate each other; R2: staff only
take down)."""

from datetime import datetime

from django.utils import timezone

from community.models import Community
from members.models import Membership
from members.permissions import acting_member
from purposes.models import Proposal


def can_flag(user, post) -> bool:
    """Members flag others' posts that are still shown; never their own (R7)."""
    return (
        acting_member(user, post.thread.community) is not None
        and post.author_id != user.pk
        and not post.is_deleted
        and not post.is_taken_down
    )


def can_moderate(user, community: Community) -> bool:
    """An elected moderator in term, unsuspended. Asked on every request, so a term that
    ended refuses the very next one. Platform staff get no say here (R2)."""
    membership = acting_member(user, community)
    return membership is not None and membership.is_moderator


def is_established(user, community: Community, at: datetime | None = None) -> bool:
    """Whether the user's flags count, and they may sit on a jury or vote to restore a
    post where no moderator reviews (the rule is ``Membership.objects.established``)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        Membership.objects.established(community=community, now=at or timezone.now())
        .filter(user=user)
        .exists()
    )


def proposal_concerning(user, community: Community) -> Proposal | None:
    """An open recall or removal of this member (seconded or not), if any. While one is
    open, the member's moderating power over others is frozen, so a moderator cannot
    suspend their way out of their own recall."""
    return (
        Proposal.objects.filter(
            community=community,
            kind__in=(Proposal.Kind.RECALL_MODERATOR, Proposal.Kind.REMOVE_MEMBER),
            state__in=(
                Proposal.State.SEEKING,
                Proposal.State.DISCUSSION,
                Proposal.State.VOTING,
            ),
            target__user=user,
        )
        .order_by("pk")
        .first()
    )


def can_take_down(user) -> bool:
    """Platform staff, for legal or abuse reasons: their only power over content (R2)."""
    return getattr(user, "is_authenticated", False) and user.is_staff
