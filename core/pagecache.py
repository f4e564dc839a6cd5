"""Whole pages from the shared cache: for anonymous readers, and for members with holes.

An anonymous reader of a public page sees what everyone without an account sees, so the
rendered page is kept once in Django's cache and served to the next one without a query.

Members see almost the same page. A view that names a ``viewer`` function serves them
too: ``viewer(request, **view_kwargs)`` says, from live data on every request, what
differs between members on that page (for a community's thread list: whether they may
post there) and checks that they may see it at all (it raises ``Http404`` as the view
would; None renders the page for this member alone). The page is kept once per such
answer, and what is each member's own (the site
navigation with their name and unread count, the "3 new" marks of the threads they read)
is left in it as *holes*: markers that ``hole()`` writes and that are filled for each
response by the filler registered under the hole's name (``register_hole``), one call per
name for all of a page's holes of that name, so a page of 30 threads asks for its read
marks in one query. The same filling runs when the page is rendered, so a member's page
reads the same whether it came from the cache or not. (This is "donut" caching: the page
is shared, the holes are the member's.) A *section* is the other way round: content in the
shared page that only some members see (the Edit link of their own post, the "new" mark of
a reply they have not read), kept or cut for each response by the keeper registered under
its name (``register_section``), again one call per name.
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
from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe

SECONDS = 60
GENERATION = "pagecache:generation"  # every page at once (``forget_all``)
SITE = "pagecache:site"
_NONCE = "pagecache0nonce0placeholder"
_CSRF = "pagecache0csrf0placeholder"
_RENDERING = "_pagecache_rendering"
_HOLES = "_pagecache_holes"


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


# --- Holes: a member's own parts of a shared page ------------------------------------------

Filler = Callable[..., dict[str, str]]
Keeper = Callable[..., set[str]]
_fillers: dict[str, Filler] = {}
_keepers: dict[str, Keeper] = {}


@functools.lru_cache(maxsize=4)
def _markers_for(secret: str) -> str:
    digest = salted_hmac("pagecache.hole", "marker", secret=secret, algorithm="sha256")
    return "<!--hole:" + digest.hexdigest()[:12] + ":"


def _marker_prefix() -> str:
    # Keyed by the secret: text a member writes is escaped or sanitised anyway (no "<!--"
    # survives), and even so could not make a marker without knowing it.
    return _markers_for(settings.SECRET_KEY)


def register_hole(name: str, filler: Filler) -> None:
    """``filler(request, args)`` gets every argument its holes on a page carry (strings)
    and answers the HTML for each: ``{arg: html}``; a missing one leaves the hole empty."""
    _fillers[name] = filler


def register_section(name: str, keeper: Keeper) -> None:
    """``keeper(request, args)`` gets every argument its sections on a page carry and
    answers those whose content this member sees; the others are cut out."""
    _keepers[name] = keeper


def makes_holes(request) -> bool:
    """Whether this response's member parts are written as holes (and filled after)."""
    return getattr(request, _HOLES, False)


def hole(request, name: str, arg: str = "") -> SafeString:
    """A hole where this request's page is filled later, else the filled HTML at once.
    ``arg`` is ours (ids, numbers), never a reader's text."""
    if makes_holes(request):
        return mark_safe(f"{_marker_prefix()}{name}:{arg}-->")  # noqa: S308 - our own marker
    # A filler answers HTML it escaped itself.
    return mark_safe(_fillers[name](request, [arg]).get(arg, ""))  # noqa: S308


def section(request, name: str, arg: str, content: str) -> str:
    """``content`` kept in the page for the members whose ``name`` keeper keeps ``arg``:
    the shared page holds it between markers, cut or kept for each response (sections do
    not nest). ``content`` is rendered HTML; ``arg`` is ours."""
    if makes_holes(request):
        prefix = _marker_prefix()
        return f"{prefix}section:{name}:{arg}-->{content}{prefix}end-->"
    return content if arg in _keepers[name](request, [arg]) else ""


_END = "end"
_SECTION = "section:"


def _read_markers(parts: list[str]) -> list[tuple[str, str, str, str]]:
    """Each marker of a page split at the marker prefix: (kind, name, arg, the text after
    it up to the next marker), kind being "hole", "section" or "end"."""
    markers = []
    for part in parts:
        head, _sep, rest = part.partition("-->")
        if head == _END:
            markers.append((_END, "", "", rest))
            continue
        kind = "hole"
        if head.startswith(_SECTION):
            kind, head = "section", head[len(_SECTION) :]
        name, _sep, arg = head.partition(":")
        markers.append((kind, name, arg, rest))
    return markers


