"""Reads of a community's moderation log and health figures (the pages' selectors, behind
the same ``access_community``), and a member's webhooks (``api.webhooks``, the settings
page's actions)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Status

from api import webhooks
from api.auth import READ, READ_OR_ANONYMOUS, WRITE, ApiError, actor
from api.models import WebhookSubscription
from api.schemas import (
    DoneOut,
    ErrorOut,
    HealthOut,
    ModerationLogOut,
    WebhookDetailOut,
    WebhookIn,
    WebhookOut,
)
from api.views.common import router, user_ref, validation_error
from community.permissions import access_community
from engagement import health as engagement
from engagement import snapshots
from moderation.log import log_page

ERRORS = {k: ErrorOut for k in (400, 401, 403, 404, 413, 422, 429)}
DELIVERIES_SHOWN = 50


@router.get(
    "/communities/{slug}/moderation",
    tags=["read"],
    response={200: ModerationLogOut, **ERRORS},
    auth=READ_OR_ANONYMOUS,
    summary="The public moderation log, newest first (50 a page)",
)
def moderation_log(request, slug: str, page: int = 1):
    community = access_community(actor(request), slug)
    found = log_page(community=community, page_number=page)
    entries = [
        {
            "id": entry.pk,
            "kind": entry.kind,
            "label": str(entry.get_kind_display()),
            "actor": user_ref(entry.actor) if entry.actor_id else None,
            "member": user_ref(entry.member) if entry.member_id else None,
            "post_id": entry.post_id,
            "thread_id": entry.post.thread_id if entry.post_id else None,
            "thread_title": entry.post.thread.title if entry.post_id else None,
            "reason": entry.reason,
            "until": entry.until,
            "created_at": entry.created_at,
        }
        for entry in found.object_list
    ]
    return {"entries": entries, "page": found.number, "pages": found.paginator.num_pages}


def snapshot_out(snapshot) -> dict:
    return {
        "day": snapshot.day.isoformat(),
        "figures": {name: getattr(snapshot, name) for name in snapshots.FIGURE_FIELDS},
        "reciprocity_percent": snapshots.reciprocity_percent(snapshot),
        "turnout_percent": snapshots.turnout_percent(
            votes_cast=snapshot.votes_cast, electorate=snapshot.electorate
        ),
    }


@router.get(
    "/communities/{slug}/health",
    tags=["read"],
    response={200: HealthOut, **ERRORS},
    auth=READ_OR_ANONYMOUS,
    summary="Health: the stage, what would move it, and the daily figures (oldest first)",
)
def health(request, slug: str):
    """The health page's figures: a community's, never a ranking of people."""
    community = access_community(actor(request), slug)
    history = snapshots.history(community=community)
    if not history:
        return {"stage": None, "explanation": None, "next_steps": [], "latest": None, "history": []}
    figures = snapshots.health_figures(history[-1])
    return {
        "stage": str(engagement.stage(figures).value),
        "explanation": engagement.explain(figures),
        "next_steps": [str(step) for step in engagement.next_steps(figures)],
        "latest": snapshot_out(history[-1]),
        "history": [snapshot_out(s) for s in history],
    }


def webhook_out(subscription: WebhookSubscription, *, secret: bool = False) -> dict:
    return {
        "id": subscription.pk,
        "url": subscription.url,
        "events": list(subscription.events),
        "community": subscription.community.slug if subscription.community_id else None,
        "created_at": subscription.created_at,
        "enabled": not subscription.is_disabled,
        "disabled_reason": subscription.disabled_reason,
        "secret": subscription.secret if secret else None,
    }


def own(request, webhook_id: int) -> WebhookSubscription:
    try:
        return webhooks.own_subscription(actor=actor(request), subscription_id=webhook_id)
    except PermissionDenied:
        raise Http404("No such webhook") from None


@router.get(
    "/me/webhooks",
    tags=["read"],
    response={200: list[WebhookOut], **ERRORS},
    auth=READ,
    summary="My webhooks",
)
def my_webhooks(request):
    rows = WebhookSubscription.objects.filter(user=actor(request)).select_related("community")
    return [webhook_out(s) for s in rows]


@router.get(
    "/me/webhooks/{webhook_id}",
    tags=["read"],
    response={200: WebhookDetailOut, **ERRORS},
    auth=READ,
    summary="One of my webhooks and its delivery log (the latest 50)",
)
def my_webhook(request, webhook_id: int):
    subscription = own(request, webhook_id)
    log = subscription.deliveries.all()[:DELIVERIES_SHOWN]
    return {
        **webhook_out(subscription),
        "deliveries": [
            {
                "id": d.pk,
                "message_id": d.message_id,
                "event": d.event,
                "state": d.state,
                "attempts": d.attempts,
                "last_attempt_at": d.last_attempt_at,
                "response_status": d.response_status,
                "error": d.error,
            }
            for d in log
        ],
    }


def address_error(error: ValidationError) -> ApiError:
    """The refusal, with the address's own stable code ("url_private", "url_not_https" …)
    when the address is what was refused."""
    refusal = validation_error(error)
    codes = [e.code for e in getattr(error, "error_dict", {}).get("url", []) if e.code]
    if codes:
        refusal.code = codes[0]
    return refusal


@router.post(
    "/me/webhooks",
    tags=["write"],
    response={201: WebhookOut, **ERRORS},
    auth=WRITE,
    summary="Add a webhook (its signing secret is in this answer only)",
)
def add_webhook(request, data: WebhookIn):
    user = actor(request)
    community = access_community(user, data.community) if data.community else None
    try:
        made = webhooks.check_create_subscription(
            actor=user, url=data.url, events=data.events, community=community
        )
    except ValidationError as error:
        raise address_error(error) from None
    return Status(201, webhook_out(made, secret=True))


@router.delete(
    "/me/webhooks/{webhook_id}",
    tags=["write"],
    response={200: DoneOut, **ERRORS},
    auth=WRITE,
    summary="Delete one of my webhooks and its delivery log",
)
def delete_webhook(request, webhook_id: int):
    webhooks.do_delete_subscription(subscription=own(request, webhook_id))
    return {"ok": True}


@router.post(
    "/me/webhooks/{webhook_id}/enable",
    tags=["write"],
    response={200: WebhookOut, **ERRORS},
    auth=WRITE,
    summary="Turn a webhook that was turned off back on (from now)",
)
def enable_webhook(request, webhook_id: int):
    own(request, webhook_id)
    try:
        enabled = webhooks.check_enable_subscription(
            actor=actor(request), subscription_id=webhook_id
        )
    except ValidationError as error:
        raise address_error(error) from None
    return webhook_out(enabled)
