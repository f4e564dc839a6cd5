"""Writes of a community's own row through its life: created forming, made active, its
charter in force changed, linked to the community it grew out of, dissolved, moved away.

Plain ``do_*`` actions that trust their caller: purposes/ decides when (founding, a passed
proposal, an offshoot) and calls them, so every write of a ``Community`` row goes through
this app. None of them notifies anyone; the caller says what happened.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from community.models import Community
from core import pagecache

if TYPE_CHECKING:
    from purposes.models import Charter


def do_create_community(
    *, name: str, slug: str, tagline: str, visibility: str, imported_at: datetime | None = None
) -> Community:
    """A new community, forming, with no charter yet. The unique address makes a second
    community with the same slug raise ``IntegrityError`` (two founders at once).
    ``imported_at``: it arrives from another instance (only claimants found it)."""
    community = Community.objects.create(
        name=name,
        slug=slug,
        tagline=tagline,
        visibility=visibility,
        state=Community.State.FORMING,
        imported_at=imported_at,
    )
    pagecache.bump(community_id=None)  # the directory lists forming communities
    return community


def do_set_charter(*, community: Community, charter: Charter) -> None:
    """Put ``charter`` in force. Call inside the transaction that created the charter,
    with the community's row locked if another writer may change it at once."""
    Community.objects.filter(pk=community.pk).update(charter=charter)
    community.charter = charter
    pagecache.bump(community_id=community.pk)


def do_activate_community(*, community: Community, at: datetime) -> bool:
    """Make a forming community active. The caller holds the community's row lock and has
    checked the founding quorum; a community no longer forming is left alone. True if it
    was activated."""
    updated = Community.objects.filter(pk=community.pk, state=Community.State.FORMING).update(
        state=Community.State.ACTIVE, activated_at=at
    )
    if updated:
        community.state, community.activated_at = Community.State.ACTIVE, at
        pagecache.bump(community_id=community.pk)
    return bool(updated)


def do_set_parent(*, community: Community, parent: Community) -> bool:
    """Record the community ``community`` grew out of, once: a parent already recorded is
    never replaced. True if it was recorded."""
    updated = Community.objects.filter(pk=community.pk, parent__isnull=True).update(parent=parent)
    if updated:
        community.parent = parent
        pagecache.bump(community_id=community.pk)
    return bool(updated)


def do_dissolve_community(*, community: Community, at: datetime) -> bool:
    """Make a community a read-only archive. Call under the community's row lock, inside
    the transaction that decided it; a community already dissolved is left alone. True if
    it was dissolved."""
    updated = (
        Community.objects.filter(pk=community.pk)
        .exclude(state=Community.State.DISSOLVED)
        .update(state=Community.State.DISSOLVED, dissolved_at=at)
    )
    if updated:
        community.state, community.dissolved_at = Community.State.DISSOLVED, at
        pagecache.bump(community_id=community.pk)
    return bool(updated)


def do_move_community(*, community: Community, to: str, at: datetime) -> bool:
    """Record that the community continues at ``to`` (a passed "move" proposal): it stays
    here, read-only, its pages pointing to its new home. Call under the community's row
    lock, inside the transaction that decided it; a community already moved or dissolved
    is left alone. True if it was moved."""
    updated = (
        Community.objects.filter(pk=community.pk, moved_at__isnull=True)
        .exclude(state=Community.State.DISSOLVED)
        .update(moved_to=to, moved_at=at)
    )
    if updated:
        community.moved_to, community.moved_at = to, at
        pagecache.bump(community_id=community.pk)
    return bool(updated)
