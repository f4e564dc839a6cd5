"""Read replicas, by Django's own database router API (installed only when
DATABASE_REPLICA_URLS is set; see README, "Past one machine").

Where a read goes is decided per request, by ``PinPrimaryMiddleware``:

- a GET or HEAD without the ``pin_primary`` cookie may read from a replica (one, picked
  at random among those that answer, for the whole request);
- everything else reads from the primary: POSTs and other writes, any request of
  someone who wrote in the last ``DATABASE_PIN_SECONDS`` (the cookie), every read after
  this request's first write or inside a transaction, and everything outside a request
  (Celery tasks, management commands), since nothing there chose a replica;
- a replica that does not answer is left alone for ``DATABASE_REPLICA_RETRY_SECONDS``,
  its readers fall back to the primary, and a view that meets a replica failing under it
  is run again on the primary (GET and HEAD only), so a replica going away is never a 5xx.

Every write goes to the primary. After a transaction that wrote commits, the writer
waits (at most ``DATABASE_REPLICA_WAIT_MS``) until every replica has replayed it, before
anything registered after its first write runs, such as the page cache's version bump
(core.pagecache): a page rendered from a replica under the new version then holds the
write. A replica that has not caught up by then is treated as down for a while.
"""

import contextlib
import contextvars
import logging
import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections, transaction

PRIMARY = "default"
PIN_COOKIE = "pin_primary"
SAFE_METHODS = frozenset({"GET", "HEAD"})

log = logging.getLogger(__name__)


@dataclass
class _Request:
    replica: str | None = None  # the replica this request reads from, or None: primary
    wrote: bool = False


_current: contextvars.ContextVar[_Request | None] = contextvars.ContextVar(
    "commons_replica_request", default=None
)
_down_until: dict[str, float] = {}


def replica_aliases() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", []))


def mark_down(alias: str, why: str) -> None:
    retry = settings.DATABASE_REPLICA_RETRY_SECONDS
    if _down_until.get(alias, 0.0) <= time.monotonic():
        log.warning("Replica %s %s: reading from the primary for %s s.", alias, why, retry)
    _down_until[alias] = time.monotonic() + retry
    with contextlib.suppress(DatabaseError):
        connections[alias].close()


def _answering() -> list[str]:
    now = time.monotonic()
    return [alias for alias in replica_aliases() if _down_until.get(alias, 0.0) <= now]


def pick_replica() -> str | None:
    """A replica that answers (its connection checked, or opened), else None."""
    candidates = _answering()
    random.shuffle(candidates)
    for alias in candidates:
        connection = connections[alias]
        try:
            # The health check (conn_health_checks) runs once per request; a connection
            # to a server that went away fails it and is opened again here.
            connection.close_if_health_check_failed()
            connection.ensure_connection()
        except DatabaseError:
            mark_down(alias, "does not answer")
            continue
        return alias
    return None


def reading_from() -> str:
    """Where this request's next read goes (tests and diagnostics)."""
    state = _current.get()
    if state is None or state.replica is None or state.wrote:
        return PRIMARY
    if connections[PRIMARY].in_atomic_block:
        return PRIMARY
    return state.replica


class ReplicaRouter:
    """Django's router API: reads as the request decided, writes to the primary."""

    def db_for_read(self, model, **hints):
        return reading_from()

    def db_for_write(self, model, **hints):
        state = _current.get()
        if state is not None:
            state.wrote = True
        _wait_for_replicas_after_commit()
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, copied

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def _wait_for_replicas_after_commit() -> None:
    if settings.DATABASE_REPLICA_WAIT_MS <= 0:
        return
    connection = connections[PRIMARY]
    if not connection.in_atomic_block:
        return  # autocommit: the write is committed by itself; nothing to order after it
    if any(func is wait_for_replicas for _sids, func, _robust in connection.run_on_commit):
        return
    transaction.on_commit(wait_for_replicas, using=PRIMARY, robust=True)


def wait_for_replicas() -> None:
    """Wait until every answering replica has replayed the primary's WAL as of now, for at
    most DATABASE_REPLICA_WAIT_MS in all; one that has not is treated as down."""
    deadline = time.monotonic() + settings.DATABASE_REPLICA_WAIT_MS / 1000
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        (lsn,) = cursor.fetchone()
    for alias in _answering():
        try:
            with connections[alias].cursor() as cursor:
                while True:
                    # NULL on a server that is not a standby: then it has what it has.
                    cursor.execute(
                        "SELECT COALESCE(pg_last_wal_replay_lsn() >= %s::pg_lsn, true)", [lsn]
                    )
                    if cursor.fetchone()[0]:
                        break
                    if time.monotonic() >= deadline:
                        mark_down(alias, "lags behind")
                        break
                    time.sleep(0.002)
        except DatabaseError:
            mark_down(alias, "does not answer")


class PinPrimaryMiddleware:
    """Decides where this request reads (see the module's docstring) and pins a writer's
    next requests to the primary for DATABASE_PIN_SECONDS with the ``pin_primary`` cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = _Request()
        if request.method in SAFE_METHODS and PIN_COOKIE not in request.COOKIES:
            state.replica = pick_replica()
        token = _current.set(state)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if state.wrote:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_exception(self, request, exception):
        """A replica that failed under a GET: run the view again on the primary."""
        state = _current.get()
        if (
            state is None
            or state.replica is None
            or not isinstance(exception, OperationalError | InterfaceError)
            or request.method not in SAFE_METHODS
        ):
            return None
        mark_down(state.replica, f"failed ({exception.__class__.__name__})")
        state.replica = None
        match = request.resolver_match
        return match.func(request, *match.args, **match.kwargs)


def force_primary() -> contextvars.Token:
    """For code run outside a request's choice (an eager Celery task inside a GET)."""
    return _current.set(None)


def release(token: contextvars.Token) -> None:
    _current.reset(token)
