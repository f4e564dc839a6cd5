"""May this user do this in this community? One place answers, for every app (R1, R2).

Views, templates (through ``community_context``) and actions all ask here. Members-only
communities do not leak: their content is a 404 to outsiders (``access_community``); only
their name, tagline and charter are public.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from community.models import Community

from .models import Membership


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
