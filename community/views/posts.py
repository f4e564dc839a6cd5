"""Posts: replying, the htmx preview, editing, deleting, and a post's earlier versions.

Every view reads the community through ``access_community`` (members-only communities are
a 404 to outsiders) and writes only through ``community.actions``.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community import actions, ratelimits, selectors
from community.forms import EditPostForm, ReplyForm
from community.models import PostRevision
from community.permissions import access_community, can_post
from community.views.common import REFUSED, page_urls, preview_body
from core.markdown import too_costly
from core.web import add_errors, posted, refused


@require_http_methods(["GET", "POST"])
@ratelimits.rate_limited("post")
def reply(request, slug, thread_id):
    """GET: the reply form for ``?to=<post id>`` (a page, or a fragment for htmx).
    POST: the reply. htmx gets the new post to swap in; a plain form, a redirect to it."""
    community = access_community(request.user, slug)
    thread = selectors.get_thread_or_404(community=community, thread_id=thread_id)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")
    data = posted(request)
    parent_id = (data or request.GET).get("parent") or request.GET.get("to")
    parent = selectors.reply_parent(thread=thread, parent_id=parent_id)
    context = {"community": community, "thread": thread, "parent": parent}
    context["urls"] = page_urls(community, thread)
    if parent is None:
        context["problem"] = _("The post you are replying to does not exist in this thread.")
        return render(request, "community/thread_reply.html", context, status=400 if data else 404)
    try:
        actions.ensure_can_post(actor=request.user, community=community)
    except PermissionDenied as error:
        return refused(request, error, template=REFUSED, context={"community": community})
    form = context["form"] = ReplyForm.to(parent, data, quote=bool(request.GET.get("quote")))
    if data is None or not form.is_valid():
        return _reply_form(request, context, status=400 if data else 200)
    if "preview" in data:
        body = form.cleaned_data["body"]
        context["preview"] = preview_body(request, community=community, body=body, form=form)
        return _reply_form(request, context)
    return _post_reply(request, context, form)


def _reply_form(request, context, *, status=200):
    if request.htmx:
        response = render(request, "community/thread_reply.html#reply-form", context, status=status)
        parent = context.get("parent")
        if parent is not None:
            response["HX-Retarget"] = f"#reply-slot-{parent.pk}"
            response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "community/thread_reply.html", context, status=status)


def _post_reply(request, context, form) -> HttpResponse:
    """A valid reply form, sent: a new member's links and the rate limit, then the action."""
    community, data = context["community"], form.cleaned_data
    if links := ratelimits.link_error(user=request.user, community=community, body=data["body"]):
        form.add_error("body", links)
        return _reply_form(request, context, status=400)
    if request.rate_limit.exceeded(form=form, community=community, token=data["token"]):
        return _reply_form(request, context)
    try:
        new = actions.check_reply(
            actor=request.user,
            thread=context["thread"],
            parent_id=data["parent"],
            body=data["body"],
            client_token=data["token"],
        )
    except PermissionDenied as error:
        return refused(request, error, template=REFUSED, context={"community": community})
    except ValidationError as error:
        add_errors(form, error)
        return _reply_form(request, context, status=400)
    if not request.htmx:
        return HttpResponseRedirect(selectors.landing_url(new))
    return _posted_fragment(request, context, new)


def _posted_fragment(request, context, new) -> HttpResponse:
    """The new reply, to swap in under its parent on the thread page."""
    parent = context["parent"]
    context["thread"].refresh_from_db(fields=["reply_count", "last_activity_at"])  # header
    new.closes, new.out_of_context, new.continues = range(1), False, False
    # Its number in the reading order would cost a count; its heading says "Your reply".
    new.position, new.parent = None, parent
    context |= {"post": new, "may_post": True, "just_posted": True}
    if parent.is_root:
        context["root_form"] = ReplyForm(initial={"parent": parent.pk}, auto_id="reply-root-%s")
    return render(request, "community/thread_reply.html#posted", context)


