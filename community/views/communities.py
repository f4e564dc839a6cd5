"""Communities: the directory and a community's home page (founding one is in purposes).
Shape: parse → access → action → render."""

import hashlib

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from community import selectors as community_selectors
from community.models import Community
from community.permissions import community_context, get_community_or_404
from community.views.common import page_community_id
from core.pagecache import cached_page
from engagement import snapshots
from members import selectors as member_selectors
from purposes import selectors as purpose_selectors

COMMUNITIES_PER_PAGE = 20
FORMING_SHOWN = 12
MAX_QUERY_CHARS = 100


def _directory_reader(request) -> str:
    """What differs between members on the directory: which communities they belong to
    (their badges, and what they see of members-only ones)."""
    request.my_community_ids = member_selectors.member_community_ids(request.user)
    return hashlib.blake2b(
        repr(sorted(request.my_community_ids)).encode(), digest_size=8
    ).hexdigest()


@require_GET
@cached_page(viewer=_directory_reader)
def directory(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_CHARS]
    active = member_selectors.directory_communities(state=Community.State.ACTIVE, query=query)
    page = Paginator(active, COMMUNITIES_PER_PAGE).get_page(request.GET.get("page"))
    forming = []
    if page.number == 1:
        forming = list(
            member_selectors.directory_communities(state=Community.State.FORMING, query=query)[
                :FORMING_SHOWN
            ]
        )
    my_ids = getattr(request, "my_community_ids", None)
    if my_ids is None:
        my_ids = member_selectors.member_community_ids(request.user)
    return render(
        request,
        "community/directory.html",
        {
            "query": query,
            "page": page,
            "forming": forming,
            "my_ids": my_ids,
            "founding_quorum": settings.FOUNDING_QUORUM,
        },
    )


@require_GET
@cached_page(page_community_id)
def home(request, slug):
    """The community's home. Outsiders of a members-only community see only what is
    public (name, tagline, purpose and goals, which are the charter) and the way in."""
    community = get_community_or_404(slug)
    ctx = community_context(request.user, community)
    extra = {}
    if ctx["can_read"]:
        extra["member_count"] = member_selectors.member_count(community)
        extra["threads"] = community_selectors.recent_threads(community=community)
        extra["stage"] = snapshots.stages_of([community.pk]).get(community.pk)
        if community.is_active:
            extra["deciding"] = purpose_selectors.deciding_now(community)
            extra["now"] = timezone.now()
        if community.is_forming:
            extra["founding"] = purpose_selectors.founding_status(community)
    return render(
        request,
        "community/home.html",
        {"community": community, "charter": community.charter} | ctx | extra,
    )
