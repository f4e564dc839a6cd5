"""Past one machine, by configuration: replicas, the pooler and the queues (README).

With none of the new variables set nothing is installed: the settings are what they were."""

import json

import pytest

from config.celery import app

from .test_deployment import _manage

SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'routers': s.DATABASE_ROUTERS, 'middleware': s.MIDDLEWARE, 'databases': s.DATABASES}, "
    "default=str))"
)
PG = "postgres://u:p@127.0.0.1:5999/commons"


def show(tmp_path, **env) -> dict:
    result = _manage("shell", "--no-imports", "-c", SHOW, env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_replica_urls_no_router_and_no_middleware_is_installed(tmp_path):
    for env in ({}, {"DATABASE_URL": PG}):
        found = show(tmp_path, **env)
        assert found["routers"] == []
        assert not any("replicas" in m for m in found["middleware"])
        assert list(found["databases"]) == ["default"]
        assert not found["databases"]["default"].get("DISABLE_SERVER_SIDE_CURSORS")
        assert found["databases"]["default"]["CONN_MAX_AGE"] == 60


def test_replica_urls_install_the_router_before_the_session_middleware(tmp_path):
    replicas = "postgres://u:p@10.0.0.2:5432/commons, postgres://u:p@10.0.0.3:5432/commons"
    found = show(tmp_path, DATABASE_URL=PG, DATABASE_REPLICA_URLS=replicas)
    assert found["routers"] == ["config.replicas.ReplicaRouter"]
    assert list(found["databases"]) == ["default", "replica1", "replica2"]
    assert found["databases"]["replica2"]["HOST"] == "10.0.0.3"
    assert found["databases"]["replica1"]["OPTIONS"]["connect_timeout"] == 2
    assert found["databases"]["replica1"]["TEST"]["MIRROR"] == "default"
    middleware = found["middleware"]
    pin = middleware.index("config.replicas.PinPrimaryMiddleware")
    assert pin == middleware.index("django.contrib.sessions.middleware.SessionMiddleware") - 1


def test_replicas_need_postgresql(tmp_path):
    result = _manage(
        "check", env={"DATABASE_REPLICA_URLS": "sqlite:///x.sqlite3"}, tmp_path=tmp_path
    )
    assert result.returncode != 0
    assert "need PostgreSQL" in result.stderr


def test_behind_pgbouncer_no_server_side_cursors(tmp_path):
    found = show(
        tmp_path,
        DATABASE_URL=PG,
        DATABASE_POOLER="pgbouncer",
        DATABASE_REPLICA_URLS="postgres://u:p@10.0.0.2:5432/commons",
    )
    for alias in ("default", "replica1"):
        assert found["databases"][alias]["DISABLE_SERVER_SIDE_CURSORS"] is True, alias


def test_pool_and_pooler_together_are_refused_clearly(tmp_path):
    env = {"DATABASE_URL": PG, "DATABASE_POOLER": "pgbouncer", "DATABASE_POOL": "8"}
    result = _manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "not both" in result.stderr
    result = _manage("check", env={"DATABASE_POOLER": "odyssey"}, tmp_path=tmp_path)
    assert "DATABASE_POOLER must be empty or 'pgbouncer'" in result.stderr


def test_psycopg_pool_when_asked(tmp_path):
    found = show(tmp_path, DATABASE_URL=PG, DATABASE_POOL="8")
    default = found["databases"]["default"]
    assert default["OPTIONS"]["pool"]["max_size"] == 8
    assert default["CONN_MAX_AGE"] == 0  # Django refuses persistent connections with a pool


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("purposes.tasks.sweep_proposals", "governance"),
        ("moderation.tasks.sweep_appeals", "governance"),
        ("moderation.tasks.end_expired_moderation", "governance"),
        ("notifications.tasks.send_notification_emails", "mail"),
        ("notifications.tasks.send_notification_emails_batch", "mail"),
        ("notifications.tasks.send_digest_batch", "mail"),
        ("notifications.tasks.enqueue_digests", "mail"),
        ("notifications.tasks.send_due_notification_emails", "mail"),
        ("purposes.tasks.send_offshoot_digests", "mail"),
        ("engagement.tasks.take_daily_snapshots", "engagement"),
        ("engagement.tasks.recompute_relationships", "engagement"),
        ("members.tasks.delete_unverified_signups", "celery"),
    ],
)
def test_each_job_group_has_its_own_queue(task, queue):
    assert app.amqp.router.route({}, task)["queue"].name == queue


def test_every_scheduled_task_lands_on_a_queue_a_default_worker_consumes():
    from django.conf import settings

    consumed = set(app.amqp.queues)  # a worker without -Q consumes these
    assert consumed == {"celery", "governance", "mail", "engagement"}
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert app.amqp.router.route({}, entry["task"])["queue"].name in consumed


# --- The router's decisions, in process (the real servers: test_replicas_postgres.py) -------


@pytest.fixture
def replica_request(monkeypatch, settings):
    """Run a view through PinPrimaryMiddleware as if one replica answered; the view gets
    ``seen``, the list of where each of its reads would go."""
    from django.test import RequestFactory

    from config import replicas

    settings.DATABASE_REPLICA_WAIT_MS = 0
    settings.DATABASE_PIN_SECONDS = 7
    monkeypatch.setattr(replicas, "pick_replica", lambda: "replica1")
    router = replicas.ReplicaRouter()

    def run(method="get", cookies=None, write=False, task=None):
        from django.http import HttpResponse

        seen = []

        def view(request):
            seen.append(router.db_for_read(None))
            if task is not None:
                seen.append(task.apply().get())
            if write:
                assert router.db_for_write(None) == "default"
                seen.append(router.db_for_read(None))
            return HttpResponse("ok")

        request = getattr(RequestFactory(), method)("/")
        request.COOKIES.update(cookies or {})
        response = replicas.PinPrimaryMiddleware(view)(request)
        return seen, response

    return run


def test_a_get_reads_from_the_replica_until_it_writes_then_is_pinned(replica_request):
    seen, response = replica_request()
    assert seen == ["replica1"]
    assert "pin_primary" not in response.cookies
    seen, response = replica_request(write=True)
    assert seen == ["replica1", "default"]
    assert response.cookies["pin_primary"]["max-age"] == 7


def test_a_pinned_member_and_a_post_read_from_the_primary(replica_request):
    assert replica_request(cookies={"pin_primary": "1"})[0] == ["default"]
    assert replica_request(method="post")[0] == ["default"]


def test_outside_a_request_everything_reads_from_the_primary():
    from config.replicas import ReplicaRouter

    assert ReplicaRouter().db_for_read(None) == "default"


def test_a_task_run_inside_a_replica_request_reads_from_the_primary(replica_request):
    from celery import shared_task

    from config.replicas import ReplicaRouter

    @shared_task
    def where() -> str:
        return ReplicaRouter().db_for_read(None)

    seen, _ = replica_request(task=where)
    assert seen == ["replica1", "default"]
