"""A member's own profile: display name, bio and picture (only the person themself, R2)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import pagecache
from core.text import clean_line, clean_text
from members import avatars, permissions
from members.models import Avatar, User

MAX_DISPLAY_NAME_CHARS = 80


def clean_display_name(display_name: str) -> str:
    """One line, like a thread title: no control or invisible characters, spaces folded."""
    return clean_line(display_name or "")


def check_update_profile(
    *,
    actor: User,
    user: User,
    display_name: str,
    bio: str,
    avatar: bytes | None = None,
    remove_avatar: bool = False,
) -> User:
    """Only the person themself (staff included, R2). Everything is checked before
    anything is saved, so a refused picture leaves the name and bio as they were."""
    if not permissions.can_edit_profile(actor, user):
        raise PermissionDenied(_("You can only edit your own profile."))
    display_name = clean_display_name(display_name)
    bio = clean_text(bio or "").strip()
    if len(display_name) > MAX_DISPLAY_NAME_CHARS:
        raise ValidationError(
            {"display_name": _("Keep your display name to 80 characters.")}, code="too_long"
        )
    if len(bio) > 2000:
        raise ValidationError({"bio": _("Keep your bio to 2,000 characters.")}, code="too_long")
    picture = avatars.make_avatar(avatar) if avatar is not None else None
    with transaction.atomic():
        do_update_profile(user=user, display_name=display_name, bio=bio)
        if picture is not None:
            do_set_avatar(user=user, image=picture)
        elif remove_avatar:
            do_remove_avatar(user=user)
    return user


def do_update_profile(*, user: User, display_name: str, bio: str) -> User:
    user.display_name = display_name
    user.bio = bio
    user.save(update_fields=["display_name", "bio"])
    pagecache.forget_all()  # the name is on the member's posts in every community
    return user


def do_set_avatar(*, user: User, image: bytes) -> User:
    """Store an already re-encoded picture (avatars.make_avatar) under its digest."""
    key = avatars.avatar_key(image)
    with transaction.atomic():
        Avatar.objects.update_or_create(
            user=user,
            defaults={
                "image": image,
                "content_type": avatars.AVATAR_CONTENT_TYPE,
                "updated_at": timezone.now(),
            },
        )
        User.objects.filter(pk=user.pk).update(avatar_key=key)
    user.avatar_key = key
    pagecache.forget_all()
    return user


def do_remove_avatar(*, user: User) -> User:
    """Back to the generated picture."""
    with transaction.atomic():
        Avatar.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).update(avatar_key="")
    user.avatar_key = ""
    pagecache.forget_all()
    return user
