"""Webhook subscriptions: a member sends events they could see anyway (a community's new
threads, new proposals and results; their own notifications) to an HTTPS address.

``check_*`` authorises and validates, then calls ``do_*`` (CONVENTIONS rule 2). Bad input is
a ``ValidationError`` keyed by form field; another member's subscription is not there for
the actor (``PermissionDenied``, shown as a 404). Sending is ``api.deliveries``.
"""

import base64
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from api.addresses import AddressRefused, check_url
from api.models import COMMUNITY_EVENTS, Event, WebhookSubscription
from community.models import Community
from community.permissions import can_read

MAX_LIVE_SUBSCRIPTIONS = 10
SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of every secret, not a secret


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def check_create_subscription(
    *, actor, url: str, events: list[str], community: Community | None = None
) -> WebhookSubscription:
    """A signed-in, active member subscribes ``url`` to ``events``. Community events need a
    community whose content the member may read; the address must be HTTPS and public."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("Log in to add a webhook."))
    errors = {}
    url = (url or "").strip()
    try:
        check_url(url)
    except AddressRefused as refused:
        errors["url"] = [ValidationError(refused.message, code=refused.code)]
    events = list(dict.fromkeys(events or []))
    if not events or any(event not in Event.values for event in events):
        errors["events"] = [_("Choose at least one kind of event.")]
    elif any(event in COMMUNITY_EVENTS for event in events):
        if community is None:
            errors["community"] = [_("Choose the community whose threads and proposals to send.")]
        elif not can_read(actor, community):
            errors["community"] = [_("You cannot read this community’s threads.")]
    if errors:
        raise ValidationError(errors)
    live = WebhookSubscription.objects.filter(user=actor, disabled_at__isnull=True)
    if live.count() >= MAX_LIVE_SUBSCRIPTIONS:
        raise ValidationError(
            {
                None: _("You have %(n)s webhooks, the most one may have. Delete one first.")
                % {"n": MAX_LIVE_SUBSCRIPTIONS}
            }
        )
    if not any(event in COMMUNITY_EVENTS for event in events):
        community = None
    return do_create_subscription(user=actor, url=url, events=events, community=community)


def do_create_subscription(
    *, user, url: str, events: list[str], community: Community | None
) -> WebhookSubscription:
    now = timezone.now()
    return WebhookSubscription.objects.create(
        user=user,
        url=url,
        community=community,
        events=[event for event in Event.values if event in events],
        secret=new_secret(),
        created_at=now,
        checked_until=now,
    )


def own_subscription(*, actor, subscription_id: int) -> WebhookSubscription:
    """One of the actor's own subscriptions; anyone else's is not there for them."""
    found = (
        WebhookSubscription.objects.filter(pk=subscription_id, user_id=getattr(actor, "pk", None))
        .select_related("community")
        .first()
    )
    if found is None:
        raise PermissionDenied(_("You have no such webhook."))
    return found


def check_delete_subscription(*, actor, subscription_id: int) -> None:
    do_delete_subscription(
        subscription=own_subscription(actor=actor, subscription_id=subscription_id)
    )


def do_delete_subscription(*, subscription: WebhookSubscription) -> None:
    """Its delivery log goes with it (nothing else refers to it)."""
    WebhookSubscription.objects.filter(pk=subscription.pk).delete()


def check_enable_subscription(*, actor, subscription_id: int) -> WebhookSubscription:
    """Turn a disabled subscription back on (after fixing the receiver). Events that
    happened while it was off are not sent: it starts again from now."""
    subscription = own_subscription(actor=actor, subscription_id=subscription_id)
    try:
        check_url(subscription.url)
    except AddressRefused as refused:
        raise ValidationError(
            {"url": ValidationError(refused.message, code=refused.code)}
        ) from None
    return do_enable_subscription(subscription=subscription)


def do_enable_subscription(*, subscription: WebhookSubscription) -> WebhookSubscription:
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        disabled_at=None, disabled_reason="", failures=0, checked_until=timezone.now()
    )
    subscription.refresh_from_db()
    return subscription
