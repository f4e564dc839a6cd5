"""Founding a community: the founding form, the founding charter's edit page and the
endorsement page while it forms, and starting a new community from an existing one.

Shape: parse → access → action → render.
"""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from community.models import Community
from community.permissions import (
    access_community,
    can_edit_founding_charter,
    community_context,
    get_community_or_404,
)
from core.web import act, posted, say_error
from members.permissions import current_membership
from purposes import founding, selectors
from purposes.founding_forms import CharterForm, CommunityForm
from purposes.offshoots import check_start_offshoot

# Error codes of the founding action that belong next to one field of the form.
_FIELD_OF_ERROR = {"taken": "slug", "reserved": "slug", "invalid": "slug", "name": "name"}


def _has_verified_email(user) -> bool:
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def _founded_message(community: Community) -> str:
    if community.is_active:
        return _("%(name)s is founded and active.") % {"name": community.name}
    return _(
        "%(name)s is founded. It becomes active once %(quorum)d founders have endorsed "
        "its charter: share its address with the people you want to found it with."
    ) % {"name": community.name, "quorum": selectors.founding_status(community).quorum}


@login_required
def found(request):
    """Found a community: its name and address, then its founding charter."""
    if not _has_verified_email(request.user):
        raise PermissionDenied(_("Verify your email address before founding a community."))
    community_form = CommunityForm(posted(request), prefix="community")
    charter_form = CharterForm(posted(request), prefix="charter")
    valid = request.method == "POST" and community_form.is_valid() and charter_form.is_valid()
    if valid and (community := _found(request, community_form, charter_form)):
        messages.success(request, _founded_message(community))
        return redirect(community)
    context = {"community_form": community_form, "charter_form": charter_form}
    context["founding_quorum"] = settings.FOUNDING_QUORUM
    status = 400 if request.method == "POST" else 200
    return render(request, "purposes/found.html", context, status=status)


def _found(request, community_form, charter_form) -> Community | None:
    """The community founded, or None with the refusal next to the field it concerns."""
    data = community_form.cleaned_data
    try:
        return founding.check_found_community(
            actor=request.user, name=data["name"], slug=data["slug"], tagline=data["tagline"],
            visibility=data["visibility"], charter=charter_form.cleaned_data,
        )  # fmt: skip
    except ValidationError as error:
        community_form.add_error(_FIELD_OF_ERROR.get(error.code), error)
        return None


@login_required
def founding_edit(request, slug):
    """The founding charter's author edits it while the community forms."""
    community = get_community_or_404(slug)
    if not can_edit_founding_charter(request.user, community):
        raise PermissionDenied(
            _("Only the founder who wrote the founding charter can edit it, while it forms.")
        )
    initial = CharterForm.initial_from(community.charter)
    form = CharterForm(posted(request), initial=initial, prefix="charter")
    valid = request.method == "POST" and form.is_valid()
    if valid and act(
        form, founding.check_edit_founding_charter, actor=request.user, community=community,
        charter=form.cleaned_data,
    ):  # fmt: skip
        messages.success(request, _("The founding charter is saved. If it changed, the other "
                                    "founders need to endorse it again."))  # fmt: skip
        return redirect(community)
    status = 400 if request.method == "POST" else 200
    context = {"community": community, "form": form}
    return render(request, "purposes/founding_edit.html", context, status=status)


@login_required
def founding_endorse(request, slug):
    """A founder reads the founding charter as it stands and endorses it."""
    community = get_community_or_404(slug)
    if request.method == "POST":
        return _endorse(request, community)
    ctx = community_context(request.user, community)
    if not ctx["can_endorse"]:
        return redirect(community)
    context = {"community": community, "charter": community.charter} | ctx
    return render(request, "purposes/founding_endorse.html", context)


def _endorse(request, community: Community):
    try:
        founding.check_endorse_founding_charter(
            actor=request.user, community=community, revision=request.POST.get("revision")
        )
    except ValidationError as error:
        say_error(request, error)
        if error.code == "charter_changed":  # show the charter as it is now
            return redirect("purposes:founding_endorse", slug=community.slug)
        return redirect(community)
    community.refresh_from_db()
    if community.is_active:
        done = _("You endorsed the charter, and %(name)s is now active.")
        messages.success(request, done % {"name": community.name})
    else:
        messages.success(request, _("You endorsed the founding charter."))
    return redirect(community)


@login_required
@require_http_methods(["GET", "POST"])
def offshoot(request, slug):
    """Start a new community from this one: the founding form, pre-filled with a copy of
    this community's charter (R4)."""
    parent = access_community(request.user, slug)
    if current_membership(request.user, parent) is None or parent.is_dissolved:
        raise Http404("Only members may start a community from this one")
    community_form = CommunityForm(request.POST or None, prefix="community")
    charter_form = CharterForm(
        request.POST or None, initial=CharterForm.initial_from(parent.charter), prefix="charter"
    )
    valid = request.method == "POST" and community_form.is_valid() and charter_form.is_valid()
    data = valid and community_form.cleaned_data
    if data and (child := act(
        community_form, check_start_offshoot, actor=request.user, parent=parent,
        name=data["name"], slug=data["slug"], tagline=data["tagline"],
        visibility=data["visibility"], charter=charter_form.cleaned_data,
    )):  # fmt: skip
        done = _("%(name)s is founded, grown out of %(parent)s.")
        messages.success(request, done % {"name": child.name, "parent": parent.name})
        return redirect(child)
    context = {"community": parent, "can_read": True, "community_form": community_form}
    context |= {
        "charter_form": charter_form,
        "membership": current_membership(request.user, parent),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "purposes/offshoot.html", context, status=status)
