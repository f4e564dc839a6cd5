"""The charter pages: the charter in force, affirming it, and its history of versions.

The charter is public for every community (people decide whether to join from it).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.permissions import can_read, get_community_or_404
from members import joining
from members.permissions import current_membership
from purposes import founding, selectors


def charter(request, slug):
    """The charter in force: public for every community, even a members-only one."""
    community = get_community_or_404(slug)
    community.parent  # noqa: B018 - loaded here for the lineage, not in the template
    if community.charter is None:
        raise Http404("No charter yet")
    membership = current_membership(request.user, community)
    return render(
        request,
        "purposes/charter.html",
        {
            "community": community,
            "can_read": can_read(request.user, community),
            "charter": community.charter,
            "offshoots": list(community.offshoots.exclude(state="dissolved").order_by("name")),
            "membership": membership,
            "affirmed": membership is not None
            and membership.affirmed_charter_id == community.charter_id,
        },
    )


@login_required
@require_POST
def affirm(request, slug):
    """Affirm (or re-affirm) the charter in force, then go back where the member was."""
    community = get_community_or_404(slug)
    try:
        if community.is_forming:  # an endorsement names the founding revision it read
            founding.check_endorse_founding_charter(
                actor=request.user, community=community, revision=request.POST.get("revision")
            )
        else:
            joining.check_affirm_charter(actor=request.user, community=community)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("You affirmed the charter, version %(v)s.") % {
            "v": community.charter.version})  # fmt: skip
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("purposes:charter", slug=slug)


def charter_history(request, slug):
    community = get_community_or_404(slug)
    return render(
        request,
        "purposes/charter_history.html",
        {
            "community": community,
            "can_read": can_read(request.user, community),
            "versions": selectors.charter_versions(community),
            "membership": current_membership(request.user, community),
        },
    )
