"""Reviewing one queued post: a moderator's decision, or, where no moderator may review
it, an established member's vote to restore it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from community import selectors
from community.permissions import access_community
from core.web import add_errors
from members.permissions import has_moderators
from moderation.flags import flag_threshold
from moderation.forms import ReviewForm
from moderation.models import Flag, ModerationAction
from moderation.review import (
    check_review_post,
    check_vote_restore,
    in_queue,
    may_see_hidden_text,
    may_see_queue,
    moderators_review,
    review_refusal,
)
from moderation.views.common import refuse


def _review_context(request, community, post, form) -> dict:
    return {
        "community": community,
        "post": post,
        "form": form,
        "flags": list(Flag.objects.filter(post=post).select_related("flagger")),
        "history": list(
            ModerationAction.objects.filter(post=post).select_related("actor").order_by("-id")
        ),
        "refusal": review_refusal(request.user, post),
        "in_queue": in_queue(post),
        "moderated": moderators_review(post),
        "has_moderators": has_moderators(community),
        "show_text": may_see_hidden_text(request.user, post) or not post.is_hidden,
        "restore_votes": post.restore_votes.count(),
        "threshold": flag_threshold(community),
    }


@login_required
@require_http_methods(["GET", "POST"])
def review(request, slug, post_id):
    """One queued post: its flags and history, and the decision (moderators) or the
    restore vote (members, where there is no moderator)."""
    community = access_community(request.user, slug)
    post = selectors.get_post_or_404(community=community, post_id=post_id)
    if not may_see_queue(request.user, community):
        refusal = PermissionDenied(_("Only this community’s reviewers can open its review queue."))
        return refuse(request, refusal, community=community)
    if "restore_vote" in request.POST:
        return _vote_restore(request, community, post)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "GET":
        return render(
            request, "moderation/review.html", _review_context(request, community, post, form)
        )
    try:
        if form.is_valid():
            check_review_post(actor=request.user, post=post, **form.cleaned_data)
            messages.success(request, _("Your decision is applied and in the log."))
            return redirect("moderation:home", slug=slug)
    except PermissionDenied as error:
        return refuse(request, error, community=community)
    except ValidationError as error:
        add_errors(form, error)
    context = _review_context(request, community, post, form)
    return render(request, "moderation/review.html", context, status=400)


def _vote_restore(request, community, post):
    """A member's vote to restore the post; what stands in its way is said on the page."""
    try:
        check_vote_restore(actor=request.user, post=post)
    except PermissionDenied as error:
        return refuse(request, error, community=community)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your vote to restore the post is counted."))
    return redirect("moderation:review", slug=community.slug, post_id=post.pk)
