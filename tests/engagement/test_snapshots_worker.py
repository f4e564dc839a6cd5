"""The daily snapshot run by a real Celery worker on PostgreSQL: the rows it writes are
the ones a second run writes, a rerun repairs a row left in any other state, and a worker
killed half-way leaves nothing, after which a rerun writes the same rows."""

from datetime import date, timedelta

import pytest
from django.forms.models import model_to_dict

from engagement import snapshots
from engagement.models import EngagementSnapshot, EngagementWatermark, MemberPair
from tests.factories import CommunityFactory
from tests.worker import database_url, real_worker, wait_for

from .test_relationships import members, opening, reply

pytestmark = [pytest.mark.worker, pytest.mark.postgres]

DAY = date(2026, 6, 10)
AS_OF = snapshots.end_of(DAY)


def _rows():
    return [
        model_to_dict(s, exclude=["id"])
        for s in EngagementSnapshot.objects.order_by("community_id", "day")
    ]


def test_worker_snapshot_rows_match_a_second_run(transactional_db, tmp_path):
    one, two = CommunityFactory(), CommunityFactory()
    x, y, z = members(one, 3)
    root = opening(one, x, at=AS_OF - timedelta(days=3))
    reply(reply(root, y, at=AS_OF - timedelta(days=2)), x, at=AS_OF - timedelta(days=1))
    reply(root, z, at=AS_OF - timedelta(hours=5))
    reply(opening(two, members(two, 2)[0], at=AS_OF - timedelta(days=4)), members(two, 1)[0])
    log = tmp_path / "worker.log"
    env = {"DATABASE_URL": database_url()}
    with real_worker(tmp_path, extra_env=env) as (client, queue):
        client.send_task(
            "engagement.tasks.take_daily_snapshots", args=[DAY.isoformat()], queue=queue
        )
        assert wait_for(lambda: EngagementSnapshot.objects.count() == 2), log.read_text()
        first = _rows()
        # A second run: the same rows. A row changed meanwhile is put back as it was.
        EngagementSnapshot.objects.filter(community=one).update(members=999, stage="x")
        client.send_task(
            "engagement.tasks.take_daily_snapshots", args=[DAY.isoformat()], queue=queue
        )
        assert wait_for(lambda: not EngagementSnapshot.objects.filter(members=999).exists()), (
            log.read_text()
        )
    assert _rows() == first
    snap = EngagementSnapshot.objects.get(community=one)
    assert (snap.members, snap.relationships, snap.connections, snap.stage) == (
        3,
        1,
        1,
        "network",
    )
    # The same job run in this process agrees with the worker's rows.
    snapshots.take_snapshots(day=DAY)
    assert _rows() == first


def test_worker_killed_mid_snapshot_leaves_nothing_and_a_rerun_gives_the_same_rows(
    transactional_db, tmp_path
):
    community = CommunityFactory()
    x, y = members(community, 2)
    reply(reply(opening(community, x, at=AS_OF - timedelta(days=3)), y), x)
    snapshots.take_snapshots(day=DAY)
    expected = _rows()
    # Back to before the first run: no snapshot, no pair counts, no watermark.
    EngagementSnapshot.objects.all().delete()
    MemberPair.objects.all().delete()
    EngagementWatermark.objects.all().delete()

    plan = tmp_path / "fault.plan"
    plan.write_text("written kill")  # SIGKILL once everything is written, before the commit
    env = {"DATABASE_URL": database_url(), "COMMONS_FAULT_PLAN": str(plan)}
    with real_worker(tmp_path, env, app="tests.fault_worker") as (client, queue):
        client.send_task(
            "engagement.tasks.take_daily_snapshots", args=[DAY.isoformat()], queue=queue
        )
        assert wait_for(lambda: not plan.exists()), (tmp_path / "worker.log").read_text()
    # PostgreSQL rolls the killed worker's transaction back once it sees the socket close.
    assert wait_for(lambda: not EngagementWatermark.objects.exists(), 30)
    assert not EngagementSnapshot.objects.exists() and not MemberPair.objects.exists()
    snapshots.take_snapshots(day=DAY)  # the rerun (no fault: the plan is the worker's)
    assert _rows() == expected
