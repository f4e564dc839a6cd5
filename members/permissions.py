"""Who holds a membership and what it lets them do: joining, applications, invitations,
moderator standing, profiles and the staff's account lock (R1, R2).

Reading and posting in a community are asked of community.permissions, moderating of
moderation.permissions; both build on the membership answers here."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.timezone import now

from community.models import Community
from members.models import Application, Invitation, Membership, User
from purposes.models import JoinPolicy


def forget_request_caches(*objects) -> None:
    """Drop what this module cached on these users and communities for one request
    (memberships, founder counts, moderators): for code that acts as many people in one
    process, such as the demo seeds, between its steps."""
    for obj in objects:
        for attr in ("_membership_cache", "_founder_count", "_has_moderators"):
            obj.__dict__.pop(attr, None)


def current_membership(user, community: Community) -> Membership | None:
    """The user's current membership of the community, cached on the user per request:
    the member's whole standing (role, term, suspension) in one query."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache = user.__dict__.setdefault("_membership_cache", {})
    if community.pk not in cache:
        cache[community.pk] = (
            Membership.objects.current().filter(user=user, community=community).first()
        )
    return cache[community.pk]


def removal_in_force(user: User, community: Community, now: datetime | None = None):
    """When the person was removed by vote, if the charter's cool-off has not yet passed
    (they may then come back only through an admitted application); else None."""
    removed_at = (
        Membership.objects.of_person(user, community)
        .filter(removed_at__isnull=False)
        .order_by("-removed_at")
        .values_list("removed_at", flat=True)
        .first()
    )
    if removed_at is None:
        return None
    days = community.charter.removal_cooloff_days if community.charter else 0
    if removed_at + timedelta(days=days) <= (now or timezone.now()):
        return None
    return removed_at


def is_member(user, community: Community) -> bool:
    return current_membership(user, community) is not None


def has_moderators(community: Community) -> bool:
    """Whether the community has a moderator in term (cached on the community object)."""
    if not hasattr(community, "_has_moderators"):
        community._has_moderators = (
            Membership.objects.current()
            .filter(community=community, role=Membership.Role.MODERATOR)
            .filter(Q(moderator_term_ends_at__isnull=True) | Q(moderator_term_ends_at__gt=now()))
            .exists()
        )
    return community._has_moderators


def is_moderator(user, community: Community) -> bool:
    membership = current_membership(user, community)
    return membership is not None and membership.is_moderator


def acting_member(user, community: Community) -> Membership | None:
    """A current, unsuspended member of a community that is not read-only (dissolved or
    moved away)."""
    if community.is_read_only:
        return None
    membership = current_membership(user, community)
    if membership is None or membership.is_suspended:
        return None
    return membership


def can_invite(user, community: Community) -> bool:
    """Any member may invite (R1: the invitee still decides)."""
    return acting_member(user, community) is not None


def can_decide_application(user, application: Application) -> bool:
    """Moderators decide; where there is none, any member who joined before the
    application was made. Nobody decides their own application; staff have no say (R2)."""
    community = application.community
    membership = acting_member(user, community)
    if membership is None or membership.user_id == application.user_id:
        return False
    if has_moderators(community):
        return membership.is_moderator
    return membership.joined_at < application.created_at


def can_see_applications(user, community: Community) -> bool:
    """The list of pending applications: members who may decide at least some of them."""
    return acting_member(user, community) is not None


def founding_capacity(community: Community) -> int:
    """How many founders a forming community takes: its founding quorum. When all of
    them have endorsed the founding charter it becomes active."""
    return settings.FOUNDING_QUORUM


def is_founding_full(community: Community) -> bool:
    if not community.is_forming:
        return False
    if not hasattr(community, "_founder_count"):
        community._founder_count = Membership.objects.current().filter(community=community).count()
    return community._founder_count >= founding_capacity(community)


def can_edit_profile(user, profile_user) -> bool:
    """Everyone edits only their own profile; staff included (R2)."""
    return getattr(user, "is_authenticated", False) and user.pk == profile_user.pk


@dataclass(frozen=True)
class JoinOption:
    """What the join / apply / leave button offers this viewer in this community.

    kind: ``anonymous`` (log in first), ``member`` (may leave), ``join`` (open policy, or a
    founder's place while forming), ``apply``, ``applied`` (application pending),
    ``invited`` (an open invitation to accept), ``invitation_only`` (no invitation),
    ``full`` (forming, every founder's place taken), ``dissolved`` (an archive), ``moved``
    (moved to another home: read-only here), ``claim`` (imported and forming: founded only
    by former members who claim their place).
    """

    kind: str
    membership: Membership | None = None
    application: Application | None = None
    invitation: Invitation | None = None


def join_option(user, community: Community) -> JoinOption:
    """The one answer every page's membership button is drawn from."""
    if community.is_moved:
        closed = "moved"
    elif community.is_dissolved:
        closed = "dissolved"
    else:
        closed = "claim" if community.founded_by_claim_only else None
    if not getattr(user, "is_authenticated", False):
        return JoinOption(closed or "anonymous")
    membership = current_membership(user, community)
    if membership is not None:
        return JoinOption("member", membership=membership)
    if closed:
        return JoinOption(closed)
    removed = removal_in_force(user, community) is not None
    invitation = Invitation.objects.pending().filter(invitee=user, community=community).first()
    if invitation is not None and not removed:
        return JoinOption(
            "full" if is_founding_full(community) else "invited", invitation=invitation
        )
    policy = community.charter.join_policy if community.charter else JoinPolicy.OPEN
    if removed:
        policy = JoinPolicy.APPLICATION  # a removed member's only way back
    if policy == JoinPolicy.INVITATION:
        return JoinOption("invitation_only")
    if policy == JoinPolicy.APPLICATION:
        application = Application.objects.pending().filter(user=user, community=community).first()
        if application is not None:
            return JoinOption("applied", application=application)
    if is_founding_full(community):
        return JoinOption("full")
    return JoinOption("apply" if policy == JoinPolicy.APPLICATION else "join")


def can_lock_account(user, account) -> bool:
    """Platform staff lock (or unlock) someone else's account for an abuse or legal reason,
    in the public platform log: with takedowns, their only power over members (R2)."""
    return (
        getattr(user, "is_authenticated", False)
        and user.is_staff
        and user.is_active
        and account.pk != user.pk
    )


def access_application(user, community: Community, pk: int) -> Application:
    """The applicant and the community's members see an application; others get a 404."""
    application = get_object_or_404(
        Application.objects.select_related("user", "decided_by", "community"),
        pk=pk,
        community=community,
    )
    if application.user_id != user.pk and not can_see_applications(user, community):
        raise Http404("No such application")
    return application


def access_invitation(user, pk: int) -> Invitation:
    """One's own invitations only: someone else's is a 404."""
    return get_object_or_404(
        Invitation.objects.select_related("community__charter", "inviter"), pk=pk, invitee=user
    )


def access_own_account(user, username: str) -> User:
    """The signed-in user's own account; anyone else's is a 404 (nothing to see there)."""
    if user.username != username:
        raise Http404("No such page")
    return user
