"""The worker's part when a community's members voted to move it to another home (a
passed "move" proposal, ``purposes.closing``): build the archive the new home imports,
once, keep it, and email each former member a claim token naming it (``claims``).

The close itself only records the move (``community.lifecycle.do_move_community``) in
its transaction; this sweep finds moved communities whose handoff is not finished, so a
worker that died half-way, or a broker that was down, delays it and nothing else."""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from community.models import Community
from portability import building, claims
from portability.models import ArchiveBuild, MoveHandoff

logger = logging.getLogger(__name__)


def pending_moves():
    """Ids of moved communities whose tokens have not been sent yet."""
    done = MoveHandoff.objects.filter(claims_sent_at__isnull=False).values("community_id")
    return list(
        Community.objects.filter(moved_at__isnull=False)
        .exclude(pk__in=done)
        .order_by("moved_at")
        .values_list("pk", flat=True)
    )


def _move_build(handoff: MoveHandoff, community: Community) -> ArchiveBuild | None:
    """The build the handoff keeps: its own, or a new one (joining one a member's request
    has in progress rather than racing it)."""
    if handoff.build_id is not None and handoff.build.state != ArchiveBuild.State.FAILED:
        return handoff.build
    try:
        with transaction.atomic():
            build = ArchiveBuild.objects.create(
                community=community, stamp=building.archive_stamp(community)
            )
    except IntegrityError:  # a member's build is queued or building: take it
        build = (
            ArchiveBuild.objects.filter(
                community=community,
                state__in=[ArchiveBuild.State.QUEUED, ArchiveBuild.State.BUILDING],
            )
            .only("pk")
            .first()
        )
        if build is None:
            return None
    MoveHandoff.objects.filter(pk=handoff.pk).update(build=build)
    return build


def do_hand_over(*, community_id: int, send: bool = True) -> MoveHandoff | None:
    """Build the moved community's archive (kept: ``building`` never drops it) and send
    the claim tokens, each once.

    Idempotent: a handoff whose tokens went out is left alone; one whose build is still
    being made by another worker waits for the next sweep. The handoff row is locked
    while the tokens are sent, so two workers never both send them."""
    community = Community.objects.filter(pk=community_id, moved_at__isnull=False).first()
    if community is None:
        return None
    handoff, _ = MoveHandoff.objects.get_or_create(community=community)
    if handoff.claims_sent_at is not None:
        return handoff
    build = _move_build(handoff, community)
    if build is None:
        return handoff
    if build.state != ArchiveBuild.State.READY:
        build = building.do_build_archive(build_id=build.pk)
    if build is None or build.state != ArchiveBuild.State.READY:
        return handoff  # failed (logged) or built elsewhere: the next sweep tries again
    with transaction.atomic():
        locked = MoveHandoff.objects.select_for_update().get(pk=handoff.pk)
        if locked.claims_sent_at is not None:
            return locked
        issued = claims.do_issue_claims(
            community=community, archive_sha256=build.sha256, new_home=community.moved_to, send=send
        )
        locked.build = build
        locked.claims_sent, locked.claims_sent_at = len(issued), timezone.now()
        locked.save(update_fields=["build", "claims_sent", "claims_sent_at"])
    logger.info(
        "Moved community %s: archive %s, %s claim tokens", community_id, build.sha256, len(issued)
    )
    return locked
