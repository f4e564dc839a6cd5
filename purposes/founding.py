"""Founding a community: one place orchestrates the community, its first charter and the
founder's membership (CONVENTIONS 16: this module imports the members app's actions,
never the other way round).

A new community is ``forming``. Founders take its places (as many as the founding
quorum, the FOUNDING_QUORUM setting) by joining, which affirms (endorses) the founding
charter. The founder who wrote the charter may edit it while the community forms; an
edit counts a new revision of the draft and resets every other founder's endorsement.
Every endorsement (the endorse button, the charter page's, joining as a founder) names
the revision its page showed and is refused if the draft changed since, so a click
never endorses a text its founder did not see. When the quorum of founders has endorsed
the charter as it stands, the community becomes ``active`` and founders are ordinary
members from then on (R2).
"""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community import permissions
from community.lifecycle import do_activate_community, do_create_community, do_set_charter
from community.models import Community
from core import pagecache
from members import invitations, joining
from members.models import Membership
from notifications.actions import do_notify
from notifications.models import Notification
from purposes.models import Charter
from purposes.validation import validate_charter, validate_slug

# --- Founding ---------------------------------------------------------------------------


def check_found_community(
    *,
    actor,
    name: str,
    slug: str,
    tagline: str,
    visibility: str,
    charter: dict,
) -> Community:
    """Found a community: any user with a verified email address."""
    if not getattr(actor, "is_authenticated", False) or not (
        EmailAddress.objects.filter(user=actor, verified=True).exists()
    ):
        raise PermissionDenied(_("Verify your email address before founding a community."))
    name = (name or "").strip()
    tagline = (tagline or "").strip()
    if not name or len(name) > 80:
        raise ValidationError(_("Give the community a name of 1 to 80 characters."), code="name")
    if len(tagline) > 160:
        raise ValidationError(_("Keep the tagline to 160 characters."), code="tagline")
    if visibility not in Community.Visibility.values:
        raise ValidationError(_("Choose who can read the community."), code="visibility")
    return do_found_community(
        founder=actor,
        name=name,
        slug=validate_slug(slug or name),
        tagline=tagline,
        visibility=visibility,
        charter=validate_charter(charter),
    )


def do_found_community(
    *, founder, name: str, slug: str, tagline: str, visibility: str, charter: dict
) -> Community:
    """Create the forming community, its founding charter (version 1, written by the
    founder) and the founder's membership, which endorses that charter. One transaction."""
    try:
        with transaction.atomic():
            community = do_create_community(
                name=name, slug=slug, tagline=tagline, visibility=visibility
            )
            founding_charter = Charter.objects.create(
                community=community, version=1, author=founder, **charter
            )
            do_set_charter(community=community, charter=founding_charter)
            joining.do_join(user=founder, community=community)
    except IntegrityError as error:
        # Two people chose the same free address at the same moment.
        raise ValidationError(
            _("The address “%(slug)s” is taken by another community.") % {"slug": slug},
            code="taken",
        ) from error
    do_activate_if_quorum(community=community)
    community.refresh_from_db()
    return community


# --- While forming ----------------------------------------------------------------------


def check_edit_founding_charter(*, actor, community: Community, charter: dict) -> Charter:
    if not permissions.can_edit_founding_charter(actor, community):
        raise PermissionDenied(
            _("Only the founder who wrote the founding charter can edit it, while it forms.")
        )
    return do_edit_founding_charter(
        community=community, author=actor, charter=validate_charter(charter)
    )


def do_edit_founding_charter(*, community: Community, author, charter: dict) -> Charter:
    """Edit the founding draft in place (the one exception to versions never changing)
    and reset every other founder's endorsement: they endorsed the text as it was."""
    with transaction.atomic():
        locked = Community.objects.select_for_update().get(pk=community.pk)
        if not locked.is_forming:
            raise ValidationError(
                _("This community is already active: its charter changes only by proposal."),
                code="not_forming",
            )
        founding_charter = Charter.objects.select_for_update().get(pk=locked.charter_id)
        changed = [
            name for name, value in charter.items() if getattr(founding_charter, name) != value
        ]
        if not changed:
            return founding_charter
        for name in changed:
            setattr(founding_charter, name, charter[name])
        founding_charter.revision += 1
        founding_charter.save(update_fields=[*changed, "revision"])
        others = Membership.objects.current().filter(community=locked).exclude(user=author)
        # Every other founder is told, not only those who had endorsed: one may be reading
        # the earlier text right now.
        told = list(others.select_related("user"))
        others.update(affirmed_charter=None, affirmed_at=None)
        Membership.objects.current().filter(community=locked, user=author).update(
            affirmed_charter=founding_charter, affirmed_at=timezone.now()
        )
    do_notify(
        recipients=[m.user for m in told],
        kind=Notification.Kind.COMMUNITY,
        text=_(
            "%(author)s edited the founding charter of %(community)s: read it and endorse it again."
        )
        % {"author": author.shown_name, "community": locked.name},
        url=locked.get_absolute_url(),
        community=locked,
        actor=author,
    )
    community.charter = founding_charter
    pagecache.bump(community_id=community.pk)
    return founding_charter


