"""``{% avatar user %}``: a member's picture, or their generated initials.

Built from the user row alone (``avatar_key``, ``username``, ``shown_name``), so a page
listing many authors adds no query per author. The generated picture is a URL of its own
(initials and colour in the path), shared by everyone with the same initials and cached
for ever. URLs are written out rather than reversed: a thread page may show hundreds.
"""

from urllib.parse import quote

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from members import avatars

register = template.Library()


@register.simple_tag
def avatar(user, size: int = 32, named: bool = False):
    """Beside a name (the usual case) the picture is decorative: empty alt text. With
    ``named=True`` its alt text names the person."""
    name = getattr(user, "shown_name", "") or ""
    if user.avatar_key:
        src = f"/u/{quote(user.username, safe='')}/avatar/{user.avatar_key}.webp"
    else:
        letters = avatars.initials(name)
        src = f"/avatars/{quote(letters, safe='')}-{avatars.shade(user.username)}.svg"
    return format_html(
        '<img class="avatar" src="{}" width="{}" height="{}" alt="{}" decoding="async">',
        src,
        size,
        size,
        _("Picture of %(name)s") % {"name": name} if named else "",
    )
