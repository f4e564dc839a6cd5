"""A community's archive for its members, the staff's import page, the claim page of an
imported community and the earlier history it brought. Shape: parse → access → action →
render."""

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community.permissions import get_community_or_404
from core.web import add_errors, refused
from members.permissions import is_member
from portability import claims, exports, selectors
from portability.archive import ArchiveError, read_archive
from portability.forms import AcceptPlaceForm, ClaimForm, ConfirmImportForm, ImportForm
from portability.importing import do_import_community
from portability.models import ArchiveBuild
from portability.permissions import access_archive, access_history, require_import

REFUSED = "portability/refused.html"
BALLOTS_PER_PAGE = 50


def _archive_or_refuse(request, slug):
    try:
        return access_archive(request.user, slug), None
    except PermissionDenied as error:
        community = get_community_or_404(slug)
        return None, refused(request, error, template=REFUSED, context={"community": community})


@login_required
@require_http_methods(["GET", "POST"])
def archive(request, slug):
    """The page where a member asks for the archive and, once built, downloads it."""
    community, refusal = _archive_or_refuse(request, slug)
    if refusal:
        return refusal
    status = 200
    headers = {}
    if request.method == "POST":
        try:
            asked = exports.check_request_archive(actor=request.user, community=community)
        except exports.TooSoon as error:
            messages.error(request, error.messages[0])
            status, headers = 429, {"Retry-After": str(error.retry_after)}
        else:
            messages.success(request, _(SAID[asked.outcome]))
            return redirect("portability:archive", slug=slug)
    context = {"community": community, "build": selectors.latest_build(community)}
    response = render(request, "portability/archive.html", context, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


SAID = {
    "queued": "Your archive is being prepared. This page shows when it is ready.",
    "joined": "An archive is being prepared already; this page shows when it is ready.",
    "reused": "Nothing has changed since the last archive was made: here it is.",
}


@login_required
@require_GET
def archive_status(request, slug):
    """What the archive page polls while a build is queued or in progress."""
    community, refusal = _archive_or_refuse(request, slug)
    if refusal:
        return refusal
    context = {"community": community, "build": selectors.latest_build(community)}
    return render(request, "portability/archive.html#status", context)


@login_required
@require_GET
def archive_download(request, slug, build_id):
    community, refusal = _archive_or_refuse(request, slug)
    if refusal:
        return refusal
    build = ArchiveBuild.objects.filter(
        pk=build_id, community=community, state=ArchiveBuild.State.READY
    ).first()
    if build is None:
        raise Http404("No such archive")
    name = f"{community.slug}-archive-{build.finished_at:%Y-%m-%d}.zip"
    return HttpResponse(
        bytes(build.data),
        content_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Archive-SHA256": build.sha256,
        },
    )


# --- Import (staff) -----------------------------------------------------------------------


def _upload_dir():
    path = settings.VAR_DIR / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@login_required
