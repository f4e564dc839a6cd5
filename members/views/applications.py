"""Applications to a community: the list, one application (deciding it), withdrawing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.permissions import access_community, community_context, get_community_or_404
from core.web import add_errors, posted, say_error
from members import applications as actions
from members import selectors
from members.forms import DecisionForm
from members.permissions import (
    access_application,
    can_decide_application,
    can_see_applications,
    has_moderators,
)
from members.views.common import after_joining


@login_required
def applications(request, slug):
    community = access_community(request.user, slug)
    if not can_see_applications(request.user, community):
        raise PermissionDenied(_("Only members see the applications to this community."))
    pending = list(selectors.pending_applications(community))
    for application in pending:
        application.may_decide = can_decide_application(request.user, application)
    return render(
        request,
        "members/applications.html",
        {
            "community": community,
            "pending": pending,
            "decided": selectors.decided_applications(community),
            "community_has_moderators": has_moderators(community),
        }
        | community_context(request.user, community),
    )


@login_required
def application(request, slug, pk):
    """One application: read it; admit or decline it if you may."""
    community = get_community_or_404(slug)
    application = access_application(request.user, community, pk)
    may_decide = application.is_pending and can_decide_application(request.user, application)
    form = DecisionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        admit, reason = form.cleaned_data["admit"], form.cleaned_data["reason"]
        try:
            actions.check_decide_application(
                actor=request.user, application=application, admit=admit, reason=reason
            )
        except ValidationError as error:
            add_errors(form, error)
            application.refresh_from_db()
        else:
            return _decided(request, application, admit=admit)
    context = {"community": community, "application": application, "form": form}
    context |= {"may_decide": may_decide, "community_has_moderators": has_moderators(community)}
    status = 400 if request.method == "POST" else 200
    return render(request, "members/application.html", context, status=status)


def _decided(request, application, *, admit: bool):
    community = application.community
    if admit:
        after_joining(community)
        done = _("%(name)s is now a member.")
    else:
        done = _("The application of %(name)s was declined.")
    messages.success(request, done % {"name": application.user.shown_name})
    return redirect("members:applications", slug=community.slug)


@login_required
@require_POST
def withdraw_application(request, slug, pk):
    community = get_community_or_404(slug)
    application = access_application(request.user, community, pk)
    try:
        actions.check_withdraw_application(actor=request.user, application=application)
        messages.success(request, _("Your application was withdrawn."))
    except ValidationError as error:
        say_error(request, error)
    return redirect(community)
