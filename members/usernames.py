"""Which usernames may be taken: the rule for sign-up and for every rename.

A username is refused when
- its NFKC form differs from it (fullwidth ``ｃｈｅｎ``, ligatures, circled or
  superscript letters): a name is written in plain characters;
- it is in the anonymised name space (``deleted-…``, and anything that looks like it):
  deleting an account renames it ``deleted-<id>``, and a squatter there made deletion fail;
- it is confusable with an existing or former member's name: its UTS #39 skeleton (the
  Unicode consortium's confusables data, through ICU's SpoofChecker), taken case-folded
  two ways (``core.names.name_keys``), equals one of another account's keys: ``aIice``, Cyrillic
  ``аlice`` and ``ALICE`` all share one with ``alice``. A deleted account keeps the keys
  of the name it had, so its old @mentions can never come to point at a newcomer.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from core.names import name_key, name_keys
from members.models import User

ANONYMISED_PREFIX = "deleted-"


def is_reserved(username: str) -> bool:
    return any(key.startswith(_RESERVED_KEY) for key in name_keys(username))


_RESERVED_KEY = name_key("deleted")


def validate_username(username: str, *, user=None) -> None:
    """Raise ValidationError if ``username`` may not be taken (by ``user``, when renaming)."""
    if unicodedata.normalize("NFKC", username) != username:
        raise ValidationError(
            _("Write your username in plain characters (no fullwidth or styled letters)."),
            code="username_not_plain",
        )
    if is_reserved(username):
        raise ValidationError(
            _("Usernames starting with “deleted” are kept for former members’ accounts."),
            code="username_reserved",
        )
    keys = name_keys(username)
    others = User.objects.filter(Q(name_key__in=keys) | Q(name_key_cased__in=keys))
    if user is not None and user.pk is not None:
        others = others.exclude(pk=user.pk)
    if others.exists():
        raise ValidationError(
            _(
                "That username is taken, or looks too much like a member’s or a former "
                "member’s name. Choose another."
            ),
            code="username_confusable",
        )
