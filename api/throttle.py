"""The API's request limits, per token and per member (all their tokens together), and per
address for requests without a token: fixed one-minute windows counted in Django's cache
(Redis in production, shared by every web process).

They come on top of the pages' own limits on posting, flagging and proposing, which the
write routes count as the pages do. Every answer says where its caller stands in the
fields of the IETF draft "RateLimit header fields for HTTP" (draft-ietf-httpapi-ratelimit-
headers-07): ``RateLimit-Limit``, ``RateLimit-Remaining``, ``RateLimit-Reset`` (seconds
until the window ends) and ``RateLimit-Policy`` (``120;w=60``), for the limit that binds
(the one with fewest requests left); over it, 429 with ``Retry-After``."""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends
    over: bool

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
            "RateLimit-Policy": f"{self.limit};w={WINDOW_SECONDS}",
        }


def _count(key: str, limit: int, now: float) -> Quota:
    start = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
    window_key = f"apirate:{key}:{start}"
    cache.add(window_key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        used = cache.incr(window_key)
    except ValueError:  # evicted between add and incr
        cache.set(window_key, 1, timeout=WINDOW_SECONDS * 2)
        used = 1
    reset = max(1, math.ceil(start + WINDOW_SECONDS - now))
    return Quota(limit=limit, remaining=max(0, limit - used), reset=reset, over=used > limit)


def count_request(*, token=None, address: str = "") -> Quota:
    """Count one request; the quota that binds (an exceeded one first)."""
    now = time.time()
    if token is None:
        return _count(f"ip:{address}", settings.API_RATE_ANONYMOUS_PER_MINUTE, now)
    quotas = [
        _count(f"token:{token.pk}", settings.API_RATE_TOKEN_PER_MINUTE, now),
        _count(f"member:{token.user_id}", settings.API_RATE_MEMBER_PER_MINUTE, now),
    ]
    return min(quotas, key=lambda q: (not q.over, q.remaining, -q.reset))