@login_required
@require_POST
@ratelimits.rate_limited("preview")
def preview(request, slug):
    """The Markdown preview of a form's body (htmx fragment). Rate-limited: each render
    costs CPU, and the body is bounded in size and markup (``markdown.too_costly``)."""
    community = access_community(request.user, slug)
    if not can_post(request.user, community):
        raise PermissionDenied
    body = actions.clean_body(request.POST.get("body", ""))
    too_long = len(body) > actions.MAX_BODY_CHARS or too_costly(body)
    context = {"too_long": too_long, "empty": not body.strip(), "max": actions.MAX_BODY_CHARS}
    if too_long or context["empty"]:
        return render(request, "community/thread_preview.html", context)
    if request.rate_limit.exceeded():
        context["rate_limited"] = request.rate_limit.limited
        return render(request, "community/thread_preview.html", context)
    context["preview"] = actions.render_body(community=community, body=body)[0]
    return render(request, "community/thread_preview.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@ratelimits.rate_limited("edit")
def edit(request, slug, post_id):
    community = access_community(request.user, slug)
    target = selectors.get_post_or_404(community=community, post_id=post_id)
    thread = target.thread
    initial = {"body": target.body, "title": thread.title}
    form = EditPostForm(posted(request), initial=initial, with_title=target.is_root)
    context = {"community": community, "thread": thread, "post": target, "form": form}
    context["urls"] = page_urls(community, thread)
    try:
        actions.ensure_author(actor=request.user, post=target)
    except PermissionDenied as error:
        return refused(request, error, template=REFUSED, context={"community": community})
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            body = form.cleaned_data["body"]
            context["preview"] = preview_body(request, community=community, body=body, form=form)
            return render(request, "community/thread_edit.html", context)
        if response := _save_edit(request, context, form):
            return response
    status = 400 if request.method == "POST" else 200
    return render(request, "community/thread_edit.html", context, status=status)


def _save_edit(request, context, form) -> HttpResponse | None:
    """The edit saved (a redirect to the post), a refusal, or None with the form's errors."""
    target, data = context["post"], form.cleaned_data
    if request.rate_limit.exceeded(form=form):
        return None
    try:
        actions.check_edit_post(
            actor=request.user, post=target, body=data["body"], title=data.get("title")
        )
    except PermissionDenied as error:
        return refused(
            request, error, template=REFUSED, context={"community": context["community"]}
        )
    except ValidationError as error:
        add_errors(form, error)
        return None
    return HttpResponseRedirect(selectors.landing_url(target))


@login_required
@require_http_methods(["GET", "POST"])
def delete(request, slug, post_id):
    community = access_community(request.user, slug)
    target = selectors.get_post_or_404(community=community, post_id=post_id)
    try:
        actions.ensure_author(actor=request.user, post=target)
    except PermissionDenied as error:
        return refused(request, error, template=REFUSED, context={"community": community})
    if request.method == "POST":
        actions.check_delete_post(actor=request.user, post=target)
        return HttpResponseRedirect(selectors.landing_url(target))
    context = {
        "community": community,
        "thread": target.thread,
        "post": target,
        "urls": page_urls(community, target.thread),
    }
    return render(request, "community/thread_delete.html", context)


@require_GET
def revisions(request, slug, post_id):
    """Every earlier version of a post, newest first (not for a deleted post: its author
    took the text back; nor for a hidden one: its history would show what is hidden)."""
    community = access_community(request.user, slug)
    target = selectors.get_post_or_404(community=community, post_id=post_id)
    if target.is_deleted or target.moderation_state:
        raise Http404("Deleted or hidden post")
    context = {
        "community": community,
        "thread": target.thread,
        "post": target,
        "revisions": PostRevision.objects.filter(post=target).order_by("-written_at"),
        "urls": page_urls(community, target.thread),
    }
    return render(request, "community/thread_revisions.html", context)
