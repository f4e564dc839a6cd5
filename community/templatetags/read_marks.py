"""The "new" marks of a thread list: what each member has read, as holes of a page that
is otherwise the same for every reader (``core.pagecache``)."""

from django import template
from django.utils.html import format_html

from community import selectors
from core import pagecache

register = template.Library()

HOLE = "read-mark"


@register.simple_tag(takes_context=True)
def read_mark(context, thread):
    """``new`` on a thread the member never opened, ``3 new`` where others posted since
    their last visit; nothing for anonymous readers."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return pagecache.hole(request, HOLE, selectors.read_mark_key(thread))


def fill(request, keys: list[str]) -> dict[str, str]:
    if not request.user.is_authenticated:
        return {}
    marks = selectors.read_marks(user=request.user, keys=keys)
    return {
        key: format_html(
            '<span class="badge badge--new">{}</span>', "new" if n is None else f"{n} new"
        )
        for key, n in marks.items()
    }
