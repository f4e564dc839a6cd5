"""Reads of notifications."""

import time

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import transaction

from notifications.models import DigestSetting, Notification

PER_PAGE = 30


def notifications_page(*, user, page_number) -> Page:
    """One page of the user's notifications, newest first, with what each line shows."""
    items = (
        Notification.objects.filter(recipient=user)
        .select_related("actor", "community")
        .order_by("-created_at", "-id")
    )
    return Paginator(items, PER_PAGE).get_page(page_number)


def digest_frequency(user) -> str:
    """How often the user gets their digest: their choice, or the default (weekly)."""
    setting = DigestSetting.objects.filter(user=user).first()
    return setting.frequency if setting else DigestSetting.DEFAULT


# The header's unread count is on every page a member sees, so it is cached per member.
# Each writer of notifications forgets the counts it changes (``forget_unread``; an
# audience given as a query starts a new epoch, which forgets them all), now and again
# after its transaction commits, so that no request re-caches a count the commit is about
# to change. An epoch is a fresh clock reading, never a counter: should the cache drop it,
# the next one matches no count cached before. The timeout only bounds a count that a
# write outside the actions left behind.
UNREAD_TIMEOUT = 300
_EPOCH_KEY = "notifications:unread-epoch"


def _unread_key(user_id) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user) -> int:
    """The user's unread notifications: one cache read, and one COUNT when not cached."""
    key = _unread_key(user.pk)
    found = cache.get_many([_EPOCH_KEY, key])
    epoch, cached = found.get(_EPOCH_KEY), found.get(key)
    if epoch is not None and cached is not None and cached[0] == epoch:
        return cached[1]
    count = Notification.objects.filter(recipient=user).unread_count()
    if epoch is None:
        cache.add(_EPOCH_KEY, time.time_ns(), None)
        epoch = cache.get(_EPOCH_KEY)
    if epoch is not None:
        cache.set(key, (epoch, count), UNREAD_TIMEOUT)
    return count


def forget_unread(user_ids=None) -> None:
    """Drop the cached counts of these users (of everyone when None), now and on commit."""

    def forget():
        if user_ids is None:
            cache.set(_EPOCH_KEY, time.time_ns(), None)
        else:
            cache.delete_many([_unread_key(user_id) for user_id in user_ids])

    forget()
    transaction.on_commit(forget)
