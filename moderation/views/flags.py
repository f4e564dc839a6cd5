"""Flagging a post: the form under the post (htmx) or on its own page, and the flag."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from community import ratelimits, selectors
from community.permissions import access_community
from core.web import add_errors
from moderation.flags import check_flag_post
from moderation.forms import FlagForm
from moderation.permissions import can_flag
from moderation.views.common import refuse


def _charter_points(community) -> list[str]:
    charter = community.charter
    if charter is None:
        return []
    return [_("Goal: %(goal)s") % {"goal": goal} for goal in charter.goals] + [
        _("The charter’s purpose"),
        _("Another rule of the charter"),
    ]


@login_required
@require_http_methods(["GET", "POST"])
@ratelimits.rate_limited("flag")
def flag_post(request, slug, post_id):
    """GET: the flag form (a page, or a fragment under the post for htmx). POST: the flag."""
    community = access_community(request.user, slug)
    post = selectors.get_post_or_404(community=community, post_id=post_id)
    form = FlagForm(request.POST or None, points=_charter_points(community))
    template = "moderation/_flag_form.html" if request.htmx else "moderation/flag.html"
    context = {"community": community, "post": post, "form": form}
    if not can_flag(request.user, post):
        return _why_not(request, template, context)
    if request.method == "GET" or not form.is_valid() or request.rate_limit.exceeded(form=form):
        return render(request, template, context, status=400 if request.method == "POST" else 200)
    try:
        context["flag"] = check_flag_post(actor=request.user, post=post, **form.cleaned_data)
    except PermissionDenied as error:
        return refuse(request, error, community=community)
    except ValidationError as error:
        add_errors(form, error)
        return render(request, template, context, status=400)
    return _flagged(request, post, context)


def _why_not(request, template, context):
    """Say why the viewer may not flag this post, in the action's words: asked with no
    reason, the action always refuses, with the first thing that stands in the way."""
    form, community = context["form"], context["community"]
    try:
        check_flag_post(actor=request.user, post=context["post"], reason="")
    except PermissionDenied as error:
        return refuse(request, error, community=community)
    except ValidationError as error:
        if not form.is_bound:  # a GET or an empty POST: nothing typed, so say why not
            return refuse(request, PermissionDenied(" ".join(error.messages)), community=community)
        add_errors(form, error)
    return render(request, template, context, status=400)


def _flagged(request, post, context):
    """After the flag: htmx swaps a thank-you in for the form; a plain POST goes back to
    the post with a message that says whether the flag hid it."""
    post.refresh_from_db(fields=["moderation_state"])
    if request.htmx:
        return render(request, "moderation/_flag_done.html", context)
    messages.success(
        request,
        _("Thank you: the post is flagged and now hidden while members review it.")
        if post.is_hidden
        else _("Thank you: the post is flagged. Reviewers will look at it."),
    )
    return redirect(post.get_absolute_url())
