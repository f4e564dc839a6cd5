"""Reads: the same answers as the pages, through the same permission functions. Anonymous
where the page is public; with a token, its ``read`` scope."""

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Query

from api.auth import READ, READ_OR_ANONYMOUS, actor
from api.schemas import (
    CommunityDetailOut,
    CommunityOut,
    ErrorOut,
    MembershipOut,
    NotificationOut,
    ProfileOut,
    ProposalDetailOut,
    ProposalOut,
    ThreadDetailOut,
    ThreadPageOut,
)
from api.views.common import (
    community_out,
    read_cursor,
    router,
    sign_cursor,
    thread_out,
    tree,
    user_ref,
)
from community import selectors as community_selectors
from community.models import Community, Post, Thread
from community.permissions import access_community, get_community_or_404
from members import selectors as member_selectors
from members.models import Membership, User
from members.permissions import current_membership
from moderation.flags import mark_shown_text
from notifications.models import Notification
from purposes import permissions as purposes_permissions
from purposes import selectors as purposes_selectors
from purposes.models import Proposal

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
PER_PAGE = 30
MAX_PER_PAGE = 100
POSTS_PER_PAGE = community_selectors.MAX_POSTS_PER_PAGE


@router.get(
    "/communities",
    tags=["read"],
    response={200: list[CommunityOut], **ERRORS},
    auth=READ_OR_ANONYMOUS,
    summary="The directory",
)
def communities(request, q: str = "", state: str = "active", page: int = 1):
    """Active (or ``state=forming``) communities, most recently active first; ``q``
    searches name, tagline and purpose. Names and charters are public, as on the page."""
    if state not in (Community.State.ACTIVE, Community.State.FORMING):
        state = Community.State.ACTIVE
    listed = member_selectors.directory_communities(state=state, query=q.strip()[:100])
    found = Paginator(listed, PER_PAGE).get_page(page)
    return [community_out(c, c.member_count) for c in found.object_list]


def charter_out(charter) -> dict | None:
    if charter is None:
        return None
    return {
        "version": charter.version,
        "purpose": charter.purpose,
        "goals": list(charter.goals),
        "rules": charter.rules(),
        "created_at": charter.created_at,
        "proposal_id": charter.proposal_id,
    }


@router.get(
    "/communities/{slug}",
    tags=["read"],
    response={200: CommunityDetailOut, **ERRORS},
    auth=READ_OR_ANONYMOUS,
    summary="A community, its charter and the charter's versions",
)
def community(request, slug: str):
    community = get_community_or_404(slug)
    versions = purposes_selectors.charter_versions(community)
    history = [
        {
            "version": v.version,
            "created_at": v.created_at,
            "proposal_id": v.proposal_id,
            "proposal_title": v.proposal.title if v.proposal_id else None,
        }
        for v in versions
    ]
    count = member_selectors.member_count(community)
    return {
        **community_out(community, count),
        "charter": charter_out(community.charter),
        "history": history,
        "you_are_member": current_membership(actor(request), community) is not None,
    }


@router.get(
    "/communities/{slug}/threads",
    tags=["read"],
    response={200: ThreadPageOut, **ERRORS},
    auth=READ_OR_ANONYMOUS,
    summary="Threads, most recently active first (cursor-paged)",
)
def threads(request, slug: str, cursor: str = "", limit: int = Query(PER_PAGE, ge=1, le=100)):
    """Ordered by last activity then id, both descending: a stable order, so following
    ``next_cursor`` never repeats or skips a thread that did not change in between."""
    community = access_community(actor(request), slug)
    found = Thread.objects.filter(community=community).select_related("author")
    if cursor:
        at, last_id, community_id = read_cursor("threads", cursor)
        if community_id != community.pk:
            found = found.none()
        found = found.filter(Q(last_activity_at__lt=at) | Q(last_activity_at=at, pk__lt=last_id))
    rows = list(found.order_by("-last_activity_at", "-pk")[: limit + 1])
    for row in rows:
        row.community = community
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = sign_cursor(
            "threads", [last.last_activity_at.isoformat(), last.pk, community.pk]
        )
    return {"threads": [thread_out(t) for t in rows], "next_cursor": next_cursor}


@router.get(
    "/communities/{slug}/threads/{thread_id}",
    tags=["read"],
    response={200: ThreadDetailOut, **ERRORS},
    auth=READ_OR_ANONYMOUS,
    summary="A thread and its posts as a tree (cursor-paged, depth-first)",
)
def thread(request, slug: str, thread_id: int, cursor: str = ""):
    user = actor(request)
    community = access_community(user, slug)
    found = community_selectors.get_thread_or_404(community=community, thread_id=thread_id)
    posts = Post.objects.filter(thread=found).select_related("author")
    if cursor:
        after, for_thread = read_cursor("posts", cursor)
        posts = posts.filter(path__gt=after) if for_thread == found.pk else posts.none()
    rows = list(posts.order_by("path")[: POSTS_PER_PAGE + 1])
    next_cursor = None
    if len(rows) > POSTS_PER_PAGE:
        rows = rows[:POSTS_PER_PAGE]
        next_cursor = sign_cursor("posts", [rows[-1].path, found.pk])
    mark_shown_text(user=user, community=community, posts=rows)
    return {"thread": thread_out(found), "posts": tree(rows), "next_cursor": next_cursor}


