"""What names that look alike have in common: keys by which ``aIice``, Cyrillic ``аlice``
and ``ALICE`` all equal ``alice``.

Pure (no Django import): the UTS #39 skeleton (the Unicode consortium's confusables data,
through ICU's SpoofChecker), taken case-folded two ways. The members app keeps these keys
on every account (``members.models.NameKeyField``) and refuses a username whose keys
another account has (``members.usernames``).
"""

import unicodedata

import icu

# The key columns' size: past it, two names that long are alike anyway.
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
    # cut to the column's size.
    return keys[0][:KEY_CHARS], keys[1][:KEY_CHARS]


def name_key(username: str) -> str:
    return name_keys(username)[0]
