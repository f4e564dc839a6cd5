"""Reads of the portability app: a community's archive builds, what has changed since the
last one, and where an imported community came from."""

from django.core.cache import cache

from community.models import Community
from portability.models import ArchiveBuild, ArchiveClaim, ImportedCommunity, MoveHandoff

# What a build row shows on its page (its bytes are read only for the download).
SHOWN_FIELDS = (
    "id", "community_id", "requested_by_id", "state", "requested_at", "started_at",
    "finished_at", "stamp", "size", "sha256", "error",
)  # fmt: skip


def move_build(community: Community) -> ArchiveBuild | None:
    """The archive built when the community moved to another home, once ready: the one
    its claim tokens name, offered to its members from then on (without its bytes)."""
    if not community.is_moved:
        return None
    handoff = MoveHandoff.objects.filter(community=community, build__isnull=False).first()
    if handoff is None:
        return None
    return (
        ArchiveBuild.objects.filter(pk=handoff.build_id, state=ArchiveBuild.State.READY)
        .only(*SHOWN_FIELDS)
        .first()
    )


def latest_build(community: Community) -> ArchiveBuild | None:
    """The community's newest build request, whatever its state, without its bytes; for
    a community that moved away, the archive built at the move once it is ready."""
    moved = move_build(community)
    if moved is not None:
        return moved
    return (
        ArchiveBuild.objects.filter(community=community)
        .only(*SHOWN_FIELDS)
        .order_by("-requested_at", "-id")
        .first()
    )


def imported_source(community_id: int) -> ImportedCommunity | None:
    """Where a community came from, if it was imported (kept in the cache: an import is
    made once and never changes, so the community's home asks for it without a query)."""
    key = f"portability:imported:{community_id}"
    found = cache.get(key)
    if found is None:
        source = (
            ImportedCommunity.objects.filter(community_id=community_id)
            .only("id", "community_id", "sha256", "source_url", "imported_at")
            .first()
        )
        found = source or False
        cache.set(key, found, timeout=None)
    return found or None


def claim_of(user, source: ImportedCommunity) -> ArchiveClaim | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return ArchiveClaim.objects.filter(source=source, user=user).first()
