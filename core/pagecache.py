"""Whole pages for anonymous readers, from the shared cache.

An anonymous reader of a public page sees what everyone without an account sees, so the
rendered page is kept once in Django's cache and served to the next one without a query.
A page is keyed by what it shows: a community's pages by the version of that community,
the directory by the site-wide version (which every bump changes), and each by its
address. A write that changes what an anonymous reader sees calls
``bump(community_id=...)`` at the end of its action; the next request then finds no page
under the new versions and renders afresh. Pages under old versions are never read again
and age out.

What differs per response is put in on the way out: the page is rendered with
placeholders for the CSP nonce and the CSRF token (``placeholders``, a context processor
listed after Django's own) and each response gets its own. A response that is not a plain
200, sets a cookie or carries a message is not kept; a request with a session or a
message cookie, a logged-in one, an htmx one and one with a query other than ``?page=N``
are never served from here.

Relative times ("3 minutes ago") are rendered into the page, so a page also expires after
``SECONDS`` even when nothing was written.
"""

import functools
import hashlib
import uuid

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token

SECONDS = 60
GENERATION = "pagecache:generation"  # every page at once (``forget_all``)
SITE = "pagecache:site"
_NONCE = "pagecache0nonce0placeholder"
_CSRF = "pagecache0csrf0placeholder"
_RENDERING = "_pagecache_rendering"


def community_version_key(community_id: int) -> str:
    return f"pagecache:community:{community_id}"


def _new_versions(*keys: str) -> None:
    # A fresh random value rather than an increment: a version the cache dropped comes
    # back as a new value too, never as one an old page was stored under.
    cache.set_many({key: uuid.uuid4().hex[:12] for key in keys}, timeout=None)


def _versions(keys: list[str]) -> list[str]:
    found = cache.get_many(keys)
    if len(found) < len(keys):
        # add, not set: two first readers at once agree on one version.
        for key in keys:
            if key not in found:
                cache.add(key, uuid.uuid4().hex[:12], timeout=None)
        found = cache.get_many(keys)
    return [found.get(key) for key in keys]


def bump(*, community_id: int | None) -> None:
    """What anonymous readers see of this community (and so of the directory) changed.

    Called at the end of every action that changes it. Inside a transaction the versions
    change now and again after the commit: a reader who rendered from the old rows
    between the two stores its page under a version that is already gone."""
    keys = [SITE] if community_id is None else [SITE, community_version_key(community_id)]
    _new_versions(*keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _new_versions(*keys))


def forget_all() -> None:
    """Every cached page at once: for a change seen everywhere (a member's name or picture
    on their posts in every community)."""
    _new_versions(GENERATION)


def placeholders(request) -> dict:
    """Context processor: while a page is rendered for the cache, the per-response values
    are placeholders (listed after Django's csrf and csp processors, it overrides them)."""
    if getattr(request, _RENDERING, False):
        return {"csrf_token": _CSRF, "csp_nonce": _NONCE}
    return {}


def _plain_address(request) -> bool:
    # Any other query (a search, a tree's "after" cursor, made-up parameters) renders
    # uncached: otherwise every variant of an address would take its own place in the cache.
    return all(
        name == "page" and len(values) == 1 and values[0].isdecimal() and len(values[0]) <= 4
        for name, values in request.GET.lists()
    )


def _cacheable(request) -> bool:
    cookies = request.COOKIES
    return (
        request.method == "GET"
        and _plain_address(request)
        and not request.headers.get("HX-Request")
        and settings.SESSION_COOKIE_NAME not in cookies
        and CookieStorage.cookie_name not in cookies
        and not request.user.is_authenticated
    )


def _page_key(request, versions: list) -> str:
    address = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return "pagecache:page:" + ":".join(str(v) for v in versions) + ":" + address


def _keepable(request, response) -> bool:
    messages = getattr(request, "_messages", None)
    return (
        response.status_code == 200
        and not response.cookies
        and not (messages is not None and len(messages))
    )


def _filled(request, response):
    """The response with this request's own nonce and CSRF token in place of the
    placeholders."""
    text = response.content.decode()
    if _NONCE in text:
        # str() makes the lazy nonce, so the CSP middleware puts the same one in the header.
        text = text.replace(_NONCE, str(request._csp_nonce))
    if _CSRF in text:
        text = text.replace(_CSRF, get_token(request))
    response.content = text
    return response


def cached_for_anonymous(community_id=None):
    """Serve the decorated GET view's page to anonymous readers from the cache.

    ``community_id(**view_kwargs)`` names the community whose version keys the page (None:
    the site's version alone); it must not need the database on a cached hit."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _cacheable(request):
                return view(request, *args, **kwargs)
            if community_id is None:
                keys = [GENERATION, SITE]
            else:
                keys = [GENERATION, community_version_key(community_id(**kwargs))]
            key = _page_key(request, _versions(keys))
            if (kept := cache.get(key)) is not None:
                content, content_type = kept
                return _filled(request, HttpResponse(content, content_type=content_type))
            setattr(request, _RENDERING, True)
            try:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
            finally:
                setattr(request, _RENDERING, False)
            if response.streaming:
                return response
            if _keepable(request, response):
                cache.set(key, (response.content, response["Content-Type"]), SECONDS)
            return _filled(request, response)

        return wrapper

    return decorate