def proposal_out(proposal: Proposal) -> dict:
    rule = proposal.decision_rule()
    charter = proposal.base_charter
    tally = proposal.tally() if proposal.is_closed else None
    result = None
    if tally is not None:
        result = {
            "for_count": tally.for_count,
            "against_count": tally.against_count,
            "abstain_count": tally.abstain_count,
            "electorate_size": tally.electorate_size,
            "active_electorate_size": tally.active_electorate_size,
            "reason": proposal.result_reason,
        }
    return {
        "id": proposal.pk,
        "kind": proposal.kind,
        "title": proposal.title,
        "rationale": proposal.rationale,
        "state": proposal.state,
        "stage": str(proposal.get_state_display()),
        "method": charter.method_for(proposal.kind).name,
        "secret": proposal.secret if proposal.method else charter.secret_for(proposal.kind),
        "quorum_percent": rule.quorum_percent,
        "threshold": str(rule.threshold.value),
        "author": user_ref(proposal.author),
        "created_at": proposal.created_at,
        "discussion_ends_at": proposal.discussion_ends_at,
        "voting_ends_at": proposal.voting_ends_at,
        "thread_id": proposal.thread_id,
        "result": result,
        "url": proposal.get_absolute_url(),
        "new_home": proposal.new_home or None,
    }


@router.get(
    "/communities/{slug}/proposals",
    tags=["read"],
    response={200: list[ProposalOut], **ERRORS},
    auth=READ_OR_ANONYMOUS,
    summary="Proposals: open ones first, then closed, newest first",
)
def proposals(request, slug: str, page: int = 1):
    user = actor(request)
    community = access_community(user, slug)
    listed = purposes_selectors.proposals_for_list(community, user).select_related("base_charter")
    found = Paginator(listed, PER_PAGE).get_page(page)
    for proposal in found.object_list:
        proposal.community = community
    return [proposal_out(p) for p in found.object_list]


def text_out(text) -> dict:
    return {"purpose": text.purpose, "goals": list(text.goals), "rules": dict(text.rules)}


def amendment_out(amendment) -> dict:
    """One amendment, with ``diff`` and ``outdated`` as ``purposes.selectors.amendments``
    sets them (the proposal page's reading of it)."""
    return {
        "id": amendment.pk,
        "author": user_ref(amendment.author),
        "state": amendment.state,
        "reason": amendment.reason,
        "text": text_out(amendment.text()),
        "against": text_out(amendment.against_text()),
        "changes": sorted(amendment.diff.touched_fields),
        "outdated": amendment.outdated,
        "created_at": amendment.created_at,
        "decided_at": amendment.decided_at,
        "decline_reason": amendment.decline_reason,
        "carried_to_vote": amendment.carried_at is not None,
    }


def proposal_detail_out(proposal: Proposal) -> dict:
    amendments = purposes_selectors.amendments(proposal)
    return proposal_out(proposal) | {"amendments": [amendment_out(a) for a in amendments]}


@router.get(
    "/communities/{slug}/proposals/{proposal_id}",
    tags=["read"],
    response={200: ProposalDetailOut, **ERRORS},
    auth=READ_OR_ANONYMOUS,
    summary="A proposal with its stage, method, amendments and (once closed) result",
)
def proposal(request, slug: str, proposal_id: int):
    found = purposes_permissions.access_proposal(actor(request), slug, proposal_id)
    return proposal_detail_out(found)


@router.get(
    "/me/notifications",
    tags=["read"],
    response={200: list[NotificationOut], **ERRORS},
    auth=READ,
    summary="My notifications, newest first",
)
def notifications(request, unread: bool = False, page: int = 1):
    items = Notification.objects.filter(recipient=actor(request)).select_related("community")
    if unread:
        items = items.filter(read_at__isnull=True)
    found = Paginator(items.order_by("-created_at", "-id"), PER_PAGE).get_page(page)
    return [
        {
            "id": n.pk,
            "kind": n.kind,
            "text": n.text,
            "url": n.url,
            "community": n.community.slug if n.community_id else None,
            "created_at": n.created_at,
            "read": n.read_at is not None,
        }
        for n in found.object_list
    ]


@router.get(
    "/me/memberships",
    tags=["read"],
    response={200: list[MembershipOut], **ERRORS},
    auth=READ,
    summary="My current memberships",
)
def memberships(request):
    rows = (
        Membership.objects.current()
        .filter(user=actor(request))
        .select_related("community", "affirmed_charter")
        .order_by("community__name")
    )
    return [
        {
            "community": community_out(m.community),
            "role": m.role,
            "joined_at": m.joined_at,
            "suspended_until": m.suspended_until if m.is_suspended else None,
            "affirmed_charter_version": m.affirmed_charter.version if m.affirmed_charter else None,
        }
        for m in rows
    ]


@router.get(
    "/users/{username}",
    tags=["read"],
    response={200: ProfileOut, **ERRORS},
    auth=READ_OR_ANONYMOUS,
    summary="A member's public profile",
)
def profile(request, username: str):
    """As the profile page: a locked account is not there; members-only communities are
    listed only to fellow members."""
    person = get_object_or_404(User, username=username, is_active=True)
    shown = member_selectors.profile_memberships(profile_user=person, viewer=actor(request))
    return {
        "username": person.username,
        "name": person.shown_name,
        "bio": person.bio,
        "joined_at": person.date_joined,
        "communities": [community_out(m.community) for m in shown],
    }
