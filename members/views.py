"""Views of the members app: joining, applying, inviting, leaving, members, profiles.

Every view acts for ``request.user`` only: no view takes another user to add, remove or
change (R1). Shape: parse → access → action → render.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from community import ratelimits
from community.models import Community
from community.permissions import access_community, community_context, get_community_or_404
from core.markdown import render_markdown
from members import account_data, actions, avatars, selectors
from members.forms import AffirmForm, ApplicationForm, DecisionForm, InviteForm, ProfileForm
from members.models import Application, Invitation, User
from members.permissions import (
    can_decide_application,
    can_edit_profile,
    can_see_applications,
    has_moderators,
)
from purposes import founding
from purposes.models import JoinPolicy

MEMBERS_PER_PAGE = 100


def _posted(request):
    """The POST data, or None on GET: an empty POST still binds a form (and fails it)."""
    return request.POST if request.method == "POST" else None


def _after_joining(community: Community) -> None:
    """A new founder may complete a forming community's quorum."""
    if community.is_forming:
        founding.do_activate_if_quorum(community=community)


def _welcome(request, community: Community) -> None:
    community.refresh_from_db(fields=["state"])
    if community.is_forming:
        messages.success(
            request,
            _("You joined %(community)s as a founder and endorsed its founding charter.")
            % {"community": community.name},
        )
    else:
        messages.success(request, _("Welcome to %(community)s.") % {"community": community.name})


