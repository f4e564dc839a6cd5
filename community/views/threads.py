"""Threads and posts: lists, the nested thread page, writing, editing, deleting (issue 4).

Every view reads the community through ``access_community`` (members-only communities are
a 404 to outsiders) and writes only through ``community.actions``.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community import actions, ratelimits, selectors
from community.forms import EditPostForm, ReplyForm, ThreadForm
from community.models import Post, PostRevision
from community.permissions import access_community, can_post
from core.markdown import too_costly
from members.permissions import current_membership
from moderation.flags import thread_moderation


def _urls(community, thread=None) -> dict[str, str]:
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


def _refused(request, error: PermissionDenied, *, community, status=403):
    message = str(error) or _("You may not do that here.")
    if request.htmx:
        response = render(
            request, "community/thread_refused.html#refusal", {"message": message}, status=status
        )
        if request.method == "POST":
            # In place of the form that was sent, not wherever a success would have gone.
            response["HX-Retarget"] = "closest form"
            response["HX-Reswap"] = "outerHTML"
        return response
    return render(
        request,
        "community/thread_refused.html",
        {"community": community, "message": message},
        status=status,
    )


def _add_errors(form, error: ValidationError) -> None:
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


def _post_url(post: Post) -> str:
    """Where to land after writing: the post on the thread page when it is shown there."""
    thread = post.thread
    if post.depth <= selectors.MAX_DISPLAY_DEPTH and (
        thread.reply_count < selectors.MAX_POSTS_PER_PAGE
    ):
        return f"{thread.get_absolute_url()}#post-{post.pk}"
    return post.get_absolute_url()


@require_GET
def thread_list(request, slug):
    community = access_community(request.user, slug)
    page = selectors.thread_list(
        community=community, user=request.user, page_number=request.GET.get("page")
    )
    context = {
        "community": community,
        "threads": page.object_list,
        "page_obj": page,
        "may_post": can_post(request.user, community),
    }
    return render(request, "community/thread_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def thread_new(request, slug):
    community = access_community(request.user, slug)
    goals = list(community.charter.goals) if community.charter_id else []
    if not can_post(request.user, community):
        try:
            actions.ensure_can_post(actor=request.user, community=community)
        except PermissionDenied as error:
            return _refused(request, error, community=community)
    form = ThreadForm(
        (request.POST if request.method == "POST" else None),
        goals=goals,
        initial={"goal": request.GET.get("goal")},
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        links = ratelimits.link_error(user=request.user, community=community, body=data["body"])
        if "preview" in request.POST:
            preview = _preview(request, community=community, body=data["body"], form=form)
        elif links:
            form.add_error("body", links)
        elif limited := ratelimits.hit(
            user=request.user, action="thread", community=community, token=data["token"]
        ):
            ctx = {"community": community, "form": form, "urls": _urls(community)}
            return ratelimits.refuse(
                request, "community/thread_new.html", ctx, form=form, limited=limited
            )
        else:
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
                return _refused(request, error, community=community)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                return redirect(thread)
    status = 400 if request.method == "POST" and form.errors else 200
    context = {"community": community, "form": form, "preview": preview, "urls": _urls(community)}
    return render(request, "community/thread_new.html", context, status=status)


def _thread_context(request, community, thread, *, after="", focus=None) -> dict:
    read_at = selectors.last_read_at(user=request.user, thread=thread)
    start = request.GET.get("start", "1")
    page = selectors.post_page(
        thread=thread,
        after=after,
        focus=focus,
        read_at=read_at,
        user=request.user,
        start=int(start) if after and start.isdecimal() and len(start) < 7 else 1,
    )
    if request.user.is_authenticated:
        actions.do_mark_thread_read(user=request.user, thread=thread)
    may_post = can_post(request.user, community)
    posts = [page.root, *page.posts]
    return {
        # flags and hidden-post placeholders (issue 6): one query for the viewer's flags
        "moderation": thread_moderation(user=request.user, community=community, posts=posts),
        "community": community,
        "thread": thread,
        "page": page,
        "focus": focus,
        "after": after,
        "read_at": read_at,
        "may_post": may_post,
        # cached by can_post above: no extra query
        "membership": current_membership(request.user, community),
        "urls": _urls(community, thread),
        "root_form": ReplyForm(initial={"parent": page.root.pk}, auto_id="reply-root-%s")
        if may_post and page.root is not None
        else None,
    }


@require_GET
def thread(request, slug, thread_id, thread_slug):
    community = access_community(request.user, slug)
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
    path, _hash, anchor = _post_url(first).partition("#")
    url = f"{path}?new={first.pk}" + (f"#{anchor}" if anchor else "")
    context = {"count": thread.reply_count - int(seen), "url": url}
    return render(request, "community/thread.html#new-replies", context)


@require_GET
def thread_redirect(request, slug, thread_id):
    community = access_community(request.user, slug)
    thread = selectors.get_thread_or_404(community=community, thread_id=thread_id)
    return redirect(thread)


@require_GET
def post(request, slug, thread_id, thread_slug, post_id):
    """A post's own page: its context and its replies (the permalink, and where "continue
    this thread" leads)."""
    community = access_community(request.user, slug)
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


