"""django-allauth's account adapter (ACCOUNT_ADAPTER in settings): usernames follow
``members.usernames`` (no look-alikes, nothing in the anonymised name space), its emails
link to ``SITE_URL`` like ours do, and a locked account is told why it cannot log in.

allauth builds its links (confirm your address, reset your password, sign up) from the
request's host, or from the Sites framework's row when there is no request; neither is
the address people reach the site at. Here every link it builds is re-based on
``SITE_URL`` before the message is rendered, and its emails are given the site's name.
"""

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.shortcuts import render

from core.links import absolute_url, site_url
from members import usernames
from members.models import PlatformLogEntry


def _rebased(url: str) -> str:
    """The same path, query and fragment on SITE_URL."""
    bits = urlsplit(url)
    path = bits.path + (f"?{bits.query}" if bits.query else "")
    return absolute_url(path + (f"#{bits.fragment}" if bits.fragment else ""))


class AccountAdapter(DefaultAccountAdapter):
    def clean_username(self, username: str, shallow: bool = False) -> str:
        username = super().clean_username(username, shallow=shallow)
        if not shallow:
            usernames.validate_username(username)
        return username

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return _rebased(super().get_email_confirmation_url(request, emailconfirmation))

    def get_reset_password_from_key_url(self, key: str) -> str:
        return _rebased(super().get_reset_password_from_key_url(key))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {
            **context,
            # allauth's templates name the site through this; ours is not a Sites row.
            "current_site": SimpleNamespace(
                name=settings.SITE_NAME, domain=urlsplit(site_url()).netloc
            ),
        }
        for key, value in list(context.items()):
            if key.endswith("_url") and isinstance(value, str) and "://" in value:
                context[key] = _rebased(value)
        super().send_mail(template_prefix, email, context)

    def respond_user_inactive(self, request, user):
        """Someone whose account staff locked is told why (the reason is public in the
        platform log anyway); a deleted account gets the same page without a reason."""
        lock = (
            PlatformLogEntry.objects.filter(
                member=user,
                kind__in=[PlatformLogEntry.Kind.LOCK, PlatformLogEntry.Kind.UNLOCK],
            )
            .only("kind", "reason", "created_at")
            .first()
        )
        if lock is not None and lock.kind != PlatformLogEntry.Kind.LOCK:
            lock = None
        return render(request, "members/account_locked.html", {"lock": lock}, status=403)
