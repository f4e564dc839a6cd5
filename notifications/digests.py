"""The digest: one email, at the frequency each member chose, holding the notifications
they asked to have digested (``Delivery.DAILY`` preferences, still unread and unsent) and
what happened in their communities: new threads, proposals in discussion or voting,
results, and replies to them that they have not answered.

Each member chooses daily, weekly (the default, when they never chose) or never
(``DigestSetting``); never means the digested notifications stay on the site only. The
community activity skips anyone who has not visited in :data:`INACTIVE_DAYS` days
(``last_login``, or the signup date for someone who never logged in), so a long-gone
member's inbox is not filled with news; notifications addressed to them still come.

Sending scales with the people who have something to read, not with the site: one
set-based query (:func:`recipients`) finds them, and they are enqueued in batches of
:data:`BATCH_SIZE` ids (one task per batch, not per member). A period is fixed by its end
(midnight UTC). In the transaction that sends, the member is locked, their pending
notifications picked, a ``DigestSent`` row (unique per member, frequency and period)
inserted, the email handed over and the notifications marked emailed: a retried or
doubled batch sends nothing twice, and a refused message leaves everything pending.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Post, Thread
from core.links import absolute_url
from core.text import email_subject
from members.models import Membership
from notifications import emails
from notifications.models import Delivery, DigestSent, DigestSetting
from purposes.models import Proposal

logger = logging.getLogger(__name__)
Frequency = DigestSetting.Frequency
DEFAULT = DigestSetting.DEFAULT
INACTIVE_DAYS = 180
BATCH_SIZE = 200
MAX_ITEMS = 20
PERIODS = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7)}
# Digested notifications are picked up to this old: a week and the hours the weekly run
# comes after midnight, so none falls between two weekly digests.
NOTIFICATIONS_MAX_AGE = PERIODS[Frequency.WEEKLY] + timedelta(days=1)


def period_end(now: datetime) -> datetime:
    """The end of the period a run at ``now`` covers: the last midnight UTC."""
    now = now.astimezone(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def recipients(*, frequency: str, end: datetime) -> list[int]:
    """Ids of members due a ``frequency`` digest for the period ending at ``end`` who
    have something to read in it (digested notifications, or news of their communities
    while they still visit): one query (subqueries, no loop over members)."""
    start = end - PERIODS[frequency]
    communities_with_news = (
        Thread.objects.filter(created_at__gt=start, created_at__lte=end)
        .values("community_id")
        .union(
            Proposal.objects.filter(
                Q(discussion_started_at__gt=start, discussion_started_at__lte=end)
                | Q(voting_started_at__gt=start, voting_started_at__lte=end)
                | Q(closed_at__gt=start, closed_at__lte=end)
            ).values("community_id")
        )
    )
    members = Membership.objects.current().filter(community_id__in=communities_with_news)
    replied_to = (
        Post.objects.filter(created_at__gt=start, created_at__lte=end, deleted_at__isnull=True)
        .exclude(author_id=F("parent__author_id"))
        .values("parent__author_id")
    )
    chose = DigestSetting.objects.filter(frequency=frequency).values("user_id")
    chose_other = DigestSetting.objects.exclude(frequency=frequency).values("user_id")
    wants = Q(pk__in=chose) if frequency != DEFAULT else ~Q(pk__in=chose_other)
    sent = DigestSent.objects.filter(frequency=frequency, period_end=end).values("user_id")
    news = Q(seen__gte=end - timedelta(days=INACTIVE_DAYS)) & (
        Q(pk__in=members.values("user_id")) | Q(pk__in=replied_to)
    )
    digested = emails.pending(delivery=Delivery.DAILY, since=end - NOTIFICATIONS_MAX_AGE)
    users = (
        get_user_model()
        .objects.filter(wants, is_active=True)
        .exclude(email="")
        .annotate(seen=Coalesce("last_login", "date_joined"))
        .filter(news | Q(pk__in=digested.values("recipient_id")))
        .exclude(pk__in=sent)
        .order_by("pk")
    )
    return list(users.values_list("pk", flat=True))


def batches(ids: list[int], size: int | None = None) -> list[list[int]]:
    size = size or BATCH_SIZE
    return [ids[i : i + size] for i in range(0, len(ids), size)]


@dataclass
class Digest:
    threads: list = field(default_factory=list)
    proposals_open: list = field(default_factory=list)
    results: list = field(default_factory=list)
    unanswered: list = field(default_factory=list)
    notifications: list = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.threads
            or self.proposals_open
            or self.results
            or self.unanswered
            or self.notifications
        )


def build(*, user, start: datetime, end: datetime) -> Digest:
    """What happened for one member in ``(start, end]`` in their current communities (the
    notifications are added by :func:`do_send_batch`, under the member's lock)."""
    mine = Membership.objects.current().filter(user=user).values("community_id")
    in_period = {"created_at__gt": start, "created_at__lte": end}
    threads = (
        Thread.objects.filter(community_id__in=mine, **in_period)
        .exclude(author=user)
        .select_related("community")
        .order_by("-created_at")[:MAX_ITEMS]
    )
    opened = Q(discussion_started_at__gt=start, discussion_started_at__lte=end) | Q(
        voting_started_at__gt=start, voting_started_at__lte=end
    )
    proposals_open = (
        Proposal.objects.filter(community_id__in=mine)
        .filter(state__in=[Proposal.State.DISCUSSION, Proposal.State.VOTING])
        .filter(opened)
        .select_related("community")
        .order_by("voting_ends_at", "discussion_ends_at")[:MAX_ITEMS]
    )
    results = (
        Proposal.objects.filter(community_id__in=mine, state__in=Proposal.CLOSED_STATES)
        .filter(closed_at__gt=start, closed_at__lte=end)
        .select_related("community")
        .order_by("-closed_at")[:MAX_ITEMS]
    )
    # NOT IN with a NULL in the list matches nothing: leave opening posts out.
    answered = Post.objects.filter(author=user, parent__isnull=False).values("parent_id")
    unanswered = (
        Post.objects.filter(parent__author=user, deleted_at__isnull=True, **in_period)
        .exclude(author=user)
        .exclude(pk__in=answered)
        .select_related("author", "thread__community")
        .order_by("-created_at")[:MAX_ITEMS]
    )
    return Digest(list(threads), list(proposals_open), list(results), list(unanswered))


def _linked(items: list) -> list[tuple]:
    return [(item, absolute_url(item.get_absolute_url())) for item in items]


def _send(*, user, digest: Digest, frequency: str) -> None:
    subject = (
        _("Your daily digest from %(site)s")
        if frequency == Frequency.DAILY
        else _("Your weekly digest from %(site)s")
    ) % {"site": settings.SITE_NAME}
    kinds = sorted({item.kind for item in digest.notifications})
    unsubscribe = emails.unsubscribe_url(user_id=user.pk, kinds=kinds) if kinds else ""
    body = render_to_string(
        "notifications/digest_email.txt",
        {
            "user": user,
            "frequency": frequency,
            "notifications": [(item, absolute_url(item.url)) for item in digest.notifications],
            "kind_labels": emails.kind_labels(kinds),
            "unsubscribe_url": unsubscribe,
            "threads": _linked(digest.threads),
            "proposals_open": _linked(digest.proposals_open),
            "results": _linked(digest.results),
            "unanswered": _linked(digest.unanswered),
            "settings_url": absolute_url(reverse("notifications:settings")),
        },
    )
    headers = emails.unsubscribe_headers(unsubscribe) if unsubscribe else {}
    message = EmailMessage(
        subject=email_subject(subject), body=body, to=[user.email], headers=headers
    )
    message.send()


def _send_one(*, user, digest: Digest, frequency: str, end: datetime, now: datetime) -> bool:
    """Lock the member, add their pending digested notifications, and send if there is
    anything: the DigestSent row, the hand-over and the notifications marked emailed all
    commit together or not at all. False when there was nothing to send."""
    with transaction.atomic():
        digest.notifications = emails.take_pending(
            recipient_id=user.pk,
            delivery=Delivery.DAILY,
            now=now,
            respect_window=False,
            max_age=NOTIFICATIONS_MAX_AGE,
        )
        if digest.is_empty:
            return False
        DigestSent.objects.create(user=user, frequency=frequency, period_end=end)
        _send(user=user, digest=digest, frequency=frequency)
        emails.mark_emailed(digest.notifications, now=now)
    return True


def do_send_batch(*, user_ids: list[int], frequency: str, end: datetime) -> int:
    """Send the digest to each member of the batch who has something to read and has not
    had this period's digest. Idempotent: see :func:`_send_one`; a second digest for the
    same period fails on the DigestSent unique row (and finds the notifications emailed
    already), and a message the backend refuses rolls everything back, so the next run
    sends it. Returns how many were sent."""
    start = end - PERIODS[frequency]
    seen_since = end - timedelta(days=INACTIVE_DAYS)
    now = timezone.now()
    sent = 0
    users = (
        get_user_model()
        .objects.filter(pk__in=user_ids)
        .exclude(email="")
        .annotate(seen=Coalesce("last_login", "date_joined"))
        .order_by("pk")
    )
    for user in users:
        visits = user.seen >= seen_since
        digest = build(user=user, start=start, end=end) if visits else Digest()
        try:
            sent += _send_one(user=user, digest=digest, frequency=frequency, end=end, now=now)
        except IntegrityError:
            continue  # sent already for this period (a retried or doubled batch)
        except Exception:
            # Not sent, so not recorded: the next run tries again; the batch goes on.
            logger.exception("Digest to user %s not sent; left for the next run", user.pk)
            continue
    return sent