def _reply_form_response(request, context, *, status=200):
    if request.htmx:
        response = render(request, "community/thread_reply.html#reply-form", context, status=status)
        parent = context.get("parent")
        if parent is not None:
            response["HX-Retarget"] = f"#reply-slot-{parent.pk}"
            response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "community/thread_reply.html", context, status=status)


@require_http_methods(["GET", "POST"])
def reply(request, slug, thread_id):
    """GET: the reply form for ``?to=<post id>`` (a page, or a fragment for htmx).
    POST: the reply. htmx gets the new post to swap in; a plain form, a redirect to it."""
    community = access_community(request.user, slug)
    thread = selectors.get_thread_or_404(community=community, thread_id=thread_id)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")
    data = request.POST if request.method == "POST" else None
    parent_id = (data or request.GET).get("parent") or request.GET.get("to")
    parent = _parent_in_thread(thread, parent_id)
    context = {
        "community": community,
        "thread": thread,
        "parent": parent,
        "urls": _urls(community, thread),
    }
    if parent is None:
        context["problem"] = _("The post you are replying to does not exist in this thread.")
        return render(request, "community/thread_reply.html", context, status=400 if data else 404)
    try:
        actions.ensure_can_post(actor=request.user, community=community)
    except PermissionDenied as error:
        return _refused(request, error, community=community)
    initial = {"parent": parent.pk}
    if request.GET.get("quote") and not parent.is_deleted and not parent.moderation_state:
        initial["body"] = _quote(parent)
    form = ReplyForm(data, initial=initial, auto_id=f"reply-{parent.pk}-%s")
    context["form"] = form
    if data is None or not form.is_valid():
        return _reply_form_response(request, context, status=400 if data else 200)
    if "preview" in data:
        context["preview"] = _preview(
            request, community=community, body=form.cleaned_data["body"], form=form
        )
        return _reply_form_response(request, context)
    body = form.cleaned_data["body"]
    if links := ratelimits.link_error(user=request.user, community=community, body=body):
        form.add_error("body", links)
        return _reply_form_response(request, context, status=400)
    if limited := ratelimits.hit(
        user=request.user, action="post", community=community, token=form.cleaned_data["token"]
    ):
        form.add_error(None, limited.message)
        return ratelimits.mark(request, _reply_form_response(request, context), limited)
    try:
        new = actions.check_reply(
            actor=request.user,
            thread=thread,
            parent_id=form.cleaned_data["parent"],
            body=form.cleaned_data["body"],
            client_token=form.cleaned_data["token"],
        )
    except PermissionDenied as error:
        return _refused(request, error, community=community)
    except ValidationError as error:
        _add_errors(form, error)
        return _reply_form_response(request, context, status=400)
    if not request.htmx:
        return HttpResponseRedirect(_post_url(new))
    thread.refresh_from_db(fields=["reply_count", "last_activity_at"])  # the header's counts
    new.closes, new.out_of_context, new.continues, new.is_new = range(1), False, False, False
    # Its number in the reading order would cost a count; its heading says "Your reply".
    new.position, new.parent = None, parent
    context |= {"post": new, "may_post": True, "just_posted": True}
    if parent.is_root:
        context["root_form"] = ReplyForm(initial={"parent": parent.pk}, auto_id="reply-root-%s")
    return render(request, "community/thread_reply.html#posted", context)


