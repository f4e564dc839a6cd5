from django import template

from portability import selectors

register = template.Library()


@register.simple_tag
def imported_source(community):
    """Where ``community`` came from, if it was imported (no query once cached)."""
    return selectors.imported_source(community.pk)
