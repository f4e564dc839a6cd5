"""A member's own data: the export of everything they wrote and did, and account deletion.

Deleting an account anonymises it and keeps the community's record whole: the
user row stays (posts, votes, proposals, charters and log entries point at it and are
never deleted), but it loses its name, email, bio and password and can never sign in
again; memberships end as if the member had left; open applications are withdrawn and
open invitations declined; what was private to the person (notifications, settings,
sessions, email addresses, two-factor devices, the picture) is deleted.
"""

import base64

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Post, ReadState, Thread
from core import pagecache
from core.links import absolute_url
from members import usernames
from members.models import Application, Avatar, Invitation, Membership
from moderation.models import Flag
from notifications.models import DigestSetting, Notification, NotificationPreference
from purposes.models import Proposal, Vote

User = get_user_model()

EXPORT_FORMAT = "commons-export/1"


def _iso(value):
    return value.isoformat() if value else None


def _picture(user) -> dict | None:
    """The uploaded picture as stored (already stripped of metadata), base64-encoded."""
    picture = Avatar.objects.filter(user=user).only("image", "content_type").first()
    if picture is None:
        return None
    return {
        "content_type": picture.content_type,
        "base64": base64.b64encode(bytes(picture.image)).decode(),
    }


def export_user_data(*, user) -> dict:
    """Everything the user wrote and did, as plain JSON-ready data. Only ever for the
    user themself (the view checks)."""
    posts = Post.objects.filter(author=user).select_related("thread__community")
    posts = posts.prefetch_related("revisions").order_by("created_at", "pk")
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(timezone.now()),
        "profile": {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "bio": user.bio,
            "date_joined": _iso(user.date_joined),
            "picture": _picture(user),
        },
        "memberships": [
            {
                "community": m.community.slug,
                "role": m.role,
                "joined_at": _iso(m.joined_at),
                "left_at": _iso(m.left_at),
                "affirmed_at": _iso(m.affirmed_at),
            }
            for m in Membership.objects.filter(user=user).select_related("community")
        ],
        "threads": [
            {"id": t.pk, "community": t.community.slug, "title": t.title}
            for t in Thread.objects.filter(author=user).select_related("community")
        ],
        "posts": [
            {
                "id": p.pk,
                "community": p.thread.community.slug,
                "thread": p.thread_id,
                "parent": p.parent_id,
                "body": p.body,
                "created_at": _iso(p.created_at),
                "edited_at": _iso(p.edited_at),
                "deleted_at": _iso(p.deleted_at),
                "revisions": [
                    {"body": r.body, "title": r.title, "written_at": _iso(r.written_at)}
                    for r in p.revisions.all()
                ],
            }
            for p in posts
        ],
        "proposals": [
            {
                "id": p.pk,
                "community": p.community.slug,
                "kind": p.kind,
                "state": p.state,
                "title": p.title,
                "rationale": p.rationale,
                "created_at": _iso(p.created_at),
            }
            for p in Proposal.objects.filter(author=user).select_related("community")
        ],
        "votes": [
            {
                "proposal": v.proposal_id,
                "choice": v.choice,
                "reason": v.reason,
                "cast_at": _iso(v.cast_at),
                "superseded_at": _iso(v.superseded_at),
            }
            for v in Vote.objects.filter(user=user).order_by("cast_at", "pk")
        ],
        "applications": [
            {
                "community": a.community.slug,
                "state": a.state,
                "motivation": a.motivation,
                "created_at": _iso(a.created_at),
            }
            for a in Application.objects.filter(user=user).select_related("community")
        ],
        "invitations_received": [
            {"community": i.community.slug, "state": i.state, "created_at": _iso(i.created_at)}
            for i in Invitation.objects.filter(invitee=user).select_related("community")
        ],
        "flags": [
            {"post": f.post_id, "reason": f.reason, "note": f.note, "at": _iso(f.created_at)}
            for f in Flag.objects.filter(flagger=user)
        ],
        "notifications": [
            {
                "kind": n.kind,
                "text": n.text,
                "url": absolute_url(n.url) if n.url else "",
                "created_at": _iso(n.created_at),
            }
            for n in Notification.objects.filter(recipient=user)
        ],
    }


def check_delete_account(*, actor, user, password: str):
    """Only the person themself, confirming with their password."""
    if not getattr(actor, "is_authenticated", False) or actor.pk != user.pk:
        raise PermissionDenied(_("You can only delete your own account."))
    if not password or not user.check_password(password):
        raise ValidationError({"password": _("That is not your password.")})
    return do_delete_account(user=user)


def _anonymised_username(user) -> str:
    """``deleted-<id>``, or, should a name in that space be taken (by an account from
    before it was reserved), the first free ``deleted-<id>-<n>``: deletion never fails on
    a squatter. Idempotent: an account already anonymised keeps its name."""
    if user.username.startswith(usernames.ANONYMISED_PREFIX) and not user.is_active:
        return user.username
    base = f"{usernames.ANONYMISED_PREFIX}{user.pk}"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exclude(pk=user.pk).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def do_delete_account(*, user):
    """Anonymise the account in one transaction (see the module docstring). Idempotent:
    running it twice leaves the same state."""
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        Membership.objects.filter(user=user, left_at__isnull=True).update(left_at=now)
        Application.objects.filter(user=user, state=Application.State.PENDING).update(
            state=Application.State.WITHDRAWN, decided_at=now
        )
        Invitation.objects.filter(invitee=user, state=Invitation.State.PENDING).update(
            state=Invitation.State.DECLINED, responded_at=now
        )
        for model, field in (
            (Notification, "recipient"),
            (NotificationPreference, "user"),
            (DigestSetting, "user"),
            (ReadState, "user"),
            (EmailAddress, "user"),
            (Authenticator, "user"),
            (Avatar, "user"),
        ):
            model.objects.filter(**{field: user}).delete()
        user.username = _anonymised_username(user)
        user.display_name = _("Former member")
        user.email = ""
        user.first_name = user.last_name = ""
        user.bio = ""
        user.avatar_key = ""
        user.is_active = False
        user.is_staff = user.is_superuser = False
        user.set_unusable_password()
        # A new (unusable) password changes the session hash: every session signed in as
        # this user ends at its next request, without scanning the session table.
        user.save()
    pagecache.forget_all()  # "Former member" on their posts everywhere, member counts
    return user