@require_http_methods(["GET", "POST"])
def import_archive(request):
    """Staff upload an archive, read what it holds (or why it is refused), then confirm.
    The checked upload waits in var/imports/ under its SHA-256 until confirmed."""
    require_import(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["archive"]
        try:
            verified = read_archive(upload.file)
        except ArchiveError as refusal:
            form.add_error("archive", str(refusal))
            return render(request, "portability/import.html", context, status=400)
        (_upload_dir() / f"{verified.sha256}.zip").write_bytes(_read_upload(upload))
        context["archive"] = verified
        context["confirm"] = ConfirmImportForm(
            initial={"sha256": verified.sha256, "slug": verified.slug}
        )
    return render(request, "portability/import.html", context)


def _read_upload(upload) -> bytes:
    upload.seek(0)
    return upload.read()


@login_required
@require_POST
def import_confirm(request):
    require_import(request.user)
    confirm = ConfirmImportForm(request.POST)
    sha = request.POST.get("sha256", "")
    path = _upload_dir() / f"{sha}.zip" if re.fullmatch(r"[0-9a-f]{64}", sha) else None
    if path is None or not path.is_file():
        messages.error(request, _("That upload is no longer here: upload the archive again."))
        return redirect("portability:import")
    verified = read_archive(path)
    context = {"form": ImportForm(), "archive": verified, "confirm": confirm}
    if not confirm.is_valid():
        return render(request, "portability/import.html", context, status=400)
    try:
        community, made = do_import_community(archive=verified, slug=confirm.cleaned_data["slug"])
    except ArchiveError as refusal:
        confirm.add_error(None, str(refusal))
        return render(request, "portability/import.html", context, status=400)
    path.unlink(missing_ok=True)
    if made:
        messages.success(
            request,
            _("Imported, forming, with no members: send the claim links through its old home."),
        )
    else:
        messages.info(request, _("This archive was imported before: nothing changed."))
    return redirect(community)


# --- Claims (the new home) ----------------------------------------------------------------


def _claim_context(request, community, **extra):
    source = selectors.imported_source(community.pk)
    if source is None:
        raise Http404("Not an imported community")
    claim = selectors.claim_of(request.user, source)
    member = is_member(request.user, community)
    return {"community": community, "source": source, "claim": claim, "is_member": member} | extra


@login_required
@require_http_methods(["GET", "POST"])
def claim(request, slug):
    """A former member pastes (or follows the link with) the token their old home sent."""
    community = get_community_or_404(slug)
    initial = {"token": request.GET.get("token", "")[:2000]}
    form = ClaimForm(request.POST or None, initial=initial)
    context = _claim_context(request, community, form=form, accept=AcceptPlaceForm())
    if request.method == "POST" and form.is_valid():
        try:
            claims.check_claim_place(
                actor=request.user, community=community, token=form.cleaned_data["token"]
            )
        except ValidationError as error:
            add_errors(form, error)
            return render(request, "portability/claim.html", context, status=400)
        messages.success(request, _("Your place is claimed. Join as a founder below."))
        return redirect("portability:claim", slug=slug)
    return render(request, "portability/claim.html", context)


@login_required
@require_POST
def claim_accept(request, slug):
    community = get_community_or_404(slug)
    accept = AcceptPlaceForm(request.POST)
    accept.is_valid()
    try:
        claims.check_accept_place(
            actor=request.user, community=community, affirmed=accept.cleaned_data["affirmed"]
        )
    except ValidationError as error:
        add_errors(accept, error)
        context = _claim_context(request, community, form=ClaimForm(), accept=accept)
        return render(request, "portability/claim.html", context, status=400)
    messages.success(request, _("You are a founder of %(c)s again.") % {"c": community.name})
    return redirect(community)


# --- Earlier history (an imported community) ----------------------------------------------


def _number_param(request, name: str, default: int) -> int:
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdecimal() and len(value) < 10 else default


@require_GET
def history(request, slug):
    """What an imported community brought from its former home: its threads, proposals,
    charter versions and moderation log, read-only."""
    community, source = access_history(request.user, slug)
    context = {
        "community": community,
        "source": source,
        "threads": selectors.history_threads(source, request.GET.get("page")),
        "proposals": selectors.history_proposals(source, request.GET.get("proposals")),
        "charters": selectors.history_charters(source),
        "log": selectors.history_log(source, request.GET.get("log")),
    }
    return render(request, "portability/history.html", context)


@require_GET
def history_thread(request, slug, number):
    community, source = access_history(request.user, slug)
    after = _number_param(request, "after", 0)
    page = selectors.history_thread_page(source, number, after=after)
    if page is None:
        raise Http404("No such thread in this history")
    context = {"community": community, "source": source, "page": page, "after": after}
    return render(request, "portability/history_thread.html", context)


@require_GET
def history_proposal(request, slug, number):
    community, source = access_history(request.user, slug)
    proposal = selectors.history_proposal(source, number)
    if proposal is None:
        raise Http404("No such proposal in this history")
    context = {
        "community": community,
        "source": source,
        "proposal": proposal,
        "votes": selectors.history_votes(source, number, request.GET.get("votes")),
        "ballots": Paginator(proposal.ballots, BALLOTS_PER_PAGE).get_page(
            request.GET.get("ballots")
        ),
    }
    return render(request, "portability/history_proposal.html", context)
