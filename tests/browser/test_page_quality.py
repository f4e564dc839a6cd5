"""Every page of the site passes axe-core and the Nu HTML checker.

Each GET page of the URL configuration (allauth's included; Django's admin is not ours)
is opened in Chromium anonymously and as a member, on the objects of
``tests.security.world`` (an anonymous visitor reads the public community's), and axe-core
runs on it at 1280 and 360 px; a few pages are checked again in the dark theme, whose
contrast must hold too. The HTML of each page, as served, goes to the Nu HTML checker,
all pages in one run. Any axe violation or Nu error fails the test, all listed.

The checkers come from npm (tools/a11y/package.json, exact versions, installed on first
use); the Nu checker needs Java. Without them the test is skipped loudly, or fails when
REQUIRE_BROWSER=1 (as in CI, whose .ci/run installs Java).
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver, reverse

from portability.archive import build_archive, read_archive
from portability.importing import do_import_community
from tests.factories import reply_to, thread_with_post
from tests.purposes.test_charter_pages import passed_purpose_change
from tests.security.test_authorization_matrix import MATRIX, route_kwargs, walk
from tests.security.world import ROLES as WORLD_ROLES
from tests.security.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOOLS = Path(settings.BASE_DIR) / "tools" / "a11y"
AXE = TOOLS / "node_modules" / "axe-core" / "axe.min.js"
VNU = TOOLS / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# Every page anonymously and as a member; then the pages only a moderator or the platform
# staff may open, as them.
PASSES = (
    ("anonymous", ()),
    ("member", ()),
    ("moderator", ("moderation:review", "moderation:suspend")),
    ("staff", ("moderation:takedown",)),
)
WIDTHS = (1280, 360)
# Routes that answer a GET with no HTML page of their own: a file, a feed, a download.
NOT_PAGES = {
    "healthz",
    "community:feed",
    "engagement:health_csv",
    "members:export_data",
    "mfa_download_recovery_codes",
    "portability:archive_download",
    "purposes:proposal_count_csv",
    "purposes:proposal_ballots_csv",
    # fragments an open page polls, not pages
    "community:new_replies",
    "notifications:unread",
    "purposes:proposal_live",
    "portability:archive_status",
}
# Pages checked once more in the dark theme: the ones a newcomer sees first.
DARK_ROUTES = {
    "home",
    "community:directory",
    "community:home",
    "community:thread",
    "community:thread_list",
    "purposes:charter",
    "purposes:proposal",
    "account_signup",
    "account_login",
}


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(f"PAGE CHECKS NOT RUN: {reason}")


def checkers_installed() -> bool:
    """Each package of tools/a11y/package.json is in node_modules at its pinned version."""
    pinned = json.loads((TOOLS / "package.json").read_text())["dependencies"]
    for name, version in pinned.items():
        installed = TOOLS / "node_modules" / name / "package.json"
        if not installed.exists() or json.loads(installed.read_text())["version"] != version:
            return False
    return AXE.exists() and VNU.exists()


@pytest.fixture(scope="session")
def java() -> str:
    """Java for the Nu checker; axe-core and vnu-jar are installed from the lock when
    missing."""
    if not checkers_installed():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("no npm to install axe-core and vnu-jar (apt-get install npm)")
        command = [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"]
        subprocess.run(command, cwd=TOOLS, check=True)
    found = shutil.which("java")
    if found is None:
        _unavailable("no Java for the Nu HTML checker (apt-get install default-jre-headless)")
    return found


def route_params(route: str) -> list[str]:
    return [a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)]


def site_pages(world, *, role: str, plaza: dict) -> list[tuple[str, str]]:
    """(route name, path) of every GET page for this role, with real ids; allauth's
    keyed links get a key that is no longer valid, which is a page of its own."""
    pages = []
    for route, name, _pattern in walk(get_resolver().url_patterns):
        if route.startswith("admin/") or name in NOT_PAGES:
            continue
        if route.startswith("api/v1/"):
            # JSON, and Swagger UI's page (its CSP is checked in test_api_tokens.py)
            continue
        if name in MATRIX and MATRIX[name]["GET"].split()[WORLD_ROLES.index(role)] == "405":
            continue  # an action that only takes a POST: no page, no body
        if route.startswith("accounts/"):
            kwargs = {key: "1x" for key in route_params(route)}
        else:
            kwargs = route_kwargs(world, name, route)
            if role == "anonymous":
                kwargs |= {key: plaza[key] for key in kwargs if key in plaza}
        pages.append((name, reverse(name, kwargs=kwargs)))
    return pages + [("search", f"{reverse('search')}?q=garden"), ("404", "/no-such-page/")]


def imported_history_pages() -> list[tuple[str, str]]:
    """The earlier history of an imported community, which the world holds none of: a
    public community with a passed change of purpose and a thread with nested replies,
    exported and imported (its pages are read by everyone)."""
    old, members, _proposal = passed_purpose_change()
    _thread, opening = thread_with_post(
        community=old, author=members[0].user, title="Seed swap", body="**Seeds** at noon"
    )
    reply_to(reply_to(opening, author=members[1].user), author=members[2].user)
    do_import_community(archive=read_archive(build_archive(old)), slug="earlier")
    return [
        ("portability:history", "/c/earlier/history/"),
        ("portability:history_thread", "/c/earlier/history/t/2/"),
        ("portability:history_proposal", "/c/earlier/history/p/1/"),
    ]


def open_context(browser, live_server, *, user, dark: bool = False):
    # axe-core comes in as an init script, which the site's CSP does not govern, so the
    # pages render exactly as under their policy (no inline style sneaks in).
    context = browser.new_context(color_scheme="dark" if dark else "light")
    context.add_init_script(path=str(AXE))
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )
    return context


def axe_violations(page, label: str) -> list[str]:
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        assert result["passes"], f"axe checked nothing on {label}"
        for violation in result["violations"]:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
            found.append(
                f"{label} {width}px: {violation['id']} ({violation['impact']}) "
                f"{len(targets)}x {targets[:3]}"
            )
    return found


def nu_errors(java: str, documents: dict[str, str]) -> list[str]:
    """Run the Nu checker once over all documents (one JVM start)."""
    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for index, (label, html) in enumerate(documents.items()):
            path = Path(folder) / f"page{index}.html"
            path.write_text(html)
            files[path.name] = label
        command = [java, "-jar", str(VNU), "--errors-only", "--format", "json"]
        run = subprocess.run(
            command + sorted(str(Path(folder) / name) for name in files),
            capture_output=True,
            text=True,
            check=False,
        )
    messages = json.loads(run.stderr or run.stdout)["messages"]
    return [
        f"{files[m.get('url', '').rsplit('/', 1)[-1]]} line {m.get('lastLine')}: "
        f"{m['message']} [{' '.join(m.get('extract', '').split())[:80]}]"
        for m in messages
    ]


def test_every_page_passes_axe_and_the_nu_checker_finding_5(browser, live_server, java, figure):
    started = time.monotonic()
    world = build_world()
    author = world.users["author"]
    thread, post = thread_with_post(community=world.public, author=author, title="Seed swap")
    reply_to(reply_to(post, author=author, body="Count me in."), author=author, body="Good.")
    plaza = {"slug": "plaza", "thread_id": thread.pk, "thread_slug": thread.slug}
    plaza["post_id"] = post.pk
    history = imported_history_pages()

    violations, documents, checked = [], {}, set()
    for role, only in PASSES:
        pages = site_pages(world, role=role, plaza=plaza) + history
        for dark in (False, True):
            context = open_context(browser, live_server, user=world.users[role], dark=dark)
            page = context.new_page()
            for name, path in pages:
                if (dark and name not in DARK_ROUTES) or (only and name not in only):
                    continue
                response = page.goto(f"{live_server.url}{path}")
                final = response.url.removeprefix(live_server.url)
                html_page = response.headers.get("content-type", "").startswith("text/html")
                # Many refusals lead to the same login or 404 page: each is checked once.
                key = (role, dark, final if response.status == 200 else response.status)
                if not html_page or response.status == 405 or key in checked:
                    continue
                checked.add(key)
                label = f"{role}{' dark' if dark else ''} {path} ({response.status} {final})"
                violations += axe_violations(page, label)
                if not dark:
                    documents[label] = response.text()
            context.close()
    errors = nu_errors(java, documents)
    elapsed = time.monotonic() - started
    report = [f"{len(violations)} axe violations:", *violations]
    report += [f"{len(errors)} Nu HTML checker errors:", *errors]
    assert not (violations or errors), "\n".join(report)
    assert len(documents) > 100, sorted(documents)
    dark = sum(1 for key in checked if key[1])
    figure(
        f"page quality: {len(documents)} pages (anonymous, member, and the moderator's and "
        f"staff's own), axe at {' and '.join(map(str, WIDTHS))} px ({dark} of them in the "
        f"dark theme too) and the Nu checker: no violation, no error, {elapsed:.0f} s"
    )
