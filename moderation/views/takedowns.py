"""The staff takedown of a post, for a legal or abuse reason."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from community import selectors
from community.permissions import access_community, get_community_or_404
from core.web import add_errors
from moderation.forms import TakedownForm
from moderation.permissions import can_take_down
from moderation.takedowns import check_review_for_takedown, check_take_down
from moderation.views.common import refuse


@login_required
@require_http_methods(["GET", "POST"])
def takedown(request, slug, post_id):
    """Staff only. Found by address even in a members-only community (a legal request
    names the content), but only staff get past the check; others see a 404."""
    if not can_take_down(request.user):
        community = access_community(request.user, slug)
        refusal = PermissionDenied(_("Only platform staff can take content down."))
        return refuse(request, refusal, community=community)
    community = get_community_or_404(slug)
    post = selectors.get_post_or_404(community=community, post_id=post_id)
    # A members-only post is shown only once staff ask to read it: that read is logged.
    reviewing = request.method == "POST" and "review" in request.POST
    if reviewing:
        check_review_for_takedown(actor=request.user, post=post)
    form = TakedownForm(None if reviewing else (request.POST or None))
    context = {"community": community, "post": post, "form": form}
    context["show_text"] = community.is_public or reviewing
    if not (form.is_bound and form.is_valid()):
        return render(request, "moderation/takedown.html", context)
    try:
        check_take_down(actor=request.user, post=post, **form.cleaned_data)
    except ValidationError as error:
        add_errors(form, error)
        return render(request, "moderation/takedown.html", context, status=400)
    messages.success(request, _("The post is taken down; the reason is in the log."))
    return redirect("moderation:home", slug=slug)
