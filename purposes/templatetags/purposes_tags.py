"""Template helpers of the purposes app."""

from django import template

from purposes.selectors import needs_reaffirm

register = template.Library()


@register.simple_tag
def reaffirm_needed(community, membership) -> bool:
    """{% reaffirm_needed community membership as show %}: one query at most, none for the
    membership of current_membership, which carries the answer."""
    if not community or not membership:
        return False
    return needs_reaffirm(membership, community)


@register.filter
def percent_of(part, whole) -> int:
    """Integer percentage for bar widths (0 when the whole is empty)."""
    try:
        return round(100 * int(part) / int(whole)) if int(whole) else 0
    except (TypeError, ValueError):
        return 0
