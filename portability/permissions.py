"""Who may get a community's archive, import one, or claim a place in one.

A community's archive is its members' (issue 19, R4): any current member, and after a
dissolution everyone who was a member when it was dissolved. Platform staff have no
more right to it than anyone (R2). Importing is the staff's, on their own instance. The
earlier history an imported community brought is read like its threads."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from community.models import Community
from community.permissions import access_community, can_read, get_community_or_404
from members.models import Membership
from members.permissions import is_member
from portability import selectors
from portability.models import ImportedCommunity


def may_get_archive(user, community: Community) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if is_member(user, community):
        return True
    # Dissolving or moving away keeps memberships; someone who left afterwards still was a
    # member when it closed.
    closed_at = community.dissolved_at if community.is_dissolved else community.moved_at
    return (
        closed_at is not None
        and Membership.objects.filter(
            user=user, community=community, left_at__gte=closed_at
        ).exists()
    )


def access_archive(user, slug: str) -> Community:
    """The community whose archive ``user`` may get; a 404 to whoever may not read a
    members-only community (its existence does not leak), ``PermissionDenied`` to the
    other outsiders."""
    community = get_community_or_404(slug)
    if may_get_archive(user, community):
        return community
    if not can_read(user, community):
        raise Http404("No such community")
    raise PermissionDenied(
        _("Only members of %(community)s can get its archive. Join it to download it.")
        % {"community": community.name}
    )


def can_import(user) -> bool:
    """Platform staff bring communities to their instance (issue 19, part 4)."""
    return getattr(user, "is_authenticated", False) and user.is_staff


def require_import(user) -> None:
    if not can_import(user):
        raise PermissionDenied(_("Only this instance’s staff can import a community."))


def access_history(user, slug: str) -> tuple[Community, ImportedCommunity]:
    """An imported community and where it came from, for reading the history it brought:
    whoever may read its threads may read that (``community.permissions.can_read``: a
    public community's by anyone, a members-only one's by its members, staff included only
    as members). A 404 to the others, and for a community that was not imported."""
    community = access_community(user, slug)
    source = selectors.imported_source(community.pk)
    if source is None:
        raise Http404("Not an imported community")
    return community, source
