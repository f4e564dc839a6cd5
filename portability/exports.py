"""Members getting their community's archive (issue 19, part 2): a request queues a build,
the worker builds it (``do_build_archive``, called by ``portability.tasks``), the page
offers it once ready.

Limits, from the database (CONVENTIONS 10): at most one build in progress per community
(a unique constraint: a second request joins the first), and one new build per community
per ``BUILD_INTERVAL``; a finished archive of a community that has not changed since is
offered again instead of being built anew."""

import logging
import math
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from kombu.exceptions import OperationalError

from community.models import Community
from portability import building, selectors, tasks
from portability.models import ArchiveBuild
from portability.permissions import may_get_archive

BUILD_INTERVAL = timedelta(hours=1)
# A build queued this long ago that no worker took (the broker lost it) is handed over again.
STALE_BUILD = timedelta(minutes=5)
logger = logging.getLogger(__name__)


class TooSoon(ValidationError):
    """The community's hourly build was used: ``retry_after`` seconds to wait."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, code="too_soon")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Requested:
    build: ArchiveBuild
    # "queued" (a new build), "joined" (one in progress), "reused" (nothing changed).
    outcome: str


def _wait_words(seconds: int) -> str:
    if seconds < 120:
        return ngettext("%(n)s second", "%(n)s seconds", seconds) % {"n": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}


def check_request_archive(*, actor, community: Community) -> Requested:
    if not may_get_archive(actor, community):
        raise PermissionDenied(_("Only members of this community can get its archive."))
    return do_request_archive(actor=actor, community=community)


def do_request_archive(*, actor, community: Community, now=None) -> Requested:
    """Queue a build of the community's archive, unless one is in progress (joined) or the
    last finished one is of the community as it is now (reused). Refuses (``TooSoon``) a
    new build within ``BUILD_INTERVAL`` of the last one."""
    now = now or timezone.now()
    moved = selectors.move_build(community)
    if moved is not None:  # frozen at the move: the archive its new home imports
        return Requested(moved, "reused")
    latest = selectors.latest_build(community)
    if latest is not None and latest.in_progress:
        if latest.state == ArchiveBuild.State.QUEUED and latest.requested_at < now - STALE_BUILD:
            _enqueue(latest.pk)  # the broker lost it, or was down when it was asked for
        return Requested(latest, "joined")
    stamp = building.archive_stamp(community)
    if latest is not None and latest.state == ArchiveBuild.State.READY and latest.stamp == stamp:
        return Requested(latest, "reused")
    if latest is not None and latest.requested_at + BUILD_INTERVAL > now:
        wait = max(1, math.ceil((latest.requested_at + BUILD_INTERVAL - now).total_seconds()))
        raise TooSoon(
            _(
                "This community’s archive was built less than an hour ago; a new one can "
                "be built in %(wait)s. The last one is offered below."
            )
            % {"wait": _wait_words(wait)},
            retry_after=wait,
        )
    try:
        with transaction.atomic():
            build = ArchiveBuild.objects.create(
                community=community, requested_by=actor, requested_at=now, stamp=stamp
            )
    except IntegrityError:  # another member asked at the same moment: join theirs
        return Requested(selectors.latest_build(community), "joined")
    transaction.on_commit(lambda: _enqueue(build.pk))
    return Requested(build, "queued")


def _enqueue(build_id: int) -> None:
    """Hand the build to the worker. With the broker down the request is still recorded
    (queued): the next request for it, after ``STALE_BUILD``, hands it over again."""
    try:
        tasks.build_community_archive.delay(build_id)
    except OperationalError:
        logger.warning("Broker unavailable: archive build %s stays queued", build_id)
