"""Template tags for the parts of a page that are each member's own (``core.pagecache``)."""

from django import template

from core import pagecache

register = template.Library()


@register.simple_tag(takes_context=True)
def member_site_nav(context):
    """A member's site navigation (their name and unread count) as a hole."""
    return pagecache.hole(context["request"], "site-nav")