def _error_messages(error: ValidationError) -> str:
    return " ".join(error.messages)


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
    form_class = ApplicationForm if by_application else AffirmForm
    form = form_class(_posted(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if by_application:
                    actions.check_apply(
                        actor=request.user,
                        community=community,
                        motivation=form.cleaned_data["motivation"],
                        affirmed=form.cleaned_data["affirm"],
                        # While forming, the founding charter's revision the page showed.
                        revision=request.POST.get("revision") if community.is_forming else None,
                    )
                    messages.success(
                        request,
                        _("Your application was sent. You will be told when it is decided."),
                    )
                    return redirect("members:join", slug=community.slug)
                # A founder's join endorses the founding charter at the revision shown.
                founding.check_join_as_founder(
                    actor=request.user,
                    community=community,
                    affirmed=form.cleaned_data["affirm"],
                    revision=request.POST.get("revision"),
                )
                _after_joining(community)
                _welcome(request, community)
                return redirect(community)
            except ValidationError as error:
                form.add_error(None, error)
        status = 400
    return render(
        request,
        "members/join.html",
        {"community": community, "charter": community.charter, "form": form} | ctx,
        status=status,
    )


@login_required
def leave(request, slug):
    """Leaving: a confirmation, then one click. Posts stay; the row keeps left_at."""
    community = get_community_or_404(slug)
    ctx = community_context(request.user, community)
    if ctx["membership"] is None:
        messages.info(request, _("You are not a member of this community."))
        return redirect(community)
    if request.method == "POST":
        actions.check_leave(actor=request.user, community=community)
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


def _access_application(user, community: Community, pk: int) -> Application:
    """The applicant and the community's members see an application; others get a 404."""
    application = get_object_or_404(
        Application.objects.select_related("user", "decided_by", "community"),
        pk=pk,
        community=community,
    )
    if application.user_id != user.pk and not can_see_applications(user, community):
        raise Http404("No such application")
    return application


@login_required
def application(request, slug, pk):
    """One application: read it; admit or decline it if you may."""
    community = get_community_or_404(slug)
    application = _access_application(request.user, community, pk)
    may_decide = application.is_pending and can_decide_application(request.user, application)
    form = DecisionForm(_posted(request))
    status = 200
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision not in {"admit", "decline"}:
            form.add_error(None, _("Choose to admit or to decline."))
        elif form.is_valid():
            try:
                actions.check_decide_application(
                    actor=request.user,
                    application=application,
                    admit=decision == "admit",
                    reason=form.cleaned_data["reason"],
                )
                if decision == "admit":
                    _after_joining(community)
                done = (
                    _("%(name)s is now a member.")
                    if decision == "admit"
                    else _("The application of %(name)s was declined.")
                )
                messages.success(request, done % {"name": application.user.shown_name})
                return redirect("members:applications", slug=community.slug)
            except ValidationError as error:
                form.add_error(None, error)
                application.refresh_from_db()
        status = 400
    return render(
        request,
        "members/application.html",
        {
            "community": community,
            "application": application,
            "form": form,
            "may_decide": may_decide,
            "community_has_moderators": has_moderators(community),
        },
        status=status,
    )


@login_required
@require_POST
def withdraw_application(request, slug, pk):
    community = get_community_or_404(slug)
    application = _access_application(request.user, community, pk)
    try:
        actions.check_withdraw_application(actor=request.user, application=application)
        messages.success(request, _("Your application was withdrawn."))
    except ValidationError as error:
        messages.error(request, _error_messages(error))
    return redirect(community)


@login_required
def invite(request, slug):
    community = access_community(request.user, slug)
    ctx = community_context(request.user, community)
    if not ctx["can_invite"]:
        raise PermissionDenied(_("Only members of this community can invite."))
    form = InviteForm(_posted(request))
    status = 200
    if request.method == "POST":
        limited = form.is_valid() and ratelimits.hit(user=request.user, action="invitation")
        if limited:  # 10 a day (issue 6): the form comes back with the name typed
            ctx = {"community": community, "form": form} | ctx
            return ratelimits.refuse(
                request, "members/invite.html", ctx, form=form, limited=limited
            )
        if form.is_valid():
            try:
                invitation = actions.check_invite(
                    actor=request.user, community=community, username=form.cleaned_data["username"]
                )
                messages.success(
                    request,
                    _("%(name)s is invited. It is up to them to accept.")
                    % {"name": invitation.invitee.shown_name},
                )
                return redirect("members:invite", slug=community.slug)
            except ValidationError as error:
                form.add_error("username", error)
        status = 400
    return render(
        request, "members/invite.html", {"community": community, "form": form} | ctx, status=status
    )


@login_required
def invitations(request):
    return render(
        request,
        "members/invitations.html",
        {"invitations": selectors.open_invitations(request.user)},
    )


def _access_invitation(user, pk: int) -> Invitation:
    """One's own invitations only: someone else's is a 404."""
    return get_object_or_404(
        Invitation.objects.select_related("community__charter", "inviter"), pk=pk, invitee=user
    )


@login_required
def invitation(request, pk):
    """An invitation: the charter, then accept (affirming it) or decline."""
    invitation = _access_invitation(request.user, pk)
    community = invitation.community
    form = AffirmForm(_posted(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                # Accepting joins, which while forming endorses the revision shown.
                founding.check_accept_invitation_as_founder(
                    actor=request.user,
                    invitation=invitation,
                    affirmed=form.cleaned_data["affirm"],
                    revision=request.POST.get("revision"),
                )
                _after_joining(community)
                _welcome(request, community)
                return redirect(community)
            except ValidationError as error:
                form.add_error(None, error)
        status = 400
    return render(
        request,
        "members/invitation.html",
        {
            "invitation": invitation,
            "community": community,
            "charter": community.charter,
            "form": form,
        },
        status=status,
    )


@login_required
@require_POST
def decline_invitation(request, pk):
    invitation = _access_invitation(request.user, pk)
    try:
        actions.check_decline_invitation(actor=request.user, invitation=invitation)
        messages.success(
            request,
            _("You declined the invitation to %(community)s.")
            % {"community": invitation.community.name},
        )
    except ValidationError as error:
        messages.error(request, _error_messages(error))
    return redirect("members:invitations")


@require_GET
def platform_log(request):
    """The public log of what platform staff did: locks, unlocks, takedowns (R2)."""
    return render(request, "members/platform_log.html", {"log": selectors.platform_log()})


def profile(request, username):
    profile_user = get_object_or_404(User, username=username, is_active=True)
    return render(
        request,
        "members/profile.html",
        {
            "profile_user": profile_user,
            "bio_html": mark_safe(render_markdown(profile_user.bio)),  # noqa: S308 (sanitised)
            "memberships": selectors.profile_memberships(
                profile_user=profile_user, viewer=request.user
            ),
            "can_edit": can_edit_profile(request.user, profile_user),
        },
    )


class _PictureSizeLimit(FileUploadHandler):
    """Stops keeping an upload once it passes the picture limit, so a huge file is never
    held in memory or spooled to disk; the rest of the form still arrives."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > avatars.MAX_AVATAR_BYTES:
            self.request.picture_too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


# The upload limit must be in place before anything reads the body, and the CSRF check
# reads it: so the check runs inside, once the limit is set.
@csrf_exempt
@login_required
def profile_edit(request, username):
    request.upload_handlers.insert(0, _PictureSizeLimit(request))
    return _profile_edit(request, username)


@csrf_protect
def _profile_edit(request, username):
    profile_user = get_object_or_404(User, username=username, is_active=True)
    if not can_edit_profile(request.user, profile_user):
        raise PermissionDenied(_("You can only edit your own profile."))
    initial = {"display_name": profile_user.display_name, "bio": profile_user.bio}
    form = ProfileForm(_posted(request), request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        if getattr(request, "picture_too_large", False):
            form.add_error("avatar", _("The picture is too large: 5 MB at most."))
        if form.is_valid():
            data = dict(form.cleaned_data)
            upload = data.pop("avatar")
            try:
                actions.check_update_profile(
                    actor=request.user,
                    user=profile_user,
                    avatar=upload.read() if upload else None,
                    **data,
                )
                messages.success(request, _("Your profile is saved."))
                return redirect(profile_user)
            except ValidationError as error:
                form.add_error(None, error)
        status = 400
    return render(
        request,
        "members/profile_edit.html",
        {"profile_user": profile_user, "form": form},
        status=status,
    )


@require_GET
def avatar(request, username, key):
    """A member's uploaded picture. The URL names the picture's digest, so a response may
    be cached for ever; an outdated URL is sent on to the current one."""
    found = selectors.avatar_of(username=username)
    if found is None:
        raise Http404("No such picture")
    user, picture = found
    if user.avatar_key != key:
        return redirect("members:avatar", username=user.username, key=user.avatar_key)
    etag = f'"{key}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(bytes(picture.image), content_type=picture.content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["ETag"] = etag
    return response


@require_GET
def default_avatar(request, letters, shade):
    """The generated picture for members without one: initials on a coloured disc. The
    same for everyone with those initials and colour, so cached for ever."""
    svg = avatars.default_svg(letters, shade)
    if svg is None:
        raise Http404("No such picture")
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    # Shown only through <img>; even opened directly it may run nothing.
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


# --- One's own data: export and account deletion (issue 9) ------------------------------


def _own_account(request, username):
    """The signed-in user's own account; anyone else's is a 404 (nothing to see there)."""
    if request.user.username != username:
        raise Http404("No such page")
    return request.user


@login_required
@require_GET
def export_data(request, username):
    user = _own_account(request, username)
    response = JsonResponse(
        account_data.export_user_data(user=user), json_dumps_params={"indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="commons-{user.username}.json"'
    response["Cache-Control"] = "no-store"
    return response


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_lazy("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_lazy("To be sure it is you."),
    )


@login_required
def account_delete(request, username):
    """Confirm with the password, then anonymise the account and sign out."""
    user = _own_account(request, username)
    form = DeleteAccountForm(_posted(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                account_data.check_delete_account(
                    actor=user, user=user, password=form.cleaned_data["password"]
                )
                logout(request)
                messages.success(request, _("Your account is deleted. Thank you for being here."))
                return redirect("home")
            except ValidationError as error:
                form.add_error(None, error)
        status = 400
    return render(
        request, "members/account_delete.html", {"profile_user": user, "form": form}, status=status
    )
