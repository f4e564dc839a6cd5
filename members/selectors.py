"""Reads of the members app (and the directory's, which is about who belongs where).

Each returns a queryset or a small list in a fixed number of queries, whatever the
number of communities or members.
"""

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from community.models import Community
from members.models import (
    Application,
    Avatar,
    Invitation,
    MemberCount,
    Membership,
    PlatformLogEntry,
    User,
)
from moderation.models import ModerationAction


def with_member_count(communities: QuerySet) -> QuerySet:
    """Each community's current member count: one row of ``MemberCount`` per community
    (kept by the database), where counting memberships grew with the community."""
    kept = MemberCount.objects.filter(community=OuterRef("pk")).values("current")
    return communities.annotate(member_count=Coalesce(Subquery(kept), 0))


def directory_communities(*, state: str, query: str = "") -> QuerySet:
    """Communities in one state for the directory, most recently active first, each with
    its member count and charter (for the purpose excerpt), matching ``query`` in name,
    tagline or purpose. Those that moved to another home come after every live one."""
    communities = Community.objects.filter(state=state).select_related("charter")
    if query:
        communities = communities.filter(
            Q(name__icontains=query)
            | Q(tagline__icontains=query)
            | Q(charter__purpose__icontains=query)
        )
    return with_member_count(communities).order_by(
        F("moved_at").desc(nulls_first=True), "-last_activity_at", "name"
    )


def member_community_ids(user) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        Membership.objects.current().filter(user=user).values_list("community_id", flat=True)
    )


def member_count(community: Community) -> int:
    kept = MemberCount.objects.filter(community=community).values_list("current", flat=True)
    return kept.first() or 0


def current_members(community: Community) -> QuerySet:
    """Current members, longest-standing first, with their user and affirmed charter id."""
    return (
        Membership.objects.current()
        .filter(community=community)
        .select_related("user")
        .order_by("joined_at", "pk")
    )


def pending_applications(community: Community) -> QuerySet:
    return (
        Application.objects.pending()
        .filter(community=community)
        .select_related("user", "community")
        .order_by("created_at", "pk")
    )


def decided_applications(community: Community, *, limit: int = 20) -> QuerySet:
    return (
        Application.objects.filter(community=community)
        .exclude(state=Application.State.PENDING)
        .select_related("user", "decided_by")
        .order_by("-decided_at", "-pk")[:limit]
    )


def open_invitations(user) -> QuerySet:
    return (
        Invitation.objects.pending()
        .filter(invitee=user)
        .select_related("community__charter", "inviter")
        .order_by("expires_at")
    )


def open_invitation_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Invitation.objects.pending().filter(invitee=user).count()


def profile_memberships(*, profile_user: User, viewer) -> list[Membership]:
    """The profile owner's current memberships that the viewer may see: public
    communities, and members-only ones the viewer also belongs to."""
    memberships = (
        Membership.objects.current()
        .filter(user=profile_user)
        .select_related("community")
        .order_by("community__name")
    )
    visible = Q(community__visibility=Community.Visibility.PUBLIC)
    viewer_ids = member_community_ids(viewer)
    if viewer_ids:
        visible |= Q(community_id__in=viewer_ids)
    return list(memberships.filter(visible))


PLATFORM_LOG_LENGTH = 200


def platform_log(*, limit: int = PLATFORM_LOG_LENGTH) -> list:
    """What platform staff did, newest first (R2): account locks and unlocks, reads of
    members-only posts for a takedown review, and takedowns (which each community's own
    log shows too). Public; it names accounts by username and never shows an address."""
    entries = list(
        PlatformLogEntry.objects.select_related("actor", "member", "post__thread__community")[
            :limit
        ]
    )
    takedowns = list(
        ModerationAction.objects.filter(kind=ModerationAction.Kind.TAKEDOWN)
        .select_related("actor", "community")
        .order_by("-created_at", "-id")[:limit]
    )
    merged = sorted(entries + takedowns, key=lambda e: e.created_at, reverse=True)
    return merged[:limit]


def avatar_of(*, username: str) -> tuple[User, Avatar] | None:
    """An active member and their uploaded picture, in one query; None when either is
    missing (a deleted account has neither)."""
    picture = (
        Avatar.objects.filter(user__username=username, user__is_active=True)
        .select_related("user")
        .only("image", "content_type", "user__username", "user__avatar_key")
        .first()
    )
    return (picture.user, picture) if picture is not None else None
