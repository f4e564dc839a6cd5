"""The token settings page: make a personal access token (its secret shown once), see one's
tokens with their last use, revoke one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from api import tokens
from api.forms import TokenForm
from api.models import PersonalAccessToken
from core.web import act, posted


def _page(request, form, *, secret=None, made=None, status=200):
    context = {
        "form": form,
        "tokens": PersonalAccessToken.objects.filter(user=request.user),
        "secret": secret,
        "made": made,
    }
    return render(request, "api/tokens.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def token_settings(request):
    """GET: the list and the form. POST: make a token and show its secret on this very
    response (never stored, never shown again; not a redirect, which would lose it)."""
    form = TokenForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made = act(
            form, tokens.check_create_token, actor=request.user, name=data["name"],
            scopes=data["scopes"], days=data["days"],
        )  # fmt: skip
        if made is not None:
            token, secret = made
            response = _page(request, TokenForm(), secret=secret, made=token, status=201)
            response["Cache-Control"] = "no-store"
            return response
    return _page(request, form, status=400 if form.is_bound else 200)


@login_required
@require_POST
def revoke_token(request, pk):
    try:
        token = tokens.check_revoke_token(actor=request.user, token_id=pk)
    except PermissionDenied:
        raise Http404("No such token") from None
    messages.success(
        request, _("“%(name)s” is revoked: programs using it are refused.") % {"name": token.name}
    )
    return redirect("api:tokens")
