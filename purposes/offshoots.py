"""Starting a new community from this one (R4): any member founds it with a copy of the
charter to edit; nobody is moved. The parent's members hear of each day's offshoots in
one digest."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from community.lifecycle import do_set_parent
from community.models import Community
from members.models import Membership, User
from notifications.actions import do_notify_many
from notifications.models import Notification
from purposes.founding import check_found_community
from purposes.guards import ProposalError, member_or_error, within_daily_limit_or_error
from purposes.models import OffshootDigest

# Offshoots of one community founded on one day are told to its members in one digest;
# a digest job that missed days (a worker down) catches up this far back.
OFFSHOOT_DIGEST_CATCH_UP_DAYS = 7


def check_start_offshoot(
    *, actor: User, parent: Community, name: str, slug: str, tagline: str, visibility: str,
    charter: dict,
) -> Community:  # fmt: skip
    """Any member of a live community may found a new one from it: the founding charter
    starts as a copy of the parent's, edited by the founder. Nobody is moved; the parent
    goes on unchanged; its members hear of it in the day's digest of offshoots (one
    notification a day, however many were founded) and may join. Offshoots count against
    the founder's daily limit of proposals."""
    member_or_error(actor, parent, _("Only members may start a community from this one."))
    if parent.is_dissolved:
        raise ProposalError(_("A dissolved community is a read-only archive."))
    if parent.is_moved:
        raise ProposalError(parent.read_only_message())
    # One transaction: a community is never founded without its recorded parent.
    with transaction.atomic():
        within_daily_limit_or_error(actor, timezone.now())
        child = check_found_community(
            actor=actor, name=name, slug=slug, tagline=tagline, visibility=visibility,
            charter=charter,
        )  # fmt: skip
        return do_link_offshoot(parent=parent, child=child, founder=actor)


def do_link_offshoot(*, parent: Community, child: Community, founder: User) -> Community:
    do_set_parent(community=child, parent=parent)
    return child


def do_send_offshoot_digests(*, now: datetime | None = None) -> int:
    """Tell each community's members, in one notification, about the communities grown
    out of it on each day that has ended (the last OFFSHOOT_DIGEST_CATCH_UP_DAYS days).
    Idempotent: the (parent, day) row is inserted in the same transaction as the
    notifications, and its unique constraint makes a second run, or a run at the same
    time, send nothing. Returns how many digests were sent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = today - timedelta(days=OFFSHOOT_DIGEST_CATCH_UP_DAYS)
    start = datetime.combine(first, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    end = datetime.combine(today, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    offshoots = (
        Community.objects.filter(parent__isnull=False, created_at__gte=start, created_at__lt=end)
        .exclude(state=Community.State.DISSOLVED)
        .select_related("parent")
        .order_by("created_at", "pk")
    )
    by_parent_day: dict[tuple[int, object], list[Community]] = {}
    for child in offshoots:
        day = timezone.localdate(child.created_at)
        by_parent_day.setdefault((child.parent_id, day), []).append(child)
    sent = 0
    for (parent_id, day), children in by_parent_day.items():
        if OffshootDigest.objects.filter(parent_id=parent_id, day=day).exists():
            continue
        sent += _send_offshoot_digest(parent=children[0].parent, day=day, children=children)
    return sent


def _send_offshoot_digest(*, parent: Community, day, children: list[Community]) -> int:
    try:
        with transaction.atomic():
            OffshootDigest.objects.create(parent=parent, day=day, offshoots=len(children))
            do_notify_many(
                recipients=User.objects.filter(
                    pk__in=Membership.objects.current().filter(community=parent).values("user_id")
                ),
                kind=Notification.Kind.COMMUNITY,
                text=_("New communities grown out of %(parent)s on %(day)s: %(names)s.")
                % {
                    "parent": parent.name,
                    "day": formats.date_format(day, "j F"),
                    "names": ", ".join(child.name for child in children),
                },
                url=parent.charter.get_absolute_url() + "#lineage-title",
                community=parent,
            )
    except IntegrityError:
        return 0  # another run sent it
    return 1
