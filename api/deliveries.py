"""Sending webhooks (the worker's side, ``api.tasks``), after the Standard Webhooks
specification: a JSON body ``{"type", "timestamp", "data"}`` and the ``webhook-id``,
``webhook-timestamp`` and ``webhook-signature`` headers, signed by the ``standardwebhooks``
package with the subscription's ``whsec_`` secret.

Events are found by a sweep of database state (``do_collect_events``), not by hooks in the
domain apps, which know nothing of the API: each sweep looks at what happened since the
subscription's ``checked_until`` (with an overlap, for transactions that committed late) and
records one ``WebhookDelivery`` per event, unique per subscription, so looking twice
records nothing twice. The ``webhook-id`` is made from the event (``msg_thread_created_42``),
so a receiver de-duplicates by it whatever the retries.

An attempt (``do_attempt``) first claims the delivery (a lease on ``next_attempt_at``), so
two workers never send it at once; checks again that the member may still see the event
(a member who left a members-only community gets no more of it) and that the address is
still public (DNS rebinding), then connects to the address it checked. A failure is retried
with exponential backoff (1, 2, 4 … minutes, ``MAX_ATTEMPTS`` in all); ``DISABLE_AFTER``
failed attempts in a row disable the subscription and tell its member.
"""

import http.client
import json
import socket
import ssl
from datetime import datetime, timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from api.addresses import AddressRefused, Target, check_url
from api.models import Event, WebhookDelivery, WebhookSubscription
from community.models import Community, Thread
from community.permissions import can_read
from core.links import absolute_url
from notifications import actions as notifications
from notifications.models import Notification
from purposes.models import Proposal

MAX_ATTEMPTS = 8
BACKOFF_SECONDS = 60  # doubled after each failed attempt: 1, 2, 4 … 64 minutes
DISABLE_AFTER = 15  # failed attempts in a row, across deliveries
LEASE = timedelta(minutes=5)  # how long a claimed attempt keeps others off it
OVERLAP = timedelta(minutes=5)  # how far back each sweep looks again
TIMEOUT_SECONDS = 10
USER_AGENT = "Commons-Webhooks/1"
DUE_BATCH = 500


# --- Events into deliveries ---------------------------------------------------------------


def message_id(event: str, pk: int) -> str:
    return f"msg_{event.replace('.', '_')}_{pk}"


def _community_ref(community: Community) -> dict:
    return {"slug": community.slug, "name": community.name}


def _thread_data(thread: Thread) -> dict:
    return {
        "id": thread.pk,
        "title": thread.title,
        "author": thread.author.username,
        "community": _community_ref(thread.community),
        "created_at": thread.created_at,
        "url": absolute_url(thread.get_absolute_url()),
    }


def _proposal_data(proposal: Proposal) -> dict:
    return {
        "id": proposal.pk,
        "kind": proposal.kind,
        "title": proposal.title,
        "state": proposal.state,
        "community": _community_ref(proposal.community),
        "submitted_at": proposal.submitted_at,
        "closed_at": proposal.closed_at,
        "url": absolute_url(proposal.get_absolute_url()),
    }


def _notification_data(notification: Notification) -> dict:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "text": notification.text,
        "community": notification.community.slug if notification.community_id else None,
        "created_at": notification.created_at,
        "url": absolute_url(notification.url),
    }


def _delivery(subscription, event: str, pk: int, at: datetime, data: dict, community=None):
    payload = {"type": event, "timestamp": at, "data": data}
    return WebhookDelivery(
        subscription=subscription,
        message_id=message_id(event, pk),
        event=event,
        community=community,
        payload=json.loads(json.dumps(payload, cls=DjangoJSONEncoder)),
    )


def _events_for(subscription: WebhookSubscription, since: datetime, until: datetime) -> list:
    rows = []
    events = set(subscription.events)
    community = subscription.community
    window = {"__gt": since, "__lte": until}

    def between(field):
        return {f"{field}{op}": at for op, at in window.items()}

    if community is not None and can_read(subscription.user, community):
        if Event.THREAD_CREATED in events:
            for thread in Thread.objects.filter(community=community, **between("created_at")):
                thread.community = community
                rows.append(
                    _delivery(
                        subscription, Event.THREAD_CREATED, thread.pk, thread.created_at,
                        _thread_data(thread), community,
                    )
                )  # fmt: skip
        proposals = Proposal.objects.filter(community=community)
        if Event.PROPOSAL_SUBMITTED in events:
            for proposal in proposals.filter(**between("submitted_at")):
                proposal.community = community
                rows.append(
                    _delivery(
                        subscription, Event.PROPOSAL_SUBMITTED, proposal.pk,
                        proposal.submitted_at, _proposal_data(proposal), community,
                    )
                )  # fmt: skip
        if Event.PROPOSAL_CLOSED in events:
            closed = proposals.filter(state__in=Proposal.CLOSED_STATES, **between("closed_at"))
            for proposal in closed:
                proposal.community = community
                rows.append(
                    _delivery(
                        subscription, Event.PROPOSAL_CLOSED, proposal.pk, proposal.closed_at,
                        _proposal_data(proposal), community,
                    )
                )  # fmt: skip
    if Event.NOTIFICATION_CREATED in events:
        mine = Notification.objects.filter(
            recipient=subscription.user, **between("created_at")
        ).select_related("community")
        for notification in mine:
            rows.append(
                _delivery(
                    subscription, Event.NOTIFICATION_CREATED, notification.pk,
                    notification.created_at, _notification_data(notification),
                )
            )  # fmt: skip
    return rows


