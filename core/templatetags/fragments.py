"""Cached fragments keyed by their content.

``{% content_stamp rows "field" "author.shown_name" ... as stamp %}`` digests what a
fragment shows of ``rows``; used as a ``{% cache %}`` key, the fragment is rendered again as
soon as anything it shows changes (an edit, a deletion, a moderation, a renamed author), so
no write has to invalidate anything, and two pages never share a stale copy. Only
fragments whose per-member parts are all in the key are cached this way.
"""

import hashlib

from django import template

register = template.Library()


def _value(row, field: str):
    value = row
    for part in field.split("."):
        value = getattr(value, part, None)
    if isinstance(value, range):
        return len(value)
    return value


@register.simple_tag
def content_stamp(rows, *fields, viewer=None) -> str:
    """With ``viewer`` (a user id), whether each row is the viewer's own (its author) is
    part of the stamp, so members share a fragment unless their own posts are in it."""
    digest = hashlib.blake2b(digest_size=16)
    for row in rows or ():
        values = tuple(_value(row, field) for field in fields)
        mine = viewer is not None and getattr(row, "author_id", None) == viewer
        digest.update(repr((values, mine)).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()
