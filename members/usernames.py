"""Which usernames may be taken: the rule for sign-up and for every rename.

A username is refused when
- its NFKC form differs from it (fullwidth ``ｃｈｅｎ``, ligatures, circled or
  superscript letters): a name is written in plain characters;
- it is in the anonymised name space (``deleted-…``, and anything that looks like it):
  deleting an account renames it ``deleted-<id>``, and a squatter there made deletion fail;
- it is confusable with an existing or former member's name: its UTS #39 skeleton (the
  Unicode consortium's confusables data, through ICU's SpoofChecker), taken case-folded
  two ways (``name_keys``), equals one of another account's keys: ``aIice``, Cyrillic
  ``аlice`` and ``ALICE`` all share one with ``alice``. A deleted account keeps the keys
  of the name it had, so its old @mentions can never come to point at a newcomer.
"""

import unicodedata

import icu
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

ANONYMISED_PREFIX = "deleted-"
KEY_CHARS = 300
_checker = icu.SpoofChecker()


def skeleton(text: str) -> str:
    return _checker.getSkeleton(0, text)


def name_keys(username: str) -> tuple[str, str]:
    """What names that look alike have in common, two ways, since the skeleton is case
    sensitive and usernames are not: the skeleton of the case-folded name (``ALICE`` is
    ``alice``), and the case-folded skeleton (``aIice`` is ``alice``: a capital I looks
    like a small l). Both of the NFKC form."""
    plain = unicodedata.normalize("NFKC", username)
    keys = skeleton(plain.casefold()), skeleton(skeleton(plain).casefold())
    # A skeleton can be longer than its name (one character may stand for several):
    # cut to the column's size, past which two names that long are alike anyway.
    return keys[0][:KEY_CHARS], keys[1][:KEY_CHARS]


def name_key(username: str) -> str:
    return name_keys(username)[0]


def is_reserved(username: str) -> bool:
    return any(key.startswith(_RESERVED_KEY) for key in name_keys(username))


_RESERVED_KEY = name_key("deleted")


def validate_username(username: str, *, user=None) -> None:
    """Raise ValidationError if ``username`` may not be taken (by ``user``, when renaming)."""
    from members.models import User  # models import this module for the key field

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
