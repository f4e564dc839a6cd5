"""Notification emails: sent from Celery (notifications.tasks), never from a web request.

One email per notification: a transaction locks the recipient, picks their pending rows,
hands the message to the mail backend and only then marks the rows ``emailed_at``. A
message the backend refuses rolls the transaction back, so its notifications stay pending
for the sweep instead of being lost (a commit failing after the hand-over is the only way
to send one twice). A busy thread does not flood anyone: after an email, a recipient's
further notifications wait for the periodic sweep (``BATCH_WINDOW``) and go out together
in one message.

Notifications a member chose to have digested wait for their one digest email, which
``notifications.digests`` composes with the community's activity; it picks them with
:func:`take_pending` in the same locked, mark-after-hand-over way.
"""

import logging
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.links import absolute_url
from core.text import email_subject
from notifications.models import Delivery, Notification

# After an email, a recipient's next notifications wait at least this long and are batched.
BATCH_WINDOW = timedelta(minutes=10)
# Pending notifications older than this are not worth an email any more.
MAX_AGE = timedelta(days=7)
MAX_ITEMS_PER_EMAIL = 50
UNSUBSCRIBE_SALT = "community.notifications.unsubscribe"
logger = logging.getLogger(__name__)


def unsubscribe_token(*, user_id: int, kinds: list[str]) -> str:
    """A signed, unexpiring token naming the user and the kinds to stop emailing."""
    return signing.dumps({"u": user_id, "k": sorted(set(kinds))}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, list[str]]:
    """The (user id, kinds) a token names. Raises ``signing.BadSignature`` if forged."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    kinds = [k for k in data.get("k", []) if k in Notification.Kind.values]
    return int(data["u"]), kinds


def unsubscribe_url(*, user_id: int, kinds) -> str:
    """The absolute one-click link that stops emails of these kinds."""
    token = unsubscribe_token(user_id=user_id, kinds=list(kinds))
    return absolute_url(reverse("notifications:unsubscribe", kwargs={"token": token}))


def take_pending(
    *, recipient_id: int, delivery: str, now, respect_window: bool, max_age: timedelta = MAX_AGE
) -> list:
    """Lock the recipient and pick their unsent unread notifications of this delivery (to
    be marked emailed by the caller, with :func:`mark_emailed`, once the message is handed
    over, in the same transaction). Must run inside a transaction.

    Returns [] when there is nothing to send (or when the batching window is still open)."""
    user_model = get_user_model()
    # The lock serialises two senders for the same person: no notification is taken twice.
    user = user_model.objects.select_for_update().filter(pk=recipient_id).first()
    if user is None or not user.email:
        return []
    mine = Notification.objects.filter(recipient_id=recipient_id, delivery=delivery)
    if respect_window:
        last = mine.filter(emailed_at__isnull=False).aggregate(last=Max("emailed_at"))["last"]
        if last is not None and now - last < BATCH_WINDOW:
            return []
    pending = list(
        mine.filter(emailed_at__isnull=True, read_at__isnull=True)
        .filter(created_at__gte=now - max_age)
        .select_related("community", "actor")
        .order_by("created_at", "id")[:MAX_ITEMS_PER_EMAIL]
    )
    for item in pending:
        item.recipient = user
    return pending


def mark_emailed(items: list, *, now) -> None:
    Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)


def kind_labels(kinds) -> list[str]:
    return [str(Notification.Kind(kind).label) for kind in kinds]


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe: mail clients post to the link without a session."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _send(*, user, items: list) -> None:
    kinds = sorted({item.kind for item in items})
    unsubscribe = unsubscribe_url(user_id=user.pk, kinds=kinds)
    several = _("%(n)s new notifications") % {"n": len(items)}
    subject = items[0].text if len(items) == 1 else several
    body = render_to_string(
        "notifications/email.txt",
        {
            "user": user,
            "items": [(item, absolute_url(item.url)) for item in items],
            "unsubscribe_url": unsubscribe,
            "kind_labels": kind_labels(kinds),
            "settings_url": absolute_url(reverse("notifications:settings")),
        },
    )
    message = EmailMessage(
        subject=email_subject(subject),
        body=body,
        to=[user.email],
        headers=unsubscribe_headers(unsubscribe),
    )
    message.send()


def do_send_immediate_emails(*, recipient_id: int, respect_window: bool = True) -> int:
    """Email a recipient's pending "right away" notifications in one message.

    Idempotent: the recipient is locked while the message is handed over and its rows are
    marked emailed in the same transaction, so a retry or a second run sends nothing twice;
    a message the backend refuses rolls back and leaves them pending (logged; the sweep
    tries again) and 0 is returned. Returns how many were included."""
    now = timezone.now()
    try:
        with transaction.atomic():
            items = take_pending(
                recipient_id=recipient_id,
                delivery=Delivery.IMMEDIATELY,
                now=now,
                respect_window=respect_window,
            )
            if items:
                _send(user=items[0].recipient, items=items)
                mark_emailed(items, now=now)
    except Exception:
        # One recipient's refused message must not stop a batch or a sweep of others.
        logger.exception("Notification email to user %s not sent; left pending", recipient_id)
        return 0
    return len(items)


def pending(*, delivery: str, since):
    """Unsent, unread notifications of this delivery created since then (a query)."""
    return Notification.objects.filter(
        delivery=delivery, emailed_at__isnull=True, read_at__isnull=True, created_at__gte=since
    )


def recipients_with_pending(*, delivery: str) -> list[int]:
    """Ids of users with something to send: the sweeps visit only them."""
    since = timezone.now() - MAX_AGE
    return list(
        pending(delivery=delivery, since=since)
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )
