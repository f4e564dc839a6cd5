"""The machine-readable time of ``<time datetime="…">`` (a template builtin).

Django's ``date:'c'`` keeps microseconds, which HTML does not allow in a ``datetime``
value (at most three digits of a fraction of a second): the Nu checker rejects them.
"""

from datetime import date, datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def datetime_attr(value) -> str:
    """``2026-12-04T05:16:08+00:00`` in the current time zone (a date stays a date)."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return ""
