"""The worker's side of a member's archive request (``portability.exports``): building the
file and keeping it."""

import hashlib
import json
import logging
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from community.models import Community, Post, Thread
from engagement.models import EngagementSnapshot
from members.usernames import ANONYMISED_PREFIX
from moderation.models import ModerationAction
from portability.archive import build_archive
from portability.models import ArchiveBuild, MoveHandoff
from purposes.models import Proposal, Vote

# A build the worker started this long ago and never finished (it died) may start again.
STALE_BUILD = timedelta(minutes=30)
logger = logging.getLogger(__name__)


def do_build_archive(*, build_id: int) -> ArchiveBuild | None:
    """Build the archive a request asked for and keep it; drop the community's older
    builds once it is ready (but the one a move's claim tokens name).

    Idempotent: a build already ready or failed is left alone; one queued, or building for
    longer than ``STALE_BUILD`` (its worker died), is (re)built. Reads the community
    outside any long transaction; the result is written in one."""
    now = timezone.now()
    with transaction.atomic():
        build = (
            ArchiveBuild.objects.select_for_update()
            .select_related("community")
            .filter(pk=build_id)
            .first()
        )
        if build is None or build.state in (ArchiveBuild.State.READY, ArchiveBuild.State.FAILED):
            return build
        if build.state == ArchiveBuild.State.BUILDING and build.started_at > now - STALE_BUILD:
            return build
        build.state, build.started_at = ArchiveBuild.State.BUILDING, now
        build.save(update_fields=["state", "started_at"])
    try:
        data = build_archive(build.community)
    except Exception as error:
        logger.exception("Archive build %s failed", build_id)
        build.state, build.finished_at = ArchiveBuild.State.FAILED, timezone.now()
        build.error = str(error)[:500] or error.__class__.__name__
        build.save(update_fields=["state", "finished_at", "error"])
        return build
    with transaction.atomic():
        build.data, build.size = data, len(data)
        build.sha256 = hashlib.sha256(data).hexdigest()
        build.state, build.finished_at = ArchiveBuild.State.READY, timezone.now()
        build.save(update_fields=["data", "size", "sha256", "state", "finished_at"])
        kept = MoveHandoff.objects.filter(build__isnull=False).values("build_id")
        ArchiveBuild.objects.filter(community=build.community).exclude(pk=build.pk).filter(
            state__in=[ArchiveBuild.State.READY, ArchiveBuild.State.FAILED]
        ).exclude(pk__in=kept).delete()  # the archive of a move is kept: its tokens name it
    return build


def archive_stamp(community: Community) -> str:
    """A digest of what the community's archive is made of, from maxima and counts (a few
    indexed aggregates, not the archive itself): equal stamps mean an archive built then
    is still the community's archive. A member renaming themself is not seen here; the
    next build after the hourly limit shows the new name."""
    posts = Post.objects.filter(thread__community=community).aggregate(
        n=Count("pk"), last=Max("pk"), edited=Max("edited_at"), deleted=Max("deleted_at")
    )
    threads = Thread.objects.filter(community=community).aggregate(
        n=Count("pk"), active=Max("last_activity_at")
    )
    proposals = Proposal.objects.filter(community=community).aggregate(
        n=Count("pk"), last=Max("pk"), submitted=Max("submitted_at"),
        discussion=Max("discussion_started_at"), voting=Max("voting_started_at"),
        closed=Max("closed_at"), applied=Max("applied_at"), withdrawn=Max("withdrawn_at"),
    )  # fmt: skip
    votes = Vote.objects.filter(proposal__community=community).aggregate(
        last=Max("pk"), superseded=Max("superseded_at")
    )
    log = ModerationAction.objects.filter(community=community).aggregate(last=Max("pk"))
    health = EngagementSnapshot.objects.filter(community=community).aggregate(day=Max("day"))
    deleted = (
        get_user_model()
        .objects.filter(is_active=False, username__startswith=ANONYMISED_PREFIX)
        .count()
    )
    offshoots = Community.objects.filter(parent=community).count()
    seen = [
        community.state, community.name, community.tagline, community.visibility,
        community.charter_id, posts, threads, proposals, votes, log, health, deleted, offshoots,
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(seen, default=str, sort_keys=True).encode()).hexdigest()
