"""Threads: the list, starting one, the nested thread page and a post's own page.

Every view reads the community through ``access_community`` (members-only communities are
a 404 to outsiders) and writes only through ``community.actions``.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from community import actions, ratelimits, selectors
from community.forms import ReplyForm, ThreadForm
from community.permissions import access_community, can_post
from community.views.common import (
    REFUSED,
    community_reader,
    page_community_id,
    page_urls,
    preview_body,
    readable_community,
    thread_reader,
    visit_thread,
)
from core.pagecache import cached_page
from core.web import add_errors, posted, refused
from members.permissions import current_membership
from moderation.flags import mark_shown_text


@require_GET
@cached_page(page_community_id, viewer=community_reader)
def thread_list(request, slug):
    community = readable_community(request, slug)
    page = selectors.thread_list(community=community, page_number=request.GET.get("page"))
    context = {
        "community": community,
        "threads": page.object_list,
        "page_obj": page,
        "may_post": can_post(request.user, community),
    }
    return render(request, "community/thread_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@ratelimits.rate_limited("thread")
def thread_new(request, slug):
    community = access_community(request.user, slug)
    if not can_post(request.user, community):
        try:
            actions.ensure_can_post(actor=request.user, community=community)
        except PermissionDenied as error:
            return refused(request, error, template=REFUSED, context={"community": community})
    goals = list(community.charter.goals) if community.charter_id else []
    form = ThreadForm(posted(request), goals=goals, initial={"goal": request.GET.get("goal")})
    context = {"community": community, "form": form, "preview": None, "urls": page_urls(community)}
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            body = form.cleaned_data["body"]
            context["preview"] = preview_body(request, community=community, body=body, form=form)
        elif response := _create_thread(request, context, form):
            return response
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "community/thread_new.html", context, status=status)


def _create_thread(request, context, form) -> HttpResponse | None:
    """The thread made (a redirect to it), a refusal, or None with the form's errors set."""
    community, data = context["community"], form.cleaned_data
    if links := ratelimits.link_error(user=request.user, community=community, body=data["body"]):
        form.add_error("body", links)
        return None
    if request.rate_limit.exceeded(form=form, community=community, token=data["token"]):
        return None
    try:
        thread = actions.check_create_thread(
            actor=request.user,
            community=community,
            title=data["title"],
            body=data["body"],
            goal=data.get("goal") or "",
            client_token=data["token"],
        )
    except PermissionDenied as error:
        return refused(request, error, template=REFUSED, context={"community": community})
    except ValidationError as error:
        add_errors(form, error)
        return None
    return redirect(thread)


def _thread_context(request, community, thread, *, after="", focus=None) -> dict:
    if request.user.is_authenticated:
        visit_thread(request, community, thread.pk)  # what is new to them: post_marks
    start = request.GET.get("start", "1")
    page = selectors.post_page(
        thread=thread,
        after=after,
        focus=focus,
        start=int(start) if after and start.isdecimal() and len(start) < 7 else 1,
    )
    may_post = can_post(request.user, community)
    mark_shown_text(user=request.user, community=community, posts=[page.root, *page.posts])
    return {
        "community": community,
        "thread": thread,
        "page": page,
        "focus": focus,
        "after": after,
        "may_post": may_post,
        # cached by can_post above: no extra query
        "membership": current_membership(request.user, community),
        "urls": page_urls(community, thread),
        "root_form": ReplyForm(initial={"parent": page.root.pk}, auto_id="reply-root-%s")
        if may_post and page.root is not None
        else None,
    }


@require_GET
@cached_page(page_community_id, viewer=thread_reader)
def thread(request, slug, thread_id, thread_slug):
    community = readable_community(request, slug)
    thread = selectors.get_thread_or_404(community=community, thread_id=thread_id)
    if thread_slug != thread.slug:
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return HttpResponseRedirect(thread.get_absolute_url() + query)
    after = request.GET.get("after", "")[:1000]
    context = _thread_context(request, community, thread, after=after)
    if request.htmx and after:
        return render(request, "community/thread.html#more-posts", context)
    return render(request, "community/thread.html", context)


@require_GET
def new_replies(request, slug, thread_id):
    """What an open thread page polls: a "3 new replies" link when replies came after the
    page counted ``seen`` of them, else 204 (htmx keeps the page as it is). Reads only."""
    community = access_community(request.user, slug)
    thread = selectors.get_thread_or_404(community=community, thread_id=thread_id)
    seen = request.GET.get("seen", "")
    if not seen.isdecimal() or len(seen) > 9:
        return HttpResponseBadRequest(_("Say how many replies the page shows."))
    first = selectors.first_new_reply(thread=thread, seen=int(seen))
    if first is None:
        return HttpResponse(status=204)
    # The query makes the link a new address, so following it reloads the page even when
    # only the #fragment would otherwise differ from the one being read.
    path, _hash, anchor = selectors.landing_url(first).partition("#")
    url = f"{path}?new={first.pk}" + (f"#{anchor}" if anchor else "")
    context = {"count": thread.reply_count - int(seen), "url": url}
    return render(request, "community/thread.html#new-replies", context)


@require_GET
def thread_redirect(request, slug, thread_id):
    community = access_community(request.user, slug)
    thread = selectors.get_thread_or_404(community=community, thread_id=thread_id)
    return redirect(thread)


@require_GET
@cached_page(page_community_id, viewer=thread_reader)
def post(request, slug, thread_id, thread_slug, post_id):
    """A post's own page: its context and its replies (the permalink, and where "continue
    this thread" leads)."""
    community = readable_community(request, slug)
    thread = selectors.get_thread_or_404(community=community, thread_id=thread_id)
    focus = selectors.get_post_or_404(community=community, post_id=post_id)
    if focus.thread_id != thread.pk:
        raise Http404("No such post in this thread")
    if focus.is_root:
        return HttpResponseRedirect(f"{thread.get_absolute_url()}#post-{focus.pk}")
    after = request.GET.get("after", "")[:1000]
    context = _thread_context(request, community, thread, after=after, focus=focus)
    if request.htmx and after:
        return render(request, "community/thread.html#more-posts", context)
    return render(request, "community/thread.html", context)
