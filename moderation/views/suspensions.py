"""Suspending a member: the form, for moderators in term."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from community.permissions import access_community
from core.web import add_errors
from moderation.forms import SuspendForm
from moderation.permissions import can_moderate
from moderation.suspensions import MAX_SUSPENSION_DAYS, check_suspend_member
from moderation.views.common import refuse


@login_required
@require_http_methods(["GET", "POST"])
def suspend(request, slug):
    community = access_community(request.user, slug)
    if not can_moderate(request.user, community):
        refusal = PermissionDenied(_("Only elected moderators in term can suspend members."))
        return refuse(request, refusal, community=community)
    form = SuspendForm(request.POST or None, initial={"username": request.GET.get("member", "")})
    context = {"community": community, "form": form, "max_days": MAX_SUSPENSION_DAYS}
    if request.method == "GET":
        return render(request, "moderation/suspend.html", context)
    try:
        if form.is_valid():
            check_suspend_member(actor=request.user, community=community, **form.cleaned_data)
            messages.success(request, _("The member is suspended; it is in the log."))
            return redirect("moderation:home", slug=slug)
    except PermissionDenied as error:
        return refuse(request, error, community=community)
    except ValidationError as error:
        add_errors(form, error)
    return render(request, "moderation/suspend.html", context, status=400)
