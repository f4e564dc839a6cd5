"""One's own account: exporting one's data and deleting the account; and the public log
of what platform staff did to accounts and content (R2)."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.web import add_errors, posted
from members import account_data, selectors
from members.forms import DeleteAccountForm
from members.permissions import access_own_account


@require_GET
def platform_log(request):
    """The public log of what platform staff did: locks, unlocks, takedowns (R2)."""
    return render(request, "members/platform_log.html", {"log": selectors.platform_log()})


@login_required
@require_GET
def export_data(request, username):
    user = access_own_account(request.user, username)
    response = JsonResponse(
        account_data.export_user_data(user=user), json_dumps_params={"indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="commons-{user.username}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def account_delete(request, username):
    """Confirm with the password, then anonymise the account and sign out."""
    user = access_own_account(request.user, username)
    form = DeleteAccountForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            account_data.check_delete_account(
                actor=user, user=user, password=form.cleaned_data["password"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            logout(request)
            messages.success(request, _("Your account is deleted. Thank you for being here."))
            return redirect("home")
    status = 400 if request.method == "POST" else 200
    context = {"profile_user": user, "form": form}
    return render(request, "members/account_delete.html", context, status=status)
