"""Invitations: inviting someone, one's own open invitations, accepting or declining one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import ratelimits
from community.permissions import access_community, community_context
from core.web import add_errors, posted, say_error
from members import invitations as actions
from members import selectors
from members.forms import AffirmForm, InviteForm
from members.permissions import access_invitation
from members.views.common import after_joining, welcome
from purposes import founding


@login_required
@ratelimits.rate_limited("invitation")
def invite(request, slug):
    community = access_community(request.user, slug)
    ctx = community_context(request.user, community)
    if not ctx["can_invite"]:
        raise PermissionDenied(_("Only members of this community can invite."))
    form = InviteForm(posted(request))
    ctx = {"community": community, "form": form} | ctx
    # A few a day: over the limit the form comes back with the name typed.
    if request.method == "POST" and form.is_valid() and not request.rate_limit.exceeded(form=form):
        try:
            return _invite(request, community, form.cleaned_data["username"])
        except ValidationError as error:
            form.add_error("username", error)
    status = 400 if request.method == "POST" else 200
    return render(request, "members/invite.html", ctx, status=status)


def _invite(request, community, username: str):
    invitation = actions.check_invite(actor=request.user, community=community, username=username)
    name = invitation.invitee.shown_name
    messages.success(
        request, _("%(name)s is invited. It is up to them to accept.") % {"name": name}
    )
    return redirect("members:invite", slug=community.slug)


@login_required
def invitations(request):
    return render(
        request,
        "members/invitations.html",
        {"invitations": selectors.open_invitations(request.user)},
    )


@login_required
def invitation(request, pk):
    """An invitation: the charter, then accept (affirming it) or decline."""
    invitation = access_invitation(request.user, pk)
    community = invitation.community
    form = AffirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            # Accepting joins, which while forming endorses the revision shown.
            founding.check_accept_invitation_as_founder(
                actor=request.user,
                invitation=invitation,
                affirmed=form.cleaned_data["affirm"],
                revision=request.POST.get("revision"),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            after_joining(community)
            welcome(request, community)
            return redirect(community)
    context = {"invitation": invitation, "community": community, "form": form}
    context["charter"] = community.charter
    status = 400 if request.method == "POST" else 200
    return render(request, "members/invitation.html", context, status=status)


@login_required
@require_POST
def decline_invitation(request, pk):
    invitation = access_invitation(request.user, pk)
    try:
        actions.check_decline_invitation(actor=request.user, invitation=invitation)
        messages.success(
            request,
            _("You declined the invitation to %(community)s.")
            % {"community": invitation.community.name},
        )
    except ValidationError as error:
        say_error(request, error)
    return redirect("members:invitations")
