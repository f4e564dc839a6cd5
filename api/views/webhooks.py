"""The webhook settings pages: add a webhook (its signing secret shown once), see each
one's delivery log, turn a disabled one back on, delete one. Only one's own: anyone
else's is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from api import webhooks
from api.deliveries import MAX_ATTEMPTS
from api.forms import WebhookForm
from api.models import WebhookSubscription
from community.models import Community
from core.web import act, posted, say_error
from members.models import Membership

LOG_SHOWN = 50


def _communities(user):
    mine = Membership.objects.current().filter(user=user).values("community_id")
    return Community.objects.filter(pk__in=mine).order_by("name")


def _page(request, form, *, secret=None, made=None, status=200):
    context = {
        "form": form,
        "subscriptions": WebhookSubscription.objects.filter(user=request.user).select_related(
            "community"
        ),
        "secret": secret,
        "made": made,
    }
    return render(request, "api/webhooks.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def webhook_settings(request):
    """GET: the list and the form. POST: add a webhook and show its signing secret on this
    very response (like a token's, shown once: not a redirect, which would lose it)."""
    communities = _communities(request.user)
    form = WebhookForm(posted(request), communities=communities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made = act(
            form, webhooks.check_create_subscription, actor=request.user, url=data["url"],
            events=data["events"], community=data["community"],
        )  # fmt: skip
        if made is not None:
            response = _page(
                request, WebhookForm(communities=communities), secret=made.secret, made=made,
                status=201,
            )  # fmt: skip
            response["Cache-Control"] = "no-store"
            return response
    return _page(request, form, status=400 if form.is_bound else 200)


def _own(request, pk):
    try:
        return webhooks.own_subscription(actor=request.user, subscription_id=pk)
    except PermissionDenied:
        raise Http404("No such webhook") from None


@login_required
@require_GET
def webhook_detail(request, pk):
    subscription = _own(request, pk)
    context = {
        "subscription": subscription,
        "deliveries": subscription.deliveries.all()[:LOG_SHOWN],
        "max_attempts": MAX_ATTEMPTS,
    }
    return render(request, "api/webhook.html", context)


@login_required
@require_POST
def delete_webhook(request, pk):
    subscription = _own(request, pk)
    webhooks.do_delete_subscription(subscription=subscription)
    messages.success(request, _("The webhook to %(url)s is deleted.") % {"url": subscription.url})
    return redirect("api:webhooks")


@login_required
@require_POST
def enable_webhook(request, pk):
    _own(request, pk)
    try:
        webhooks.check_enable_subscription(actor=request.user, subscription_id=pk)
    except ValidationError as error:
        say_error(request, error)
    else:
        messages.success(request, _("The webhook is on again; new events will be sent."))
    return redirect("api:webhook", pk=pk)
