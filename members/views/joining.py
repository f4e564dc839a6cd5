"""Joining (by the join policy: at once, by application), leaving, and the list of members."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from community.models import Community
from community.permissions import access_community, community_context, get_community_or_404
from core.web import add_errors, posted
from members import applications, joining, selectors
from members.forms import AffirmForm, ApplicationForm
from members.views.common import after_joining, welcome
from purposes import founding
from purposes.models import JoinPolicy

MEMBERS_PER_PAGE = 100


@login_required
def join(request, slug):
    """The join page: the charter, then the form the join policy asks for."""
    community = get_community_or_404(slug)
    ctx = community_context(request.user, community)
    option = ctx["join_option"]
    if option.kind == "member":
        messages.info(request, _("You are already a member of this community."))
        return redirect(community)
    if option.kind == "invited":
        return redirect("members:invitation", pk=option.invitation.pk)
    by_application = community.charter.join_policy == JoinPolicy.APPLICATION
    form = (ApplicationForm if by_application else AffirmForm)(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            return (_apply if by_application else _join)(request, community, form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
    ctx = {"community": community, "charter": community.charter, "form": form} | ctx
    status = 400 if request.method == "POST" else 200
    return render(request, "members/join.html", ctx, status=status)


def _apply(request, community: Community, data: dict):
    applications.check_apply(
        actor=request.user,
        community=community,
        motivation=data["motivation"],
        affirmed=data["affirm"],
        # While forming, the founding charter's revision the page showed.
        revision=request.POST.get("revision") if community.is_forming else None,
    )
    messages.success(request, _("Your application was sent. You will be told when it is decided."))
    return redirect("members:join", slug=community.slug)


def _join(request, community: Community, data: dict):
    # A founder's join endorses the founding charter at the revision shown.
    founding.check_join_as_founder(
        actor=request.user,
        community=community,
        affirmed=data["affirm"],
        revision=request.POST.get("revision"),
    )
    after_joining(community)
    welcome(request, community)
    return redirect(community)


@login_required
def leave(request, slug):
    """Leaving: a confirmation, then one click. Posts stay; the row keeps left_at."""
    community = get_community_or_404(slug)
    ctx = community_context(request.user, community)
    if ctx["membership"] is None:
        messages.info(request, _("You are not a member of this community."))
        return redirect(community)
    if request.method == "POST":
        joining.check_leave(actor=request.user, community=community)
        messages.success(
            request,
            _("You left %(community)s. Your posts stay where they are.")
            % {"community": community.name},
        )
        return redirect(community)
    return render(request, "members/leave.html", {"community": community} | ctx)


def members(request, slug):
    community = access_community(request.user, slug)
    page = Paginator(selectors.current_members(community), MEMBERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    ctx = community_context(request.user, community)
    pending = (
        selectors.pending_applications(community).count() if ctx["can_see_applications"] else 0
    )
    return render(
        request,
        "members/members.html",
        {"community": community, "page": page, "pending_count": pending} | ctx,
    )
