"""The header's unread count, cached per member (``notifications.selectors.unread_count``)."""

from django import template

from notifications.selectors import unread_count

register = template.Library()


@register.simple_tag
def unread_notifications(user) -> int:
    return unread_count(user)
