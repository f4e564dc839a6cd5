"""Communities: the directory, founding one, its home page, and the founding charter
while it forms (issue 3). Shape: parse → access → action → render."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from community import selectors as community_selectors
from community.models import Community
from community.permissions import can_edit_founding_charter, community_context, get_community_or_404
from engagement import snapshots
from members import selectors as member_selectors
from purposes import founding
from purposes import selectors as purpose_selectors
from purposes.founding_forms import CharterForm, CommunityForm

COMMUNITIES_PER_PAGE = 20
FORMING_SHOWN = 12
MAX_QUERY_CHARS = 100

# Error codes of the founding action that belong next to one field of the form.
_FIELD_OF_ERROR = {"taken": "slug", "reserved": "slug", "invalid": "slug", "name": "name"}


def _posted(request):
    """The POST data, or None on GET: an empty POST still binds a form (and fails it)."""
    return request.POST if request.method == "POST" else None


@require_GET
def directory(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_CHARS]
    active = member_selectors.directory_communities(state=Community.State.ACTIVE, query=query)
    page = Paginator(active, COMMUNITIES_PER_PAGE).get_page(request.GET.get("page"))
    forming = []
    if page.number == 1:
        forming = list(
            member_selectors.directory_communities(state=Community.State.FORMING, query=query)[
                :FORMING_SHOWN
            ]
        )
    return render(
        request,
        "community/directory.html",
        {
            "query": query,
            "page": page,
            "forming": forming,
            "my_ids": member_selectors.member_community_ids(request.user),
            "founding_quorum": settings.FOUNDING_QUORUM,
        },
    )


def _has_verified_email(user) -> bool:
    return EmailAddress.objects.filter(user=user, verified=True).exists()


@login_required
def new(request):
    """Found a community: its name and address, then its founding charter."""
    if not _has_verified_email(request.user):
        raise PermissionDenied(_("Verify your email address before founding a community."))
    community_form = CommunityForm(_posted(request), prefix="community")
    charter_form = CharterForm(_posted(request), prefix="charter")
    status = 200
    if request.method == "POST":
        if community_form.is_valid() and charter_form.is_valid():
            data = community_form.cleaned_data
            try:
                community = founding.check_found_community(
                    actor=request.user,
                    name=data["name"],
                    slug=data["slug"],
                    tagline=data["tagline"],
                    visibility=data["visibility"],
                    charter=charter_form.cleaned_data,
                )
                messages.success(request, _founded_message(community))
                return redirect(community)
            except ValidationError as error:
                community_form.add_error(_FIELD_OF_ERROR.get(error.code), error)
        status = 400
    return render(
        request,
        "community/new.html",
        {
            "community_form": community_form,
            "charter_form": charter_form,
            "founding_quorum": settings.FOUNDING_QUORUM,
        },
        status=status,
    )


def _founded_message(community: Community) -> str:
    if community.is_active:
        return _("%(name)s is founded and active.") % {"name": community.name}
    return _(
        "%(name)s is founded. It becomes active once %(quorum)d founders have endorsed "
        "its charter: share its address with the people you want to found it with."
    ) % {"name": community.name, "quorum": founding.founding_status(community).quorum}


@require_GET
def home(request, slug):
    """The community's home. Outsiders of a members-only community see only what is
    public (name, tagline, purpose and goals, which are the charter) and the way in."""
    community = get_community_or_404(slug)
    ctx = community_context(request.user, community)
    extra = {}
    if ctx["can_read"]:
        extra["member_count"] = member_selectors.member_count(community)
        extra["threads"] = community_selectors.recent_threads(community=community)
        extra["stage"] = snapshots.stages_of([community.pk]).get(community.pk)
        if community.is_active:
            extra["deciding"] = purpose_selectors.deciding_now(community)
            extra["now"] = timezone.now()
        if community.is_forming:
            extra["founding"] = founding.founding_status(community)
    return render(
        request,
        "community/home.html",
        {"community": community, "charter": community.charter} | ctx | extra,
    )


@login_required
def founding_edit(request, slug):
    """The founding charter's author edits it while the community forms."""
    community = get_community_or_404(slug)
    if not can_edit_founding_charter(request.user, community):
        raise PermissionDenied(
            _("Only the founder who wrote the founding charter can edit it, while it forms.")
        )
    form = CharterForm(
        _posted(request), initial=CharterForm.initial_from(community.charter), prefix="charter"
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                founding.check_edit_founding_charter(
                    actor=request.user, community=community, charter=form.cleaned_data
                )
                messages.success(
                    request,
                    _(
                        "The founding charter is saved. If it changed, the other founders "
                        "need to endorse it again."
                    ),
                )
                return redirect(community)
            except ValidationError as error:
                form.add_error(None, error)
        status = 400
    return render(
        request,
        "community/founding_edit.html",
        {"community": community, "form": form},
        status=status,
    )


@login_required
def founding_endorse(request, slug):
    """A founder reads the founding charter as it stands and endorses it."""
    community = get_community_or_404(slug)
    ctx = community_context(request.user, community)
    if request.method == "POST":
        try:
            founding.check_endorse_founding_charter(
                actor=request.user, community=community, revision=request.POST.get("revision")
            )
            community.refresh_from_db()
            if community.is_active:
                messages.success(
                    request,
                    _("You endorsed the charter, and %(name)s is now active.")
                    % {"name": community.name},
                )
            else:
                messages.success(request, _("You endorsed the founding charter."))
            return redirect(community)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            if error.code == "charter_changed":  # show the charter as it is now
                return redirect("community:founding_endorse", slug=community.slug)
            return redirect(community)
    if not ctx["can_endorse"]:
        return redirect(community)
    return render(
        request,
        "community/founding_endorse.html",
        {"community": community, "charter": community.charter} | ctx,
    )