def _same_revision_or_error(charter: Charter, revision) -> None:
    """Refuse an endorsement of another revision than the one in force (``revision`` is
    what the founder's page showed: a posted string, an int, or None if none was posted)."""
    try:
        seen = int(revision)
    except (TypeError, ValueError):
        seen = None
    if seen != charter.revision:
        raise ValidationError(
            _("The founding charter changed since you opened the page; read it again."),
            code="charter_changed",
        )


def check_endorse_founding_charter(*, actor, community: Community, revision) -> Membership:
    """A founder endorses the founding charter at the revision their page showed; the last
    endorsement needed makes the community active. The revision is compared under the
    community's row lock, which an edit takes too, so no edit slips in between."""
    with transaction.atomic():
        locked = Community.objects.select_for_update().get(pk=community.pk)
        if not locked.is_forming:
            raise ValidationError(
                _("This community is already active: there is nothing left to endorse."),
                code="not_forming",
            )
        membership = Membership.objects.current().filter(user=actor, community=locked).first()
        if membership is None:
            raise ValidationError(
                _("Join as a founder first: joining endorses the founding charter."),
                code="not_member",
            )
        _same_revision_or_error(Charter.objects.get(pk=locked.charter_id), revision)
        if membership.affirmed_charter_id != locked.charter_id:
            membership.affirmed_charter_id = locked.charter_id
            membership.affirmed_at = timezone.now()
            membership.save(update_fields=["affirmed_charter", "affirmed_at"])
    pagecache.bump(community_id=community.pk)  # a founding counts its endorsements
    do_activate_if_quorum(community=community)
    return membership


def check_join_as_founder(*, actor, community: Community, affirmed: bool, revision) -> Membership:
    """Join a forming community, which endorses its founding charter: only at the revision
    the join page showed (compared under the community's row lock)."""
    with transaction.atomic():
        locked = Community.objects.select_for_update().get(pk=community.pk)
        if locked.is_forming:
            _same_revision_or_error(Charter.objects.get(pk=locked.charter_id), revision)
        membership = joining.check_join(actor=actor, community=locked, affirmed=affirmed)
    if locked.is_forming:
        do_activate_if_quorum(community=community)
    return membership


def check_accept_invitation_as_founder(*, actor, invitation, affirmed: bool, revision):
    """Accept an invitation to a forming community, which endorses its founding charter:
    only at the revision the invitation page showed."""
    with transaction.atomic():
        locked = Community.objects.select_for_update().get(pk=invitation.community_id)
        if locked.is_forming:
            _same_revision_or_error(Charter.objects.get(pk=locked.charter_id), revision)
        membership = invitations.check_accept_invitation(
            actor=actor, invitation=invitation, affirmed=affirmed
        )
    if locked.is_forming:
        do_activate_if_quorum(community=locked)
    return membership


def do_activate_if_quorum(*, community: Community) -> bool:
    """Make a forming community active once enough founders endorse its charter.

    Locks the community row and re-counts inside the transaction, so two endorsements
    arriving together activate it once. Idempotent: True only for the call that did it.
    """
    with transaction.atomic():
        locked = Community.objects.select_for_update().get(pk=community.pk)
        if not locked.is_forming or locked.charter_id is None:
            return False
        endorsed = (
            Membership.objects.current()
            .filter(community=locked, affirmed_charter_id=locked.charter_id)
            .count()
        )
        if endorsed < settings.FOUNDING_QUORUM:
            return False
        do_activate_community(community=locked, at=timezone.now())
        founders = [
            m.user
            for m in Membership.objects.current().filter(community=locked).select_related("user")
        ]
    community.state = locked.state
    community.activated_at = locked.activated_at
    do_notify(
        recipients=founders,
        kind=Notification.Kind.COMMUNITY,
        text=_("%(community)s is now active: enough founders endorsed its charter.")
        % {"community": locked.name},
        url=locked.get_absolute_url(),
        community=locked,
    )
    return True
