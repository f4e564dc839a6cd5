"""Who a request to the API acts for: a personal access token (``Authorization: Bearer``)
with the scope the route needs, or nobody (anonymous) where the route allows it.

The session cookie is never read: a page open in the same browser does not lend its login
to a script, and without cookies the API needs no CSRF token."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from api import throttle, tokens
from api.models import Scope

# A request body larger than this is refused before it is read (413).
MAX_BODY_BYTES = 64 * 1024


@dataclass
class ApiError(Exception):
    """A refusal the API answers as ``{"code": ..., "message": ...}`` with ``status``."""

    status: int
    code: str
    message: str
    fields: dict | None = None
    retry_after: int | None = None


class Anonymous:
    """``request.auth`` on a public read without a token (truthy, unlike None)."""

    def __init__(self):
        self.user = AnonymousUser()


class TokenAuth(HttpBearer):
    """Bearer token with ``scope``; ``anonymous`` routes also answer requests without one.

    The body's size is checked here too, before anything parses it: authentication is the
    first thing django-ninja runs for a route."""

    def __init__(self, scope: str, *, anonymous: bool = False):
        super().__init__()
        self.scope = scope
        self.anonymous = anonymous

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdecimal() or int(length) > MAX_BODY_BYTES:
            raise ApiError(
                413,
                "too_large",
                _("The request body is larger than %(n)s KiB.") % {"n": MAX_BODY_BYTES // 1024},
            )
        header = request.headers.get("Authorization", "")
        if not header:
            if self.anonymous:
                return limited(request, Anonymous(), token=None)
            raise ApiError(
                401, "authentication_required", _("Send a personal access token (Bearer).")
            )
        scheme, _space, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise ApiError(
                401, "token_invalid", _("Send the token as “Authorization: Bearer <token>”.")
            )
        token = self.authenticate(request, raw.strip())
        return limited(request, token, token=token)

    def authenticate(self, request, token):
        try:
            found = tokens.authenticate(token)
        except tokens.TokenRefused as refused:
            raise ApiError(refused.status, refused.code, refused.message) from None
        if not found.has_scope(self.scope):
            raise ApiError(
                403,
                "insufficient_scope",
                _("This token lacks the “%(scope)s” scope.") % {"scope": self.scope},
            )
        return found


def limited(request, who, *, token):
    """``who``, once this request is counted against its token's and member's limits (the
    address's, without a token); over one, a 429 with Retry-After. The quota is kept on the
    request for the RateLimit fields of the answer (``api.views.site``)."""
    quota = throttle.count_request(token=token, address=request.META.get("REMOTE_ADDR", ""))
    request.rate_quota = quota
    if quota.over:
        raise ApiError(
            429,
            "rate_limited",
            _("Too many requests: at most %(n)s a minute. Try again in %(s)s seconds.")
            % {"n": quota.limit, "s": quota.reset},
            retry_after=quota.reset,
        )
    return who


READ_OR_ANONYMOUS = TokenAuth(Scope.READ, anonymous=True)
READ = TokenAuth(Scope.READ)
WRITE = TokenAuth(Scope.WRITE)
VOTE = TokenAuth(Scope.VOTE)


def actor(request):
    """The member the request acts for (an AnonymousUser without a token)."""
    return request.auth.user
