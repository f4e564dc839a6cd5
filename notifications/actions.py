"""Notifications: the one way every app tells a user something happened.

Other apps call ``do_notify`` for a handful of people (a reply, a mention, an invitation)
and ``do_notify_many`` for an audience given as a query (a community's members, a vote's
electorate), which never comes into Python. Each notification records how its recipient
wants that kind emailed (right away, in their digest, never: ``NotificationPreference``);
right-away ones are handed to Celery after the transaction commits, and only for recipients
with something to send. Emails are composed and sent in ``notifications.emails``, the
digest (at the frequency of ``DigestSetting``) in ``notifications.digests``.
"""

import logging
from collections.abc import Iterable
from functools import partial
from itertools import batched

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError

from community.models import Community, Thread
from core.text import clean_line
from notifications import tasks
from notifications.models import Delivery, DigestSetting, Notification, NotificationPreference
from notifications.selectors import forget_unread

logger = logging.getLogger(__name__)
# Right-away emails of a large audience go to the worker in messages of this many recipients.
EMAIL_BATCH = 500

# What a user gets until they choose: things addressed to them personally arrive at once;
# news about their communities waits for the digest.
DEFAULT_DELIVERY = {
    Notification.Kind.REPLY: Delivery.IMMEDIATELY,
    Notification.Kind.MENTION: Delivery.IMMEDIATELY,
    Notification.Kind.INVITATION: Delivery.IMMEDIATELY,
    Notification.Kind.APPLICATION: Delivery.IMMEDIATELY,
    Notification.Kind.MODERATION: Delivery.IMMEDIATELY,
    # A vote may last only days: a weekly digest could tell members after it closed.
    Notification.Kind.PROPOSAL: Delivery.IMMEDIATELY,
    Notification.Kind.COMMUNITY: Delivery.DAILY,
}


def preferences_for(user) -> dict[str, str]:
    """The user's delivery choice for every kind (defaults where they have not chosen)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, DEFAULT_DELIVERY[kind]) for kind in Notification.Kind}


def _deliveries(*, user_ids: list[int], kind: str) -> dict[int, str]:
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=user_ids, kind=kind).values_list(
            "user_id", "delivery"
        )
    )
    default = DEFAULT_DELIVERY.get(kind, Delivery.DAILY)
    return {user_id: chosen.get(user_id, default) for user_id in user_ids}


def do_notify(
    *,
    recipients: Iterable,
    kind: Notification.Kind,
    text: str,
    url: str,
    community: Community | None = None,
    actor=None,
    thread: Thread | None = None,
) -> list[Notification]:
    """Create one notification per distinct recipient (never the actor themself).

    Two queries (preferences, insert) whatever the number of recipients; right-away emails
    are enqueued after commit, one task per recipient who wants one."""
    seen = set()
    users = []
    for user in recipients:
        if user.pk in seen or (actor is not None and user.pk == actor.pk):
            continue
        seen.add(user.pk)
        users.append(user)
    if not users:
        return []
    deliveries = _deliveries(user_ids=[u.pk for u in users], kind=kind)
    rows = [
        Notification(
            recipient=user,
            kind=kind,
            text=clean_line(text)[:300],
            url=url[:300],
            community=community,
            actor=actor,
            thread=thread,
            delivery=deliveries[user.pk] if user.email else Delivery.NEVER,
        )
        for user in users
    ]
    created = Notification.objects.bulk_create(rows)
    forget_unread([user.pk for user in users])
    for row in created:
        if row.delivery == Delivery.IMMEDIATELY:
            transaction.on_commit(partial(_enqueue_email, row.recipient_id))
    return created


def do_notify_many(
    *,
    recipients: QuerySet,
    kind: Notification.Kind,
    text: str,
    url: str,
    community: Community | None = None,
    actor=None,
    thread: Thread | None = None,
) -> int:
    """``do_notify`` for an audience given as a query of users (a community's members, an
    electorate): the same rows, written by one INSERT … SELECT, so the audience never
    comes into Python. Returns how many notifications were created.

    Two queries whatever the number of recipients: the insert, then the ids of those who
    want this kind emailed right away, which are enqueued after commit in batches of
    ``EMAIL_BATCH``. Each recipient's delivery is chosen in SQL as ``_deliveries`` does:
    their preference for the kind, else the default, and never without an email address."""
    user_table = get_user_model()._meta.db_table
    preference_table = NotificationPreference._meta.db_table
    try:
        # Distinct users by construction: the audience's own joins can't duplicate anyone.
        audience, audience_params = recipients.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # .none(), or a filter on an empty list
        return 0
    skip_actor = "AND u.id <> %s" if actor is not None else ""
    default = DEFAULT_DELIVERY.get(kind, Delivery.DAILY)
    source = f"""
        FROM {user_table} u
        LEFT JOIN {preference_table} p ON p.user_id = u.id AND p.kind = %s
        WHERE u.id IN ({audience}) {skip_actor}
    """  # noqa: S608 - table and column names come from model metadata, values are parameters
    source_params = [kind, *audience_params, *([actor.pk] if actor is not None else [])]
    delivery = "CASE WHEN u.email IS NULL OR u.email = '' THEN %s ELSE COALESCE(p.delivery, %s) END"
    created_at = Notification._meta.get_field("created_at")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Notification._meta.db_table} (recipient_id, kind, text, url,
                community_id, actor_id, thread_id, created_at, delivery)
            SELECT u.id, %s, %s, %s, %s, %s, %s, %s, {delivery} {source}
            """,  # noqa: S608
            [
                kind, clean_line(str(text))[:300], str(url)[:300],
                community.pk if community is not None else None,
                actor.pk if actor is not None else None,
                thread.pk if thread is not None else None,
                created_at.get_db_prep_value(timezone.now(), connection),
                Delivery.NEVER, default, *source_params,
            ],
        )  # fmt: skip
        created = cursor.rowcount
        cursor.execute(
            f"SELECT u.id {source} AND {delivery} = %s ORDER BY u.id",  # noqa: S608
            [*source_params, Delivery.NEVER, default, Delivery.IMMEDIATELY],
        )
        right_away = [row[0] for row in cursor.fetchall()]
    forget_unread()
    for batch in batched(right_away, EMAIL_BATCH):
        transaction.on_commit(partial(_enqueue_emails, list(batch)))
    return created


