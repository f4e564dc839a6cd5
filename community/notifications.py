"""Notifications: the one way every app tells a user something happened.

Other apps call ``do_notify``; the threads work (issue 4) adds the page, the unread badge
and email delivery (immediately, daily digest or never, per kind) on top of it.
"""

from collections.abc import Iterable

from .models import Community, Notification


def do_notify(
    *,
    recipients: Iterable,
    kind: Notification.Kind,
    text: str,
    url: str,
    community: Community | None = None,
    actor=None,
) -> list[Notification]:
    """Create one notification per distinct recipient (never the actor themself)."""
    seen = set()
    rows = []
    for user in recipients:
        if user.pk in seen or (actor is not None and user.pk == actor.pk):
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user, kind=kind, text=text[:300], url=url, community=community, actor=actor
            )
        )
    return Notification.objects.bulk_create(rows)
