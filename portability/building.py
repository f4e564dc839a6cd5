"""The worker's side of a member's archive request (``portability.exports``): building the
file and keeping it."""

import hashlib
import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portability.archive import build_archive
from portability.models import ArchiveBuild

# A build the worker started this long ago and never finished (it died) may start again.
STALE_BUILD = timedelta(minutes=30)
logger = logging.getLogger(__name__)


def do_build_archive(*, build_id: int) -> ArchiveBuild | None:
    """Build the archive a request asked for and keep it; drop the community's older
    builds once it is ready.

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
        ArchiveBuild.objects.filter(community=build.community).exclude(pk=build.pk).filter(
            state__in=[ArchiveBuild.State.READY, ArchiveBuild.State.FAILED]
        ).delete()
    return build