def _enqueue_email(recipient_id: int) -> None:
    _hand_to_worker("send_notification_emails", recipient_id, f"email to user {recipient_id}")


def _enqueue_emails(recipient_ids: list[int]) -> None:
    _hand_to_worker(
        "send_notification_emails_batch", recipient_ids, f"emails to {len(recipient_ids)} users"
    )


def _hand_to_worker(task_name: str, argument, what: str) -> None:
    """Enqueue right-away email, after the commit. With the broker down the action has
    already committed and must not fail for its mail: the notification stays unsent and the
    beat's due-email sweep sends it once the broker is back (a broker outage loses no
    email, it delays it)."""
    try:
        getattr(tasks, task_name).delay(argument)
    except OperationalError:
        logger.warning("Broker unavailable: %s left for the sweep", what, exc_info=True)


def do_set_preferences(*, user, choices: dict[str, str]) -> None:
    """Save the user's choices, and apply them to notifications not emailed yet."""
    rows = [
        NotificationPreference(user=user, kind=kind, delivery=delivery)
        for kind, delivery in choices.items()
        if kind in Notification.Kind.values and delivery in Delivery.values
    ]
    with transaction.atomic():
        NotificationPreference.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["user", "kind"],
            update_fields=["delivery"],
        )
        for row in rows:
            Notification.objects.filter(
                recipient=user, kind=row.kind, emailed_at__isnull=True
            ).update(delivery=row.delivery)


def do_set_frequency(*, user, frequency: str) -> None:
    """How often the user wants their digest (views call it only for request.user)."""
    if frequency not in DigestSetting.Frequency.values:
        raise ValueError(f"unknown frequency {frequency!r}")
    DigestSetting.objects.update_or_create(user=user, defaults={"frequency": frequency})


def do_set_email_settings(*, user, choices: dict[str, str], frequency: str) -> None:
    """The settings page's one save: each kind's delivery and the digest's frequency,
    together or not at all."""
    with transaction.atomic():
        do_set_preferences(user=user, choices=choices)
        do_set_frequency(user=user, frequency=frequency)


def do_mark_emailed_without_sending(*, created_since) -> int:
    """Mark the notifications created since then as emailed, sending nothing: the demo
    seed's made-up history is news to nobody, and its hundred emails would bury the
    console of `make run` (the worker then finds nothing left to send)."""
    return Notification.objects.filter(
        created_at__gte=created_since, emailed_at__isnull=True
    ).update(emailed_at=timezone.now())


def do_unsubscribe(*, user, kinds: list[str]) -> None:
    """Stop emailing these kinds (the one-click link in every email)."""
    do_set_preferences(user=user, choices=dict.fromkeys(kinds, Delivery.NEVER))


def do_mark_read(*, user, notification_id: int) -> Notification | None:
    """Mark one of the user's own notifications read; None if it is not theirs."""
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is not None and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        forget_unread([user.pk])
    return notification


def do_mark_all_read(*, user) -> int:
    count = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    forget_unread([user.pk])
    return count
