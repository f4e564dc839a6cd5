"""Rate limits and new-member limits, kept in Django's cache (Redis in production, so every
web process shares them; the local-memory cache in tests).

A view declares its limit with ``@rate_limited("flag")`` and, once its form is valid and
just before acting, asks ``request.rate_limit.exceeded(form=form)``. Over the limit, the
message goes on the form, the view shows it again with the text the person typed, and the
decorator answers HTTP 429 with ``Retry-After`` (200 for htmx, which swaps only successes).
Only a valid submission counts: a form sent back for a typo costs nothing.
"""

import math
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.models import Post
from members import permissions

# Seconds between two of these by one person.
INTERVALS = {
    "post": 5,
    "new_member_post": 30,
    "thread": 15,
    # Rendering a preview costs as much as posting (up to ~25 ms of CPU); unlimited, it
    # was a lever to keep a web process busy.
    "preview": 2,
    # An edit renders the body again, like a post.
    "edit": 5,
}
# At most this many a day (UTC) by one person.
DAILY = {
    "flag": 20,
    "proposal": 3,
    "invitation": 10,
    "amendment": 10,
}
# A member is new in a community for their first day there.
NEW_MEMBER_PERIOD = timedelta(days=1)
NEW_MEMBER_MAX_LINKS = 2
_LINK_RE = re.compile(r"https?://|(?<![/\w.])www\.", re.IGNORECASE)


@dataclass(frozen=True)
class Limited:
    """Over a limit: wait ``retry_after`` seconds."""

    action: str
    retry_after: int

    @property
    def retry_at(self) -> datetime:
        return timezone.now() + timedelta(seconds=self.retry_after)

    @property
    def message(self) -> str:
        wait = _wait_words(self.retry_after)
        at = f"{self.retry_at:%H:%M:%S} UTC"
        if self.action in DAILY:
            return _(
                "You have reached today’s limit of %(n)s %(what)s. You can try again in "
                "%(wait)s (at %(at)s). What you wrote is kept below."
            ) % {"n": DAILY[self.action], "what": _WHAT[self.action], "wait": wait, "at": at}
        return _(
            "You are going faster than this community allows. Try again in %(wait)s "
            "(at %(at)s). What you wrote is kept below."
        ) % {"wait": wait, "at": at}


_WHAT = {
    "flag": _("flags"),
    "proposal": _("proposals"),
    "invitation": _("invitations"),
    "amendment": _("amendments"),
}


def _wait_words(seconds: int) -> str:
    if seconds < 120:
        return ngettext("%(n)s second", "%(n)s seconds", seconds) % {"n": seconds}
    if seconds < 7200:
        minutes = math.ceil(seconds / 60)
        return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
    hours = math.ceil(seconds / 3600)
    return ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}


def is_new_member(user, community) -> bool:
    membership = permissions.current_membership(user, community)
    return membership is not None and membership.joined_at > timezone.now() - NEW_MEMBER_PERIOD


def _interval(key: str, seconds: int) -> int | None:
    """Allow one per ``seconds``: the cache key holds when the next one is allowed."""
    now = time.time()
    if cache.add(key, now + seconds, timeout=seconds):
        return None
    until = cache.get(key)
    if until is None or until <= now:  # expired between add and get
        cache.set(key, now + seconds, timeout=seconds)
        return None
    return max(1, math.ceil(until - now))


def _daily(key: str, limit: int) -> int | None:
    """Allow ``limit`` per UTC day: a counter per day, incremented atomically."""
    now = datetime.now(UTC)
    day_key = f"{key}:{now:%Y%m%d}"
    cache.add(day_key, 0, timeout=90_000)
    try:
        count = cache.incr(day_key)
    except ValueError:  # evicted between add and incr
        cache.set(day_key, 1, timeout=90_000)
        count = 1
    if count <= limit:
        return None
    tomorrow = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
    return max(1, math.ceil((tomorrow - now).total_seconds()))


def hit(*, user, action: str, community=None, token: str = "") -> Limited | None:
    """Count one ``action`` ("post", "thread", "preview", "edit", "flag", "proposal",
    "invitation", "amendment")
    by ``user``;
    a Limited if it is over the limit. Posts by a member in their first day in
    ``community`` wait 30 seconds instead of 5. A form sent again with the ``token`` of a
    post already made (a double click) is let through: the action returns that post."""
    if action == "post" and community is not None and is_new_member(user, community):
        action = "new_member_post"
    key = f"ratelimit:{action}:{user.pk}"
    limit = INTERVALS.get(action)
    wait = _interval(key, limit) if limit else _daily(key, DAILY[action])
    if wait is None:
        return None
    if token and Post.objects.filter(author=user, client_token=token).exists():
        return None
    return Limited(action="post" if action == "new_member_post" else action, retry_after=wait)


def count_links(text: str) -> int:
    return len(_LINK_RE.findall(text or ""))


def link_error(*, user, community, body: str) -> str | None:
    """New members (first day) may put at most 2 links in a post: spam arrives that way."""
    if count_links(body) <= NEW_MEMBER_MAX_LINKS or not is_new_member(user, community):
        return None
    return _(
        "In your first day as a member a post may hold at most %(max)s links; this one has "
        "%(n)s. Remove some, or post them tomorrow."
    ) % {"max": NEW_MEMBER_MAX_LINKS, "n": count_links(body)}


class RateLimit:
    """The limit a view declared with ``@rate_limited``, counted when the view asks."""

    def __init__(self, user, action: str):
        self.user = user
        self.action = action
        self.limited: Limited | None = None

    def exceeded(self, *, form=None, action: str = "", community=None, token: str = "") -> bool:
        """Count one action now (``action`` overrides the view's, e.g. a form's preview
        button). Over the limit, the message goes on ``form`` and the response will say
        when to try again."""
        limited = hit(
            user=self.user, action=action or self.action, community=community, token=token
        )
        if limited is not None:
            self.limited = limited
            if form is not None:
                form.add_error(None, limited.message)
        return limited is not None


def rate_limited(action: str):
    """View decorator: ``request.rate_limit`` counts ``action`` when the view asks, and a
    response rendered over the limit gets 429 (200 for htmx) and ``Retry-After``."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            request.rate_limit = RateLimit(request.user, action)
            response = view(request, *args, **kwargs)
            if request.rate_limit.limited is not None:
                response.status_code = 200 if getattr(request, "htmx", False) else 429
                response["Retry-After"] = str(request.rate_limit.limited.retry_after)
            return response

        return wrapper

    return decorate
