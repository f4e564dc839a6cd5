"""Writes and the one read of personal access tokens: creating one (its secret shown once),
revoking it, and finding the live token a request presents.

``check_*`` authorises and validates, then calls ``do_*`` (CONVENTIONS rule 2). Bad input is
a ``ValidationError`` keyed by form field; a refusal of authority is ``PermissionDenied``.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import PersonalAccessToken, Scope
from core.text import clean_line

PREFIX = "cmn_"
DEFAULT_DAYS = 90
MAX_DAYS = 365
MAX_LIVE_TOKENS = 20
MAX_NAME_CHARS = 80
# A token's last use is written at most this often: not one UPDATE per API request.
LAST_USED_EVERY = timedelta(minutes=1)


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def new_secret() -> str:
    """``cmn_`` and 43 characters of URL-safe base64 (256 random bits)."""
    return PREFIX + secrets.token_urlsafe(32)


def check_create_token(
    *, actor, name: str, scopes: list[str], days: int = DEFAULT_DAYS
) -> tuple[PersonalAccessToken, str]:
    """A signed-in, active member makes a token for themself. Returns the token and its
    secret, which is never stored and so can be shown only this once."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("Log in to make an access token."))
    errors = {}
    name = clean_line(name or "")
    if not name:
        errors["name"] = [_("Name the token after the program that will use it.")]
    elif len(name) > MAX_NAME_CHARS:
        errors["name"] = [_("Keep the name to %(n)s characters.") % {"n": MAX_NAME_CHARS}]
    scopes = list(dict.fromkeys(scopes or []))
    if not scopes or any(scope not in Scope.values for scope in scopes):
        errors["scopes"] = [_("Choose at least one of read, write and vote.")]
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        errors["days"] = [_("A token lasts from 1 day to a year (365 days).")]
    if errors:
        raise ValidationError(errors)
    if PersonalAccessToken.objects.live().filter(user=actor).count() >= MAX_LIVE_TOKENS:
        raise ValidationError(
            {
                None: _("You have %(n)s live tokens, the most one may have. Revoke one first.")
                % {"n": MAX_LIVE_TOKENS}
            }
        )
    return do_create_token(user=actor, name=name, scopes=scopes, days=days)


def do_create_token(
    *, user, name: str, scopes: list[str], days: int
) -> tuple[PersonalAccessToken, str]:
    raw = new_secret()
    now = timezone.now()
    token = PersonalAccessToken.objects.create(
        user=user,
        name=name,
        prefix=raw[: len(PREFIX) + 6],
        digest=digest_of(raw),
        scopes=[scope for scope in Scope.values if scope in scopes],
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    return token, raw


def check_revoke_token(*, actor, token_id: int) -> PersonalAccessToken:
    """A member revokes one of their own tokens; anyone else's is not there for them."""
    token = PersonalAccessToken.objects.filter(pk=token_id, user=actor).first()
    if token is None:
        raise PermissionDenied(_("You have no such token."))
    return do_revoke_token(token=token)


def do_revoke_token(*, token: PersonalAccessToken) -> PersonalAccessToken:
    """Idempotent: a token revoked twice keeps its first revocation time."""
    PersonalAccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token.refresh_from_db(fields=["revoked_at"])
    return token


@dataclass
class TokenRefused(Exception):
    """Why a presented token does not authenticate: ``code`` stable, ``message`` for people."""

    status: int
    code: str
    message: str


def authenticate(raw: str) -> PersonalAccessToken:
    """The live token whose secret is ``raw`` (with its user loaded), or TokenRefused.
    Records the use (at most once a minute)."""
    token = None
    if raw.startswith(PREFIX) and len(raw) < 100:
        token = (
            PersonalAccessToken.objects.select_related("user").filter(digest=digest_of(raw)).first()
        )
    if token is None:
        raise TokenRefused(401, "token_invalid", _("This access token is not valid."))
    if token.is_revoked:
        raise TokenRefused(401, "token_revoked", _("This access token was revoked."))
    now = timezone.now()
    if token.expires_at <= now:
        raise TokenRefused(
            401, "token_expired", _("This access token expired; make a new one in your settings.")
        )
    if not token.user.is_active:
        raise TokenRefused(
            403, "account_locked", _("This account is locked; its tokens do not work.")
        )
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
