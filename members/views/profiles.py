"""Profiles: a member's page, editing one's own, and the pictures."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET

from core.markdown import render_markdown
from core.web import add_errors, posted
from members import avatars, profiles, selectors
from members.forms import ProfileForm
from members.models import User
from members.permissions import can_edit_profile


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
    post, files = posted(request), request.FILES or None  # reading the body sets the flag
    too_large = getattr(request, "picture_too_large", False)
    form = ProfileForm(post, files, initial=initial, picture_too_large=too_large)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("avatar")
        try:
            profiles.check_update_profile(
                actor=request.user,
                user=profile_user,
                avatar=upload.read() if upload else None,
                **data,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect(profile_user)
    context = {"profile_user": profile_user, "form": form}
    status = 400 if request.method == "POST" else 200
    return render(request, "members/profile_edit.html", context, status=status)


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
