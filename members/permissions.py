"""May this user do this in this community? One place answers, for every app (R1, R2).

Views, templates (through ``community_context``) and actions all ask here. Members-only
communities do not leak: their content is a 404 to outsiders (``access_community``); only
their name, tagline and charter are public.
"""

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
from purposes.models import JoinPolicy, Proposal


def current_membership(user, community: Community) -> Membership | None:
    """The user's current membership of the community, cached on the user per request."""
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


def can_read(user, community: Community) -> bool:
    """Threads, posts, members and the rest of a community's content (not the charter)."""
    return community.is_public or is_member(user, community)


def can_post(user, community: Community) -> bool:
    """Start threads and reply: current, unsuspended members of a live community."""
    if community.is_dissolved:
        return False
    membership = current_membership(user, community)
    return membership is not None and not membership.is_suspended


def get_community_or_404(slug: str) -> Community:
    """Any community by its address: name, tagline and charter are public for all."""
    return get_object_or_404(Community.objects.select_related("charter"), slug=slug)


def access_community(user, slug: str) -> Community:
    """The community if the user may read its content; otherwise a 404, so that a
    members-only community's content does not reveal it exists."""
    community = get_community_or_404(slug)
    if not can_read(user, community):
        raise Http404("No such community")
    return community


# --- Joining, applications, invitations, founding, profiles (issue 3) -----------------


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


def _acting_member(user, community: Community) -> Membership | None:
    """A current, unsuspended member of a community that is not an archive."""
    if community.is_dissolved:
        return None
    membership = current_membership(user, community)
    if membership is None or membership.is_suspended:
        return None
    return membership


def can_invite(user, community: Community) -> bool:
    """Any member may invite (R1: the invitee still decides)."""
    return _acting_member(user, community) is not None


def can_decide_application(user, application: Application) -> bool:
    """Moderators decide; where there is none, any member who joined before the
    application was made. Nobody decides their own application; staff have no say (R2)."""
    community = application.community
    membership = _acting_member(user, community)
    if membership is None or membership.user_id == application.user_id:
        return False
    if has_moderators(community):
        return membership.is_moderator
    return membership.joined_at < application.created_at


def can_see_applications(user, community: Community) -> bool:
    """The list of pending applications: members who may decide at least some of them."""
    return _acting_member(user, community) is not None


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


def can_edit_founding_charter(user, community: Community) -> bool:
    """Only while forming, only by the founder who wrote it (and still belongs)."""
    if not community.is_forming or community.charter is None:
        return False
    return community.charter.author_id == getattr(user, "pk", None) and is_member(user, community)


def has_endorsed(user, community: Community) -> bool:
    membership = current_membership(user, community)
    return (
        membership is not None
        and community.charter_id is not None
        and membership.affirmed_charter_id == community.charter_id
    )


def can_endorse(user, community: Community) -> bool:
    """A founder (current member of a forming community) who has not endorsed the
    founding charter as it stands."""
    return community.is_forming and is_member(user, community) and not has_endorsed(user, community)


def can_edit_profile(user, profile_user) -> bool:
    """Everyone edits only their own profile; staff included (R2)."""
    return getattr(user, "is_authenticated", False) and user.pk == profile_user.pk


@dataclass(frozen=True)
class JoinOption:
    """What the join / apply / leave button offers this viewer in this community.

    kind: ``anonymous`` (log in first), ``member`` (may leave), ``join`` (open policy, or a
    founder's place while forming), ``apply``, ``applied`` (application pending),
    ``invited`` (an open invitation to accept), ``invitation_only`` (no invitation),
    ``full`` (forming, every founder's place taken), ``dissolved`` (an archive).
    """

    kind: str
    membership: Membership | None = None
    application: Application | None = None
    invitation: Invitation | None = None


def join_option(user, community: Community) -> JoinOption:
    """The one answer every page's membership button is drawn from."""
    if not getattr(user, "is_authenticated", False):
        return JoinOption("dissolved" if community.is_dissolved else "anonymous")
    membership = current_membership(user, community)
    if membership is not None:
        return JoinOption("member", membership=membership)
    if community.is_dissolved:
        return JoinOption("dissolved")
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


def community_context(user, community: Community) -> dict:
    """What templates ask about the viewer in a community (one dict, computed once)."""
    readable = can_read(user, community)
    return {
        "membership": current_membership(user, community),
        "is_member": is_member(user, community),
        "can_read": readable,
        "can_post": can_post(user, community),
        "can_invite": can_invite(user, community),
        "can_see_applications": can_see_applications(user, community),
        "can_edit_founding_charter": can_edit_founding_charter(user, community),
        "can_endorse": can_endorse(user, community),
        "join_option": join_option(user, community),
    }


# --- Moderation (issue 6): moderation enforces; views and templates ask here -----


def acting_member(user, community: Community) -> Membership | None:
    """A current, unsuspended member of a live community (who may flag, review, judge)."""
    return _acting_member(user, community)


def can_flag(user, post) -> bool:
    """Members flag others' posts that are still shown; never their own (R7)."""
    return (
        _acting_member(user, post.thread.community) is not None
        and post.author_id != user.pk
        and not post.is_deleted
        and not post.is_taken_down
    )


def can_moderate(user, community: Community) -> bool:
    """An elected moderator in term, unsuspended. Asked on every request, so a term that
    ended refuses the very next one. Platform staff get no say here (R2)."""
    membership = _acting_member(user, community)
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


def can_lock_account(user, account) -> bool:
    """Platform staff lock (or unlock) someone else's account for an abuse or legal reason,
    in the public platform log: with takedowns, their only power over members (R2)."""
    return (
        getattr(user, "is_authenticated", False)
        and user.is_staff
        and user.is_active
        and account.pk != user.pk
    )


def can_take_down(user) -> bool:
    """Platform staff, for legal or abuse reasons: their only power over content (R2)."""
    return getattr(user, "is_authenticated", False) and user.is_staff
