import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings


def _a_redis_database_per_test_worker() -> None:
    """Under pytest-xdist (``make test`` runs a worker per core), each worker keeps its
    cache in a Redis database of its own: tests empty the cache (FLUSHDB) before and after
    each test, which would wipe another worker's mid-test. Worker ``gwN`` (N >= 1) takes
    the database 2 + N below REDIS_URL's (below the broker's and the results' by
    convention: .ci/run gives 10, 11 and 12, so gw1's cache is database 9). Set here, before
    anything reads the cache, and in the environment for the processes tests start."""
    worker, url = os.environ.get("PYTEST_XDIST_WORKER", ""), os.environ.get("REDIS_URL", "")
    if not url or worker in ("", "gw0"):
        return
    base, _, database = url.rpartition("/")
    own = f"{base}/{int(database or 0) - 2 - int(worker.removeprefix('gw'))}"
    assert own.rpartition("/")[2].isdigit(), f"no Redis database below {url} for {worker}"
    os.environ["REDIS_URL"] = own
    if django_settings.CACHES["default"].get("LOCATION") == url:
        django_settings.CACHES["default"]["LOCATION"] = own


_a_redis_database_per_test_worker()

from community import actions  # noqa: E402
from community.models import Post  # noqa: E402
from tests.factories import CommunityFactory, MembershipFactory  # noqa: E402

# pytest-playwright runs an event loop in the test thread; Django's ORM calls from the
# test body are still synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


_HERE = Path(__file__).parent
# Measured on the 2-core CI machine (pytest --durations): each takes a minute or more.
_LONGEST_FIRST = {
    path: rank
    for rank, path in enumerate([
        "browser/test_page_quality.py",
        "config/test_run_commons.py",
        "security/test_hostile_fields.py",
        "security/test_authorization_matrix.py",
        "security/test_authorization_owners.py",
        "security/test_xss_threads.py",
        "api/test_hostile_fields.py",
    ])
}  # fmt: skip


def pytest_collection_modifyitems(config, items):
    """Route tests to the leg of CI that can run them.

    Tests marked ``postgres`` or ``redis`` run only when the suite is pointed at those
    services (the second leg of .ci/run); elsewhere they are deselected, not skipped.
    Tests marked ``embedded`` start the embedded default of their own, so the second leg
    would only repeat them: there they are deselected. So are the browser tests
    (tests/browser/): they drive the pages, which read the same through either database,
    and the first leg runs them all; the second leg keeps CI under 30 minutes.
    Browser tests are skipped loudly when Chromium is missing, unless REQUIRE_BROWSER=1.
    """
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    on_redis = settings.CELERY_BROKER_URL.startswith("redis")
    keep, drop = [], []
    for item in items:
        if (
            ("postgres" in item.keywords and not on_postgres)
            or ("redis" in item.keywords and not on_redis)
            or ({"embedded", "browser"} & set(item.keywords) and (on_postgres or on_redis))
        ):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    # The longest files first: the test workers of ``make test`` take files in this order,
    # so no worker is left running a long one alone at the end.
    keep.sort(key=lambda item: _LONGEST_FIRST.get(item.path.relative_to(_HERE).as_posix(), 99))
    items[:] = keep

    has_browser = shutil.which(CHROMIUM) is not None
    if not has_browser:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            raise pytest.UsageError(f"REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}")
        reason = f"BROWSER TESTS NOT RUN: no Chromium at {CHROMIUM} (apt-get install chromium)"
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 costs a third of a second a user on these machines; tests make hundreds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _celery_eager(settings):
    """Run tasks in-process in tests; tests marked ``worker`` talk to a real worker.

    A test process that ran worker code earlier (files share a test process under
    pytest-xdist) may be left marked as a worker, where Celery refuses to wait for a
    result: each test starts unmarked."""
    from celery.result import allow_join_result

    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    with allow_join_result():
        yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits live in the cache: each test starts with none used."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def figure(record_property):
    """Report a measured figure (a count, a time): pytest hides what a passing test prints,
    so figures go to the run's closing "figures" section instead (pytest_terminal_summary)."""
    return lambda text: record_property("figure", text)


def pytest_terminal_summary(terminalreporter):
    figures = [
        value
        for report in terminalreporter.stats.get("passed", [])
        for key, value in getattr(report, "user_properties", [])
        if key == "figure"
    ]
    if figures:
        terminalreporter.section("figures")
        for line in figures:
            terminalreporter.write_line(line)


# A community with two members and a thread, shared by the discussion, notification,
# moderation and engagement tests.


@pytest.fixture
def community():
    return CommunityFactory(slug="kitchen", name="Kitchen")


@pytest.fixture
def alice(community):
    return MembershipFactory(community=community, user__username="alice").user


@pytest.fixture
def bruno(community):
    return MembershipFactory(community=community, user__username="bruno").user


@pytest.fixture
def thread(community, alice):
    """Alice's thread, made through the real action."""
    return actions.check_create_thread(
        actor=alice, community=community, title="Menu for Friday", body="Soup or stew?"
    )


@pytest.fixture
def root(thread):
    return Post.objects.get(thread=thread, depth=0)
