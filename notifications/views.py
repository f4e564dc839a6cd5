"""Notifications: the list, marking read, email preferences and one-click unsubscribe."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications import actions as notifications
from notifications import digests, emails, selectors
from notifications.forms import EmailSettingsForm
from notifications.models import Notification


@login_required
@require_GET
def index(request):
    page = selectors.notifications_page(user=request.user, page_number=request.GET.get("page"))
    context = {"page_obj": page, "items": page.object_list}
    return render(request, "notifications/index.html", context)


@require_GET
def unread(request):
    """What the header polls: its notifications link with the unread count (cached per member).
    Someone signed out has no badge, so 204 leaves the page alone instead of a login
    redirect being swapped into the header."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    return render(request, "_partials/_notifications_link.html")


@login_required
@require_POST
def read(request, pk):
    if notifications.do_mark_read(user=request.user, notification_id=pk) is None:
        raise Http404("No such notification")
    if request.htmx:
        item = Notification.objects.select_related("actor", "community").get(pk=pk)
        # The item, and the nav's unread count out of band.
        return render(request, "notifications/index.html#item-read", {"item": item})
    return redirect("notifications:index")


@login_required
@require_POST
def read_all(request):
    count = notifications.do_mark_all_read(user=request.user)
    messages.success(request, _("Marked %(n)s notifications as read.") % {"n": count})
    return redirect("notifications:index")


@login_required
@require_GET
def open_(request, pk):
    """Follow a notification: mark it read and go where it points (one of our own pages)."""
    item = notifications.do_mark_read(user=request.user, notification_id=pk)
    if item is None:
        raise Http404("No such notification")
    if not url_has_allowed_host_and_scheme(item.url, allowed_hosts={request.get_host()}):
        return redirect("notifications:index")
    return redirect(item.url)


@login_required
@require_http_methods(["GET", "POST"])
def settings_(request):
    """Email settings: when each kind of notification is emailed, and how often the
    digest comes. One form, one save."""
    data = request.POST if request.method == "POST" else None
    current = notifications.preferences_for(request.user)
    form = EmailSettingsForm(
        data, current=current, frequency=selectors.digest_frequency(request.user)
    )
    if data is not None and form.is_valid():
        notifications.do_set_email_settings(
            user=request.user, choices=form.kind_choices(), frequency=form.cleaned_data["frequency"]
        )
        messages.success(request, _("Your email choices are saved."))
        return redirect("notifications:settings")
    context = {"form": form, "inactive_days": digests.INACTIVE_DAYS}
    return render(
        request, "notifications/settings.html", context, status=400 if form.is_bound else 200
    )


# The token is the credential (mail clients post here without a session or CSRF cookie:
# RFC 8058 one-click), so CSRF protection adds nothing and would break the one click.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET shows what will stop (link scanners must not unsubscribe anyone); POST stops it."""
    try:
        user_id, kinds = emails.read_unsubscribe_token(token)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return render(request, "notifications/unsubscribe.html", {"bad": True}, status=400)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise Http404("No such user")
    labels = [str(Notification.Kind(kind).label) for kind in kinds]
    done = request.method == "POST"
    if done:
        notifications.do_unsubscribe(user=user, kinds=kinds)
    context = {"labels": labels, "done": done, "token": token}
    return render(request, "notifications/unsubscribe.html", context)