def do_collect_events(*, now: datetime | None = None) -> int:
    """Record a delivery for every event since each live subscription last looked.
    Idempotent: the unique (subscription, message id) drops what an earlier sweep
    recorded. Returns how many rows were offered (a re-run offers them again)."""
    now = now or timezone.now()
    offered = 0
    live = WebhookSubscription.objects.filter(
        disabled_at__isnull=True, user__is_active=True
    ).select_related("user", "community")
    for subscription in live:
        since = max(subscription.checked_until - OVERLAP, subscription.created_at)
        rows = _events_for(subscription, since, now)
        with transaction.atomic():
            WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
            WebhookSubscription.objects.filter(pk=subscription.pk).update(checked_until=now)
        offered += len(rows)
    return offered


def due_ids(*, now: datetime | None = None) -> list[int]:
    """Deliveries waiting for an attempt whose time has come (first tries and retries)."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(
        state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now
    ).order_by("next_attempt_at", "pk")
    return list(due.values_list("pk", flat=True)[:DUE_BATCH])


# --- Sending ------------------------------------------------------------------------------


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to ``address`` (already checked) while the certificate, SNI and Host are the
    name's: a second lookup of the name cannot send the request elsewhere."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = tls_context().wrap_socket(sock, server_hostname=self.host)


def tls_context() -> ssl.SSLContext:
    """The system's trusted certificates, host names checked (a test trusts its own)."""
    return ssl.create_default_context()


def post(target: Target, headers: dict[str, str], body: bytes) -> int:
    """Send one attempt; the response's status. Redirects are not followed (a redirect
    could lead to an address nobody checked). Tests replace this: they use no network."""
    connection = PinnedHTTPSConnection(target, timeout=TIMEOUT_SECONDS)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status
    finally:
        connection.close()


def signed_headers(*, secret: str, msg_id: str, at: datetime, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related(
        "subscription__user", "subscription__community", "community"
    ).get(pk=delivery_id)


def _still_visible(delivery: WebhookDelivery) -> bool:
    user = delivery.subscription.user
    if not user.is_active:
        return False
    return delivery.community is None or can_read(user, delivery.community)


def do_attempt(*, delivery_id: int, now: datetime | None = None) -> str:
    """Try to send one delivery; its state afterwards ("not due" if it was not pending and
    due, or another worker holds it). Safe to run twice: the claim lets one through."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return "not due"
    subscription = delivery.subscription
    if subscription.is_disabled or not _still_visible(delivery):
        _finish(delivery, WebhookDelivery.State.SKIPPED, now)
        return WebhookDelivery.State.SKIPPED
    status, error = None, ""
    try:
        target = check_url(subscription.url)
    except AddressRefused as refused:
        error = refused.message
    else:
        body = body_of(delivery)
        headers = signed_headers(
            secret=subscription.secret, msg_id=delivery.message_id, at=now, body=body
        )
        try:
            status = post(target, headers, body)
        except (OSError, ValueError, http.client.HTTPException) as failure:
            error = (str(failure) or failure.__class__.__name__)[:300]
    if status is not None and 200 <= status < 300:
        _finish(delivery, WebhookDelivery.State.DELIVERED, now, status=status)
        WebhookSubscription.objects.filter(pk=subscription.pk).update(failures=0)
        return WebhookDelivery.State.DELIVERED
    if status is not None:
        error = _("The receiver answered %(status)s.") % {"status": status}
    return _failed(delivery, now, status=status, error=error)


def _finish(delivery, state, now, *, status=None, error=""):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=state,
        attempts=F("attempts") + (0 if state == WebhookDelivery.State.SKIPPED else 1),
        last_attempt_at=now,
        response_status=status,
        error=error,
    )


def _failed(delivery, now, *, status, error) -> str:
    attempts = delivery.attempts + 1
    last = attempts >= MAX_ATTEMPTS
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=WebhookDelivery.State.FAILED if last else WebhookDelivery.State.PENDING,
        attempts=attempts,
        last_attempt_at=now,
        next_attempt_at=now + timedelta(seconds=BACKOFF_SECONDS * 2 ** (attempts - 1)),
        response_status=status,
        error=error[:300],
    )
    subscription = delivery.subscription
    WebhookSubscription.objects.filter(pk=subscription.pk).update(failures=F("failures") + 1)
    subscription.refresh_from_db(fields=["failures"])
    if subscription.failures >= DISABLE_AFTER:
        do_disable(subscription=subscription, now=now)
    return WebhookDelivery.State.FAILED if last else WebhookDelivery.State.PENDING


def do_disable(*, subscription: WebhookSubscription, now: datetime) -> bool:
    """Disable after too many failures and tell the member, once: the conditional update
    lets only one worker through. Its pending deliveries are not sent."""
    reason = _("%(n)s attempts in a row failed.") % {"n": subscription.failures}
    with transaction.atomic():
        disabled = WebhookSubscription.objects.filter(
            pk=subscription.pk, disabled_at__isnull=True
        ).update(disabled_at=now, disabled_reason=reason)
        if not disabled:
            return False
        WebhookDelivery.objects.filter(
            subscription=subscription, state=WebhookDelivery.State.PENDING
        ).update(state=WebhookDelivery.State.SKIPPED, error=_("The webhook was disabled."))
        notifications.do_notify(
            recipients=[subscription.user],
            kind=Notification.Kind.COMMUNITY,
            community=subscription.community,
            text=_("Your webhook to %(url)s was turned off: %(reason)s")
            % {"url": subscription.url[:120], "reason": reason},
            url=reverse("api:webhook", kwargs={"pk": subscription.pk}),
        )
    return True