def _parent_in_thread(thread, parent_id) -> Post | None:
    try:
        pk = int(parent_id)
    except (TypeError, ValueError):
        return None
    parent = Post.objects.filter(pk=pk, thread=thread).select_related("author").first()
    if parent is not None:
        parent.thread = thread
    return parent


def _quote(post: Post) -> str:
    quoted = "\n".join(f"> {line}" if line else ">" for line in post.body.splitlines())
    return f"@{post.author.username} wrote:\n\n{quoted}\n\n"


def _preview(request, *, community, body: str, form) -> str | None:
    """The rendered body for a form's "Preview" button without JavaScript; rate-limited
    like the htmx preview (a message on the form instead when over the limit)."""
    if limited := ratelimits.hit(user=request.user, action="preview"):
        form.add_error(None, limited.message)
        return None
    return actions.render_body(community=community, body=body)[0]


@login_required
@require_POST
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
    if limited := ratelimits.hit(user=request.user, action="preview"):
        context["rate_limited"] = limited
        response = render(request, "community/thread_preview.html", context)
        return ratelimits.mark(request, response, limited)
    context["preview"] = actions.render_body(community=community, body=body)[0]
    return render(request, "community/thread_preview.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, slug, post_id):
    community = access_community(request.user, slug)
    target = selectors.get_post_or_404(community=community, post_id=post_id)
    thread = target.thread
    initial = {"body": target.body, "title": thread.title}
    form = EditPostForm(
        (request.POST if request.method == "POST" else None),
        initial=initial,
        with_title=target.is_root,
    )
    context = {
        "community": community,
        "thread": thread,
        "post": target,
        "form": form,
        "urls": _urls(community, thread),
    }
    try:
        actions.ensure_author(actor=request.user, post=target)
    except PermissionDenied as error:
        return _refused(request, error, community=community)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:
            context["preview"] = _preview(
                request, community=community, body=data["body"], form=form
            )
            return render(request, "community/thread_edit.html", context)
        if limited := ratelimits.hit(user=request.user, action="edit"):
            return ratelimits.refuse(
                request, "community/thread_edit.html", context, form=form, limited=limited
            )
        try:
            actions.check_edit_post(
                actor=request.user, post=target, body=data["body"], title=data.get("title")
            )
        except PermissionDenied as error:
            return _refused(request, error, community=community)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return HttpResponseRedirect(_post_url(target))
    status = 400 if request.method == "POST" else 200
    return render(request, "community/thread_edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def delete(request, slug, post_id):
    community = access_community(request.user, slug)
    target = selectors.get_post_or_404(community=community, post_id=post_id)
    try:
        actions.ensure_author(actor=request.user, post=target)
    except PermissionDenied as error:
        return _refused(request, error, community=community)
    if request.method == "POST":
        actions.check_delete_post(actor=request.user, post=target)
        return HttpResponseRedirect(_post_url(target))
    context = {
        "community": community,
        "thread": target.thread,
        "post": target,
        "urls": _urls(community, target.thread),
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
        "urls": _urls(community, target.thread),
    }
    return render(request, "community/thread_revisions.html", context)
