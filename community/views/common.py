"""What the thread and post pages share: their base URLs, how they refuse, and the
no-JavaScript preview."""

import hashlib

from django.core.cache import cache
from django.http import Http404
from django.urls import reverse

from community import actions, selectors
from community.models import Community
from community.permissions import access_community, can_post
from members.permissions import acting_member, current_membership

# The page (and its ``refusal`` partial, for htmx) a refused thread or post action shows.
REFUSED = "community/thread_refused.html"


def page_urls(community, thread=None) -> dict[str, str]:
    """Base URLs computed once per response, so a 300-post page does not reverse 1,500."""
    urls = {
        "posts": reverse("community:thread_list", kwargs={"slug": community.slug})[:-2] + "p/",
        "preview": reverse("community:preview", kwargs={"slug": community.slug}),
    }
    if thread is not None:
        urls["thread"] = thread.get_absolute_url()
        urls["reply"] = reverse(
            "community:reply", kwargs={"slug": community.slug, "thread_id": thread.pk}
        )
    return urls


def preview_body(request, *, community, body: str, form) -> str | None:
    """The rendered body for a form's "Preview" button without JavaScript; rate-limited
    like the htmx preview (a message on the form instead when over the limit)."""
    if request.rate_limit.exceeded(form=form, action="preview"):
        return None
    return actions.render_body(community=community, body=body)[0]


def page_community_id(*, slug: str, **_) -> int | None:
    """The id whose version keys a community's cached anonymous pages, by its address:
    a slug never changes, so the answer is kept and a cached hit needs no query."""
    key = f"pagecache:slug:{slug}"
    if (community_id := cache.get(key)) is None:
        community_id = Community.objects.filter(slug=slug).values_list("pk", flat=True).first()
        if community_id is not None:
            cache.set(key, community_id, timeout=None)
    return community_id


def readable_community(request, slug: str) -> Community:
    """``access_community`` once per request: a shared page's ``community_reader`` and its
    view both ask."""
    found = request.__dict__.setdefault("_readable_communities", {})
    if slug not in found:
        found[slug] = access_community(request.user, slug)
    return found[slug]


def community_reader(request, *, slug: str, **_) -> str:
    """What differs between members on a community's shared pages (``core.pagecache``):
    whether they may post there. A 404, as the page itself gives, to whoever may not read
    it."""
    community = readable_community(request, slug)
    return "poster" if can_post(request.user, community) else "reader"


def visit_thread(request, community: Community, thread_id: int) -> selectors.Visit:
    """The member's visit to a thread (a 404 if the community has none such), recorded
    once per request, and only when it sees something new."""
    visit = selectors.thread_visit(user=request.user, community=community, thread_id=thread_id)
    if visit is None:
        raise Http404("No such thread")
    recorded = request.__dict__.setdefault("_recorded_visits", set())
    if visit.sees_something_new and thread_id not in recorded:
        actions.do_mark_thread_read(user=request.user, thread_id=thread_id)
        recorded.add(thread_id)
    return visit


def thread_reader(request, *, slug: str, thread_id: int, **_) -> str | None:
    """What differs between members on a thread's shared pages: whether they may post,
    moderate, and what the page says of their standing (suspended until when, and why).
    Records the visit, which the page's unread marks read as it was before. None (their
    page alone) for a member with a hidden post in the thread: they still read its text."""
    community = readable_community(request, slug)
    visit = visit_thread(request, community, thread_id)
    if visit.own_hidden:
        return None
    acting = acting_member(request.user, community)
    membership = current_membership(request.user, community)
    if membership is None:
        standing = "outsider"
    elif membership.is_suspended:
        said = f"{membership.suspended_until}|{membership.suspension_reason}"
        standing = "suspended:" + hashlib.blake2b(said.encode(), digest_size=8).hexdigest()
    else:
        standing = "moderator" if acting is not None and acting.is_moderator else "member"
    return f"{community_reader(request, slug=slug)}:{standing}"
