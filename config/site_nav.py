"""A member's site navigation, the ``site-nav`` hole of every page (``core.pagecache``).

It is the same for a member from page to page until their name or unread count changes, so
it is kept per member under exactly those, rendered once with the CSRF placeholder (filled
per response like the rest of the page). It lives in the wiring because it composes the
apps: the account links and the notifications' count."""

import hashlib

from django.core.cache import cache
from django.middleware.csrf import get_token

from core import pagecache
from notifications.selectors import unread_count

TEMPLATE = "_partials/_site_nav.html"
SECONDS = 3600


def _key(user) -> str:
    shown = f"{user.pk}|{user.username}|{user.is_staff}|{unread_count(user)}"
    version = cache.get(pagecache.GENERATION)  # forget_all() forgets these too
    digest = hashlib.blake2b(f"{shown}|{version}".encode(), digest_size=12).hexdigest()
    return f"pagecache:nav:{user.pk}:{digest}"


def fill(request, args) -> dict[str, str]:
    user = request.user
    key = _key(user)
    if (html := cache.get(key)) is None:
        html = pagecache.render_with_placeholders(request, TEMPLATE)
        cache.set(key, html, SECONDS)
    return {"": html.replace(pagecache.CSRF_PLACEHOLDER, get_token(request))}
