"""Reads of notifications."""

from django.core.paginator import Page, Paginator

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
