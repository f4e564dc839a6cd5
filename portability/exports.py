"""Members getting their community's archive (issue 19, part 2): a request queues a build,
the worker builds it (``do_build_archive``, called by ``portability.tasks``), the page
offers it once ready.

Limits, from the database (CONVENTIONS 10): at most one build in progress per community
(a unique constraint: a second request joins the first), and one new build per community
per ``BUILD_INTERVAL``; a finished archive of a community that has not changed since is
offered again instead of being built anew."""

import hashlib
import json
import logging
import math
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from kombu.exceptions import OperationalError

from community.models import Community, Post, Thread
from engagement.models import EngagementSnapshot
from members.usernames import ANONYMISED_PREFIX
from moderation.models import ModerationAction
from portability import selectors, tasks
from portability.models import ArchiveBuild
from portability.permissions import may_get_archive
from purposes.models import Proposal, Vote

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


def check_request_archive(*, actor, community: Community) -> Requested:
    if not may_get_archive(actor, community):
        raise PermissionDenied(_("Only members of this community can get its archive."))
    return do_request_archive(actor=actor, community=community)


def do_request_archive(*, actor, community: Community, now=None) -> Requested:
    """Queue a build of the community's archive, unless one is in progress (joined) or the
    last finished one is of the community as it is now (reused). Refuses (``TooSoon``) a
    new build within ``BUILD_INTERVAL`` of the last one."""
    now = now or timezone.now()
    latest = selectors.latest_build(community)
    if latest is not None and latest.in_progress:
        if latest.state == ArchiveBuild.State.QUEUED and latest.requested_at < now - STALE_BUILD:
            _enqueue(latest.pk)  # the broker lost it, or was down when it was asked for
        return Requested(latest, "joined")
    stamp = archive_stamp(community)
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
