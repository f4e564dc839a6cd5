"""django-allauth's account adapter, for Commons (ACCOUNT_ADAPTER in settings)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.shortcuts import render

from .models import PlatformLogEntry


class AccountAdapter(DefaultAccountAdapter):
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