def fill_holes(request, text: str) -> str:
    """The page with this member's holes filled and sections kept or cut: one pass over
    the page (split at the marker prefix) and one call per filler or keeper."""
    prefix = _marker_prefix()
    if prefix not in text:
        return text
    parts = text.split(prefix)
    markers = _read_markers(parts[1:])
    holes, sections = defaultdict(list), defaultdict(list)
    for kind, name, arg, _rest in markers:
        if kind == "hole":
            holes[name].append(arg)
        elif kind == "section":
            sections[name].append(arg)
    answers = {name: _fillers[name](request, args) for name, args in holes.items()}
    kept = {name: _keepers[name](request, args) for name, args in sections.items()}
    out, cutting = [parts[0]], False
    for kind, name, arg, rest in markers:
        if kind == _END:
            cutting = False
            out.append(rest)
        elif kind == "section":
            cutting = arg not in kept[name]
            if not cutting:
                out.append(rest)
        elif not cutting:
            out.append(answers[name].get(arg, ""))
            out.append(rest)
    return "".join(out)


CSRF_PLACEHOLDER = _CSRF


def render_with_placeholders(request, template_name: str) -> str:
    """A template rendered for keeping: the CSRF token and nonce as placeholders."""
    rendering = getattr(request, _RENDERING, False)
    setattr(request, _RENDERING, True)
    try:
        return render_to_string(template_name, request=request)
    finally:
        setattr(request, _RENDERING, rendering)


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
    """Requests that may get a kept page (which one is the decorator's business)."""
    return (
        request.method == "GET"
        and _plain_address(request)
        and not request.headers.get("HX-Request")
        and CookieStorage.cookie_name not in request.COOKIES
    )


def _anonymous(request) -> bool:
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and not request.user.is_authenticated


def _messages_waiting(request) -> bool:
    # len() of the storage reads what waits (from the cookie or the session) without
    # marking it shown.
    messages = getattr(request, "_messages", None)
    return messages is not None and len(messages) > 0


def _page_key(request, versions: list, variant: str) -> str:
    address = hashlib.sha256(f"{variant}|{request.get_full_path()}".encode()).hexdigest()[:32]
    return "pagecache:page:" + ":".join(str(v) for v in versions) + ":" + address


def _keepable(request, response) -> bool:
    return response.status_code == 200 and not response.cookies and not _messages_waiting(request)


def _filled(request, response):
    """The response with this request's own holes, nonce and CSRF token in place of the
    placeholders."""
    text = response.content.decode()
    if makes_holes(request):
        text = fill_holes(request, text)
    if _NONCE in text:
        # str() makes the lazy nonce, so the CSP middleware puts the same one in the header.
        text = text.replace(_NONCE, str(request._csp_nonce))
    if _CSRF in text:
        text = text.replace(_CSRF, get_token(request))
    response.content = text
    return response


def _with_holes_filled(request, response):
    if makes_holes(request) and not response.streaming:
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        response.content = fill_holes(request, response.content.decode())
    return response


def cached_page(community_id=None, *, viewer=None):
    """Serve the decorated GET view's page from the cache: to anonymous readers, and to
    signed-in members too when ``viewer`` is given (see the module's docstring).

    ``community_id(**view_kwargs)`` names the community whose version keys the page (None:
    the site's version alone); it must not need the database on a cached hit."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return serve(request, *args, **kwargs)
            except BaseException:
                # The error page is rendered outside this view: no holes left in it.
                setattr(request, _HOLES, False)
                raise

        def serve(request, *args, **kwargs):
            variant = None
            if request.user.is_authenticated:
                setattr(request, _HOLES, True)  # filled below, whether kept or not
                if viewer is not None and _cacheable(request):
                    # Live on every request: it may refuse (404) before anything is served,
                    # and answers None for a member whose page is rendered for them alone.
                    reader = viewer(request, **kwargs)
                    if reader is not None:
                        variant = f"member:{request.user.is_staff}:{reader}"
            elif _anonymous(request) and _cacheable(request):
                variant = "anonymous"
            if variant is None:
                return _with_holes_filled(request, view(request, *args, **kwargs))
            if community_id is None:
                keys = [GENERATION, SITE]
            else:
                keys = [GENERATION, community_version_key(community_id(**kwargs))]
            key = _page_key(request, _versions(keys), variant)
            if not _messages_waiting(request) and (kept := cache.get(key)) is not None:
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
