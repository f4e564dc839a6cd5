"""Joining, affirming the charter, and leaving (R1).

Every membership row is created by ``do_join`` for the user whose own action led to it:
joining, having applied (and being admitted), or accepting an invitation. There is no
parameter anywhere for "add this other person". ``check_*`` authorises and validates,
then calls ``do_*``; refusals of bad input are ``ValidationError`` with a message for
people, refusals of authority are ``PermissionDenied``. The ``ensure_*`` checks are shared
with applications and invitations.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community
from core import pagecache
from members import permissions
from members.models import Membership, User
from purposes.models import JoinPolicy


def ensure_open(community: Community, *, claimed: bool = False) -> None:
    """Refuse a community that takes nobody in: dissolved or moved away (read-only: no
    members, applications or invitees), or imported and forming, whose founders are only
    the former members who claimed their place (``claimed``: this join is such a claim)."""
    if community.is_moved:
        raise ValidationError(
            _("This community has moved to %(home)s and takes no new members here: join it there.")
            % {"home": community.moved_to},
            code="moved",
        )
    if community.is_dissolved:
        raise ValidationError(
            _(
                "This community has been dissolved: it is a read-only archive "
                "and takes no new members."
            ),
            code="dissolved",
        )
    if community.founded_by_claim_only and not claimed:
        raise ValidationError(
            _(
                "%(name)s came here from another instance: while it forms, its founders are "
                "its former members, each claiming their place with the token their old "
                "home emailed them. Anyone may join once it is active."
            )
            % {"name": community.name},
            code="claim_only",
        )


def ensure_affirmed(affirmed: bool) -> None:
    """Every way in (joining, applying, accepting) affirms the purpose."""
    if not affirmed:
        raise ValidationError(
            _("Joining means affirming the purpose: tick “I affirm this purpose” to go on."),
            code="not_affirmed",
        )


def ensure_not_removed(user: User, community: Community) -> None:
    """Someone removed by vote comes back only by an admitted application."""
    if permissions.removal_in_force(user, community) is not None:
        raise ValidationError(
            _(
                "Members removed you from this community by a vote. You may come back "
                "only if members admit your application: write why you want to return."
            ),
            code="removed",
        )


def check_join(*, actor: User, community: Community, affirmed: bool) -> Membership:
    """Join an open community (or take a founder's place while it forms) as oneself.

    Joining twice is not an error: the current membership is returned unchanged.
    """
    existing = permissions.current_membership(actor, community)
    if existing is not None:
        return existing
    ensure_open(community)
    ensure_not_removed(actor, community)
    policy = community.charter.join_policy
    if policy == JoinPolicy.APPLICATION:
        raise ValidationError(
            _("This community admits new members by application: write why you want to join."),
            code="needs_application",
        )
    if policy == JoinPolicy.INVITATION:
        raise ValidationError(
            _("This community takes new members by invitation only, and you have none."),
            code="needs_invitation",
        )
    ensure_affirmed(affirmed)
    return do_join(user=actor, community=community)


def do_join(
    *,
    user: User,
    community: Community,
    charter=None,
    admitted: bool = False,
    endorse: bool = True,
    claimed: bool = False,
) -> Membership:
    """Make ``user`` a current member, affirming ``charter`` (default: the one in force);
    with ``endorse`` False they affirm nothing yet and are asked to.

    Called only on the user's own action (joining, their admitted application, their
    accepted invitation). Locks the community row so that a forming community never
    takes more founders than its capacity, and so concurrent joins serialise. Returns
    the existing current membership if there is one.

    Standing follows the person, not the row: a suspension still running carries over to
    the new row, and a person removed by vote within the cool-off is refused unless
    members ``admitted`` their application. An imported community takes founders only
    by ``claimed`` places (portability.claims) while it forms.
    """
    with transaction.atomic():
        locked = Community.objects.select_for_update().get(pk=community.pk)
        existing = Membership.objects.current().filter(user=user, community=locked).first()
        if existing is not None:
            return existing
        ensure_open(locked, claimed=claimed)
        if not admitted:
            ensure_not_removed(user, locked)
        if locked.is_forming:
            founders = Membership.objects.current().filter(community=locked).count()
            if founders >= permissions.founding_capacity(locked):
                raise ValidationError(
                    _(
                        "Every founder’s place in this forming community is taken. "
                        "New members can join once it is active."
                    ),
                    code="founding_full",
                )
        now = timezone.now()
        suspension = (
            Membership.objects.of_person(user, locked)
            .filter(suspended_until__gt=now)
            .order_by("-suspended_until")
            .values("suspended_until", "suspension_reason")
            .first()
        ) or {}
        membership = Membership.objects.create(
            user=user,
            community=locked,
            joined_at=now,
            affirmed_charter_id=(
                None if not endorse else charter.pk if charter is not None else locked.charter_id
            ),
            affirmed_at=now if endorse else None,
            **suspension,
        )
        Community.objects.filter(pk=locked.pk).update(last_activity_at=now)
    forget_cached_membership(user, community)
    pagecache.bump(community_id=community.pk)  # member counts, a founding's progress
    return membership


def forget_cached_membership(user, community: Community) -> None:
    """Drop what ``members.permissions`` cached on these objects for this request, after
    a membership changed."""
    user.__dict__.get("_membership_cache", {}).pop(community.pk, None)
    for attr in ("_founder_count", "_has_moderators"):
        community.__dict__.pop(attr, None)


def check_affirm_charter(*, actor: User, community: Community) -> Membership:
    """Affirm the charter in force (re-affirming after a change; endorsing while forming)."""
    membership = permissions.current_membership(actor, community)
    if membership is None:
        raise ValidationError(
            _("Only members affirm a community’s charter. Join it first."), code="not_member"
        )
    if community.is_moved:
        raise ValidationError(community.read_only_message(), code="moved")
    return do_affirm_charter(membership=membership)


def do_affirm_charter(*, membership: Membership) -> Membership:
    community = membership.community
    if membership.affirmed_charter_id != community.charter_id:
        membership.affirmed_charter_id = community.charter_id
        membership.affirmed_at = timezone.now()
        membership.save(update_fields=["affirmed_charter", "affirmed_at"])
        pagecache.bump(community_id=community.pk)  # a founding counts its endorsements
    return membership


def check_leave(*, actor: User, community: Community) -> Membership:
    membership = permissions.current_membership(actor, community)
    if membership is None:
        raise ValidationError(_("You are not a member of this community."), code="not_member")
    left = do_leave(membership=membership)
    forget_cached_membership(actor, community)
    return left


def do_leave(*, membership: Membership) -> Membership:
    """End a membership. The row stays (with left_at), and so do the member's posts."""
    updated = Membership.objects.filter(pk=membership.pk, left_at__isnull=True).update(
        left_at=timezone.now()
    )
    membership.refresh_from_db()
    if updated:
        forget_cached_membership(membership.user, membership.community)
        pagecache.bump(community_id=membership.community_id)
    return membership
