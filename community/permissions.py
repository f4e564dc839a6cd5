"""Who may read and post in a community, and what its pages ask about the viewer.

A members-only community's content is a 404 to outsiders, so that it does not reveal it
exists."""

from django.core.validators import slug_re
from django.http import Http404
from django.shortcuts import get_object_or_404

from community.models import Community
from members.permissions import (
    can_invite,
    can_see_applications,
    current_membership,
    is_member,
    join_option,
)


def can_read(user, community: Community) -> bool:
    """Threads, posts, members and the rest of a community's content (not the charter):
    the read rule of ``Community.objects.readable_by``, on the membership pages load anyway."""
    return community.is_readable_with(current_membership(user, community))


def can_post(user, community: Community) -> bool:
    """Start threads and reply: current, unsuspended members of a live community."""
    if community.is_read_only:
        return False
    membership = current_membership(user, community)
    return membership is not None and not membership.is_suspended


def get_community_or_404(slug: str) -> Community:
    """Any community by its address: name, tagline and charter are public for all. An
    address that is no slug at all (from a form or an API body rather than the URL, which
    only routes slugs) is a 404 too, never a query: PostgreSQL refuses a NUL in it."""
    if not isinstance(slug, str) or not slug_re.fullmatch(slug):
        raise Http404("No such community")
    return get_object_or_404(Community.objects.select_related("charter"), slug=slug)


def access_community(user, slug: str) -> Community:
    """The community if the user may read its content; otherwise a 404, so that a
    members-only community's content does not reveal it exists."""
    community = get_community_or_404(slug)
    if not can_read(user, community):
        raise Http404("No such community")
    return community


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
