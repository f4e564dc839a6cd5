"""The authorization matrix, generated from the URL configuration (issue 9).

Every route of the site (except /admin/ and allauth's /accounts/, tested on their own) is
requested with GET and with POST (valid CSRF) by each role of ``tests.security.world``,
on a members-only community's objects, and the status must equal the one written in
``MATRIX``. A route missing from the table fails the test, so a new view cannot ship
without someone deciding who may use it.

Statuses are written in ROLES order: anonymous, outsider, member, left, suspended,
moderator, expired, staff, superuser. 302 is the redirect to the login page for anonymous
visitors and the post/redirect/get answer after an action elsewhere; 404 is the answer to
whoever may not know a members-only object exists.
"""

import os
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from moderation.models import ModerationAction
from notifications import digests
from notifications.emails import unsubscribe_token
from purposes.charter_diff import CharterText
from purposes.drafting import check_create_proposal
from purposes.models import Proposal
from tests.factories import thread_with_post
from tests.security.world import ROLES, SECRET_WORDS, build_world

pytestmark = pytest.mark.django_db

CSRF_SECRET = "a" * 32  # Django accepts an unmasked 32-character secret as the token


def walk(patterns, prefix="", namespace=""):
    """(route, name with namespace, pattern) for every leaf of the URL configuration."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name}", pattern


def site_routes() -> dict[str, tuple[str, URLPattern]]:
    """The routes the matrix covers: everything but the admin and allauth's own, and the
    API's (it reads no session cookie: tests/api/test_matrix.py covers it, role by role,
    with tokens)."""
    routes = {}
    for route, name, pattern in walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "accounts/", "api/v1/")):
            continue
        assert name not in routes, f"two routes named {name}"
        routes[name] = (route, pattern)
    return routes


def route_kwargs(world, name: str, route: str) -> dict:
    """Real objects of the world for each part of a route."""
    objects, users = world.objects, world.users
    thread = objects["thread"]
    pk = {
        "members:application": objects["application"].pk,
        "members:withdraw_application": objects["application"].pk,
        "members:invitation": objects["invitation"].pk,
        "members:decline_invitation": objects["invitation"].pk,
        "notifications:read": objects["notification"].pk,
        "notifications:open": objects["notification"].pk,
        "api:revoke_token": objects["token"].pk,
        "api:webhook": objects["webhook"].pk,
        "api:delete_webhook": objects["webhook"].pk,
        "api:enable_webhook": objects["webhook"].pk,
    }
    post_id = objects["post"].pk  # another member's post
    if name.startswith("moderation:home"):
        post_id = objects["hidden"].pk  # hidden by flags, kept hidden on review
    elif name in {"community:post_edit", "community:post_delete"}:
        post_id = objects["reply"].pk  # the member's own reply
    values = {
        "slug": world.inner.slug,
        "thread_id": thread.pk,
        "thread_slug": thread.slug,
        "post_id": post_id,
        "proposal_id": objects["proposal"].pk,
        "amendment_id": objects["amendment"].pk,
        "step": "second",
        "action_id": objects["decision"].pk,
        "appeal_id": objects["appeal"].pk,
        "username": users["member"].username,
        "token": unsubscribe_token(user_id=users["member"].pk, kinds=["reply"]),
        "pk": pk.get(name),
        "key": "0123456789abcdef",  # the member has no picture: a 404 for everyone
        "letters": "AB",
        "shade": 1,
        "build_id": objects["archive_build"].pk,
        "number": 1,  # an imported thread or proposal (the world imported none: a 404)
    }
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    return {key: values[key] for key in names}


# Routes that take a POST without a CSRF token, and why.
CSRF_EXEMPT = {
    "notifications:unsubscribe",  # the signed token in the URL is the credential (RFC 8058)
}

# What each POST sends: enough to pass the form where the role may act.
POST_DATA = {
    "purposes:found": {"name": "Elsewhere", "slug": "elsewhere"},
    "community:thread_new": {"title": "A new thread", "body": "Hello"},
    "community:reply": {"parent": "__post__", "body": "Me too", "token": "t1"},
    "community:post_edit": {"body": "Edited"},
    "community:preview": {"body": "*hi*"},
    "moderation:flag_post": {"reason": "spam"},
    "moderation:review": {"decision": "restore"},
    "moderation:suspend": {"username": "author", "days": 2, "reason": "Rude"},
    "moderation:appeal_new": {"statement": "Please"},
    "moderation:takedown": {"reason": "Court order"},
    "members:join": {"affirm": "on", "motivation": "I garden"},
    "members:invite": {"username": "applicant"},
    "members:application": {"decision": "admit"},
    "members:profile_edit": {"display_name": "M", "bio": "Hi"},
    "api:tokens": {"name": "A bot", "scopes": ["read"], "days": 30},
    "api:webhooks": {"url": "https://93.184.215.14/in", "events": ["notification.created"]},
    "purposes:vote": {"choice": "for", "reason": "Yes"},
    "purposes:amend": {"purpose": "To grow food.", "goals": "", "rationale": "Shorter."},
    "purposes:amendment_decline": {"reason": "Too long."},
    "purposes:affirm": {"affirm": "on"},
}

# fmt: off
# route name: {method: statuses in ROLES order}
# anonymous outsider member left suspended moderator expired staff superuser
MATRIX: dict[str, dict[str, str]] = {
    "api:revoke_token": {
        "GET": "302 405 405 405 405 405 405 405 405",
        "POST": "302 404 302 404 404 404 404 404 404",
    },
    "api:tokens": {
        "GET": "302 200 200 200 200 200 200 200 200",
        "POST": "302 201 201 201 201 201 201 201 201",
    },
    "api:webhooks": {
        "GET": "302 200 200 200 200 200 200 200 200",
        "POST": "302 201 201 201 201 201 201 201 201",
    },
    "api:webhook": {
        "GET": "302 404 200 404 404 404 404 404 404",
        "POST": "302 405 405 405 405 405 405 405 405",
    },
    "api:delete_webhook": {
        "GET": "302 405 405 405 405 405 405 405 405",
        "POST": "302 404 302 404 404 404 404 404 404",
    },
    "api:enable_webhook": {
        "GET": "302 405 405 405 405 405 405 405 405",
        "POST": "302 404 302 404 404 404 404 404 404",
    },
    "moderation:appeal": {
        "GET": "404 404 200 404 200 200 200 404 404",
        "POST": "404 404 403 404 403 403 403 404 404",
    },
    "moderation:appeal_new": {
        "GET": "302 404 403 404 403 403 403 404 404",
        "POST": "302 404 403 404 403 403 403 404 404",
    },
    "notifications:digest_settings": {
        "GET": "301 301 301 301 301 301 301 301 301",
        "POST": "301 301 301 301 301 301 301 301 301",
    },
    "community:directory": {
        "GET": "200 200 200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "community:feed": {
        "GET": "404 404 404 404 404 404 404 404 404",
        "POST": "404 404 404 404 404 404 404 404 404",
    },
    "moderation:flag_post": {
        "GET": "302 404 200 404 403 200 200 404 404",
        "POST": "302 404 302 404 403 302 302 404 404",
    },
    "purposes:founding_edit": {
        "GET": "302 403 403 403 403 403 403 403 403",
        "POST": "302 403 403 403 403 403 403 403 403",
    },
    "purposes:founding_endorse": {
        "GET": "302 302 302 302 302 302 302 302 302",
        "POST": "302 302 302 302 302 302 302 302 302",
    },
    "engagement:health": {
        "GET": "404 404 200 404 200 200 200 404 404",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "engagement:health_csv": {
        "GET": "404 404 200 404 200 200 200 404 404",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "community:home": {
        "GET": "200 200 200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "moderation:home": {
        "GET": "404 404 200 404 200 200 200 404 404",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "moderation:review": {
        "GET": "302 404 403 404 403 200 403 404 404",
        "POST": "302 404 403 404 403 400 403 404 404",
    },
    "moderation:suspend": {
        "GET": "302 404 403 404 403 200 403 404 404",
        "POST": "302 404 403 404 403 302 403 404 404",
    },
    "purposes:found": {
        "GET": "302 200 200 200 200 200 200 200 200",
        "POST": "302 400 400 400 400 400 400 400 400",
    },
    "community:post": {
        "GET": "404 404 302 404 302 302 302 404 404",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "community:post_delete": {
        "GET": "302 404 200 404 403 403 403 404 404",
        "POST": "302 404 302 404 403 403 403 404 404",
    },
    "community:post_edit": {
        "GET": "302 404 200 404 403 403 403 404 404",
        "POST": "302 404 302 404 403 403 403 404 404",
    },
    "community:post_revisions": {
        "GET": "404 404 200 404 200 200 200 404 404",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "community:preview": {
        "GET": "302 405 405 405 405 405 405 405 405",
        "POST": "302 404 200 404 403 200 200 404 404",
    },
    "community:reply": {
        "GET": "404 404 404 404 404 404 404 404 404",
        "POST": "404 404 302 404 403 302 302 404 404",
    },
    "moderation:takedown": {
        "GET": "302 404 403 404 403 403 403 200 200",
        "POST": "302 404 403 404 403 403 403 302 302",
    },
    "community:new_replies": {
        # without ?seen= the poll cannot say what is new: 400 to whoever may read the thread
        "GET": "404 404 400 404 400 400 400 404 404",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "community:thread": {
        "GET": "404 404 200 404 200 200 200 404 404",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "community:thread_list": {
        "GET": "404 404 200 404 200 200 200 404 404",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "community:thread_new": {
        "GET": "302 404 200 404 403 200 200 404 404",
        "POST": "302 404 302 404 403 302 302 404 404",
    },
    "community:thread_short": {
        "GET": "404 404 302 404 302 302 302 404 404",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "healthz": {
        "GET": "200 200 200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "home": {
        "GET": "200 200 200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "members:platform_log": {
        "GET": "200 200 200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "members:account_delete": {
        "GET": "302 404 200 404 404 404 404 404 404",
        "POST": "302 404 400 404 404 404 404 404 404",
    },
    "members:export_data": {
        "GET": "302 404 200 404 404 404 404 404 404",
        "POST": "302 405 405 405 405 405 405 405 405",
    },
    "members:application": {
        "GET": "302 404 200 404 404 200 200 404 404",
        "POST": "302 404 403 404 404 302 403 404 404",
    },
    "members:applications": {
        "GET": "302 404 200 404 403 200 200 404 404",
        "POST": "302 404 200 404 403 200 200 404 404",
    },
    "members:decline_invitation": {
        "GET": "302 405 405 405 405 405 405 405 405",
        "POST": "302 302 404 404 404 404 404 404 404",
    },
    "members:invitation": {
        "GET": "302 200 404 404 404 404 404 404 404",
        "POST": "302 400 404 404 404 404 404 404 404",
    },
    "members:invitations": {
        "GET": "302 200 200 200 200 200 200 200 200",
        "POST": "302 200 200 200 200 200 200 200 200",
    },
    "members:invite": {
        "GET": "302 404 200 404 403 200 200 404 404",
        "POST": "302 404 302 404 403 302 302 404 404",
    },
    "members:join": {
        "GET": "302 302 302 200 302 302 302 200 200",
        "POST": "302 302 302 302 302 302 302 302 302",
    },
    "members:leave": {
        "GET": "302 302 200 302 200 200 200 302 302",
        "POST": "302 302 302 302 302 302 302 302 302",
    },
    "members:members": {
        "GET": "404 404 200 404 200 200 200 404 404",
        "POST": "404 404 200 404 200 200 200 404 404",
    },
    "members:avatar": {
        "GET": "404 404 404 404 404 404 404 404 404",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "members:default_avatar": {
        "GET": "200 200 200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "members:profile": {
        "GET": "200 200 200 200 200 200 200 200 200",
        "POST": "200 200 200 200 200 200 200 200 200",
    },
    "members:profile_edit": {
        "GET": "302 403 200 403 403 403 403 403 403",
        "POST": "302 403 302 403 403 403 403 403 403",
    },
    "engagement:relationships": {
        "GET": "302 404 200 404 404 404 404 404 404",
        "POST": "302 405 405 405 405 405 405 405 405",
    },
    "members:withdraw_application": {
        "GET": "302 405 405 405 405 405 405 405 405",
        "POST": "302 404 403 404 404 403 403 404 404",
    },
    "notifications:index": {
        "GET": "302 200 200 200 200 200 200 200 200",
        "POST": "302 405 405 405 405 405 405 405 405",
    },
    "notifications:open": {
        "GET": "302 404 302 404 404 404 404 404 404",
        "POST": "302 405 405 405 405 405 405 405 405",
    },
    "notifications:unread": {
        "GET": "204 200 200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "notifications:read": {
        "GET": "302 405 405 405 405 405 405 405 405",
        "POST": "302 404 302 404 404 404 404 404 404",
    },
    "notifications:read_all": {
        "GET": "302 405 405 405 405 405 405 405 405",
        "POST": "302 302 302 302 302 302 302 302 302",
    },
    "notifications:settings": {
        "GET": "302 200 200 200 200 200 200 200 200",
        "POST": "302 400 400 400 400 400 400 400 400",
    },
    "notifications:unsubscribe": {
        "GET": "200 200 200 200 200 200 200 200 200",
        "POST": "200 200 200 200 200 200 200 200 200",
    },
    "purposes:affirm": {
        "GET": "302 405 405 405 405 405 405 405 405",
        "POST": "302 302 302 302 302 302 302 302 302",
    },
    "purposes:charter": {
        "GET": "200 200 200 200 200 200 200 200 200",
        "POST": "200 200 200 200 200 200 200 200 200",
    },
    "purposes:charter_history": {
        "GET": "200 200 200 200 200 200 200 200 200",
        "POST": "200 200 200 200 200 200 200 200 200",
    },
    "purposes:offshoot": {
        "GET": "302 404 200 404 200 200 200 404 404",
        "POST": "302 404 400 404 400 400 400 404 404",
    },
    # archives: members of the members-only community get theirs (404 to the rest); the
    # import page is staff's; no imported community here, so claims are 404; the count CSV
    # of a proposal that was not a several-option vote is 404
    "portability:archive": {
        "GET": "302 404 200 404 200 200 200 404 404",
        "POST": "302 404 302 404 302 302 302 404 404",
    },
    "portability:archive_download": {
        "GET": "302 404 200 404 200 200 200 404 404",
        "POST": "302 405 405 405 405 405 405 405 405",
    },
    "portability:archive_status": {
        "GET": "302 404 200 404 200 200 200 404 404",
        "POST": "302 405 405 405 405 405 405 405 405",
    },
    "portability:claim": {
        "GET": "302 404 404 404 404 404 404 404 404",
        "POST": "302 404 404 404 404 404 404 404 404",
    },
    "portability:claim_accept": {
        "GET": "302 405 405 405 405 405 405 405 405",
        "POST": "302 404 404 404 404 404 404 404 404",
    },
    # the earlier history of an imported community: the world's was not imported, so a
    # 404 to everyone (tests/portability/test_history_pages.py reads an imported one, role
    # by role); read-only, so a POST is refused before anything is looked up
    "portability:history": {
        "GET": "404 404 404 404 404 404 404 404 404",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "portability:history_thread": {
        "GET": "404 404 404 404 404 404 404 404 404",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "portability:history_proposal": {
        "GET": "404 404 404 404 404 404 404 404 404",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "portability:import": {
        "GET": "302 403 403 403 403 403 403 200 200",
        "POST": "302 403 403 403 403 403 403 200 200",
    },
    "portability:import_confirm": {
        "GET": "302 405 405 405 405 405 405 405 405",
        "POST": "302 403 403 403 403 403 403 302 302",
    },
    "purposes:proposal_ballots_csv": {
        "GET": "404 404 404 404 404 404 404 404 404",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    # amendments: the world's proposal is in voting, so nobody may amend it (404: the
    # page is offered only where one may), and its waiting amendment is neither accepted,
    # declined nor carried (302 back to the proposal with the reason)
    "purposes:amend": {
        "GET": "302 404 404 404 404 404 404 404 404",
        "POST": "302 404 404 404 404 404 404 404 404",
    },
    "purposes:amendment_accept": {
        "GET": "302 405 405 405 405 405 405 405 405",
        "POST": "302 404 302 404 302 302 302 404 404",
    },
    "purposes:amendment_carry": {
        "GET": "302 405 405 405 405 405 405 405 405",
        "POST": "302 404 302 404 302 302 302 404 404",
    },
    "purposes:amendment_decline": {
        "GET": "302 405 405 405 405 405 405 405 405",
        "POST": "302 404 302 404 302 302 302 404 404",
    },
    "purposes:proposal_count_csv": {
        "GET": "404 404 404 404 404 404 404 404 404",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "purposes:proposal_live": {
        "GET": "404 404 200 404 200 200 200 404 404",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
    "purposes:proposal": {
        "GET": "404 404 200 404 200 200 200 404 404",
        "POST": "404 404 200 404 200 200 200 404 404",
    },
    "purposes:proposal_edit": {
        "GET": "302 404 404 404 404 404 404 404 404",
        "POST": "302 404 404 404 404 404 404 404 404",
    },
    "purposes:proposal_new": {
        "GET": "302 404 200 404 404 200 200 404 404",
        "POST": "302 404 200 404 404 200 200 404 404",
    },
    "purposes:proposal_step": {
        "GET": "302 405 405 405 405 405 405 405 405",
        "POST": "302 404 302 404 302 302 302 404 404",
    },
    "purposes:proposals": {
        "GET": "404 404 200 404 200 200 200 404 404",
        "POST": "404 404 200 404 200 200 200 404 404",
    },
    "purposes:vote": {
        "GET": "302 405 405 405 405 405 405 405 405",
        "POST": "302 404 302 404 400 302 400 404 404",
    },
    "search": {
        "GET": "200 200 200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405 405 405",
    },
}
# fmt: on


# Reading a thread moves the reader's own "read up to here" marker: bookkeeping for that
# reader alone, the one row a GET may write.
READ_BOOKKEEPING = {"community.ReadState"}
REFUSED = {403, 404}


def status_line(statuses) -> str:
    return " ".join(str(s) for s in statuses)


def tables(skipped: set[str]) -> list[tuple[str, str, str]]:
    """(label, table, primary key column) of every model's table but ``skipped``."""
    return [
        (model._meta.label, model._meta.db_table, model._meta.pk.column)
        for model in apps.get_models()
        if model._meta.label not in skipped and not model._meta.proxy
    ]


def snapshot_counts() -> dict[str, int]:
    """Every table's row count, in one query (two per request: thousands of requests)."""
    quote = connection.ops.quote_name
    counted = tables(READ_BOOKKEEPING)
    # The models' own table names, quoted.
    sql = " UNION ALL ".join(f"SELECT %s, COUNT(*) FROM {quote(t)}" for _, t, _ in counted)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [label for label, _, _ in counted])
        return dict(cursor.fetchall())


def make_clients(world) -> dict[str, Client]:
    """One client per role, CSRF enforced: every POST carries a valid token."""
    clients = {}
    for role in ROLES:
        client = Client(enforce_csrf_checks=True)
        user = world.users[role]
        if user is not None:
            client.force_login(user)
        client.cookies["csrftoken"] = CSRF_SECRET
        clients[role] = client
    return clients


def send(client, method, url, data, *, htmx=False):
    """One request inside a savepoint that is rolled back, so every cell sees the same
    world; returns the status and the row counts it changed."""
    cache.clear()  # rate limits
    headers = {"HX-Request": "true"} if htmx else {}
    if method == "POST":
        headers["X-CSRFToken"] = CSRF_SECRET
    with transaction.atomic():
        before = snapshot_counts()
        if method == "GET":
            response = client.get(url, headers=headers)
        else:
            response = client.post(url, data, headers=headers)
        after = snapshot_counts()
        transaction.set_rollback(True)
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    CSP_PROBLEMS.extend(csp_problems(response, f"{method} {url}"))
    return response.status_code, changed


CSP_PROBLEMS: list[str] = []
CSP_REQUIRED = ("script-src 'self'", "object-src 'none'", "base-uri 'self'")


def csp_problems(response, label) -> list[str]:
    """Every HTML answer, error pages and fragments included, carries the policy; a page
    with a script allows it by nonce (Django adds the nonce only where one is used)."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    csp = response.get("Content-Security-Policy", "")
    missing = [part for part in CSP_REQUIRED if part not in csp]
    if b"<script" in response.content and "'nonce-" not in csp:
        missing.append("a nonce for its scripts")
    if "'unsafe-inline'" in csp or "'unsafe-eval'" in csp:
        missing.append("no unsafe-inline/unsafe-eval")
    return [f"{label}: CSP lacks {missing}"] if missing else []


def post_data(world, name):
    data = dict(POST_DATA.get(name, {}))
    if data.get("parent") == "__post__":
        data["parent"] = world.objects["post"].pk
    return data


def route_url(world, name, route):
    return reverse(name, kwargs=route_kwargs(world, name, route))


def observe(world, clients, routes):
    """The status of every route x method x role, the GETs that changed rows, and the
    htmx requests answered differently from a plain request that was refused."""
    observed, changes, htmx_leaks = {}, [], []
    for name, (route, _pattern) in sorted(routes.items()):
        url = route_url(world, name, route)
        observed[name] = {}
        for method in ("GET", "POST"):
            statuses = []
            for role in ROLES:
                data = post_data(world, name)
                status, changed = send(clients[role], method, url, data)
                statuses.append(status)
                if changed and (method == "GET" or status in REFUSED):
                    changes.append(f"{method} {url} as {role} ({status}) changed {changed}")
                if status in REFUSED:
                    # htmx gets the same refusal; a 403 may come as a 200 fragment that
                    # carries the message (htmx swaps only successes), but still acts on
                    # nothing. A 404 stays a 404: existence must not leak.
                    htmx_status, changed = send(clients[role], method, url, data, htmx=True)
                    if changed or (htmx_status != status and (status, htmx_status) != (403, 200)):
                        htmx_leaks.append(
                            f"{method} {url} as {role}: {status}, htmx {htmx_status} {changed}"
                        )
            observed[name][method] = status_line(statuses)
    return observed, changes, htmx_leaks


def test_every_route_answers_every_role_as_the_matrix_says(figure):
    CSP_PROBLEMS.clear()
    world = build_world()
    routes = site_routes()
    observed, changes, htmx_leaks = observe(world, make_clients(world), routes)
    if os.environ.get("MATRIX_DUMP"):  # write the observed table, to review by hand
        with open(os.environ["MATRIX_DUMP"], "w") as out:
            for name, methods in observed.items():
                get, post = methods["GET"], methods["POST"]
                entry = f'    "{name}": {{\n        "GET": "{get}",\n'
                out.write(entry + f'        "POST": "{post}",\n    }},\n')
    missing = sorted(set(routes) - set(MATRIX))
    assert not missing, f"add these routes to the authorization matrix: {missing}"
    stale = sorted(set(MATRIX) - set(routes))
    assert not stale, f"routes in the matrix that no longer exist: {stale}"
    wrong = [
        f"{name} {method}: expected {MATRIX[name][method]} got {got}"
        for name, methods in observed.items()
        for method, got in methods.items()
        if MATRIX[name][method] != got
    ]
    assert not wrong, "\n".join(wrong)
    assert not changes, "a GET or a refused POST changed rows:\n" + "\n".join(changes)
    assert not htmx_leaks, "htmx got past a refusal:\n" + "\n".join(htmx_leaks)
    assert not CSP_PROBLEMS, "\n".join(CSP_PROBLEMS[:20])
    figure(f"authorization matrix: {len(routes)} routes x 2 methods x {len(ROLES)} roles")


def test_every_state_change_needs_a_csrf_token():
    """A POST without a token is refused (403) on every route, for a member who could
    otherwise act, so no form is exempt by mistake. The unsubscribe link is the one
    documented exception: its signed token is the credential (mail clients post there)."""
    world = build_world()
    routes = site_routes()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["moderator"])
    accepted = []
    for name, (route, _pattern) in sorted(routes.items()):
        url = route_url(world, name, route)
        with transaction.atomic():
            response = client.post(url, post_data(world, name))
            transaction.set_rollback(True)
        if (response.status_code == 403) == (name in CSRF_EXEMPT):
            accepted.append(f"{name} {url}: {response.status_code}")
    assert not accepted, "POST without a CSRF token was not refused:\n" + "\n".join(accepted)


OUTSIDERS = ("anonymous", "outsider", "left", "staff", "superuser")


def test_members_only_content_reaches_no_outsider_through_any_channel():
    """Pages, search, feeds, notifications, profiles, the directory, htmx fragments: the
    words only the members-only community's content holds appear nowhere for outsiders
    (and do appear for a member, so the check can fail)."""
    world = build_world()
    author = world.users["author"].username
    paths = [
        "/",
        reverse("community:directory"),
        reverse("community:home", kwargs={"slug": "inner"}),
        reverse("community:home", kwargs={"slug": "plaza"}),
        reverse("community:feed", kwargs={"slug": "plaza"}),
        reverse("purposes:charter", kwargs={"slug": "inner"}),
        reverse("members:profile", kwargs={"username": author}),
        reverse("members:profile", kwargs={"username": "member"}),
        reverse("notifications:index"),
        reverse("members:invitations"),
        reverse("members:join", kwargs={"slug": "inner"}),
    ]
    paths += [f"{reverse('search')}?q={word}" for word in SECRET_WORDS]
    clients = make_clients(world)
    for role in OUTSIDERS:
        for path in paths:
            for htmx in (False, True):
                headers = {"HX-Request": "true"} if htmx else {}
                response = clients[role].get(path, headers=headers)
                assert response.status_code in {200, 302}, (role, path)
                body = response.content.decode()
                # a search page echoes its own query: look for the other words
                leaked = [
                    word
                    for word in SECRET_WORDS
                    if word.lower() in body.lower() and f"q={word}" not in path
                ]
                assert not leaked, f"{path} shows {leaked} to {role} (htmx={htmx})"
    member = clients["member"]
    found = member.get(f"{reverse('search')}?q={SECRET_WORDS[1]}").content.decode()
    assert SECRET_WORDS[0] in found
    assert (
        SECRET_WORDS[2]
        in member.get(reverse("purposes:proposals", args=["inner"])).content.decode()
    )


def test_members_only_content_reaches_no_outsider_by_email_digest_or_export(
    mailoutbox, django_capture_on_commit_callbacks
):
    """The other channels: every email sent while the world was made, this week's digest
    and each outsider's own data export carry none of the words (and a member's digest
    and the author's export do, so the check can fail)."""
    world = build_world()
    users = world.users
    end = timezone.now() + timedelta(hours=1)
    ids = [u.pk for u in users.values() if u is not None]
    with django_capture_on_commit_callbacks(execute=True):
        digests.do_send_batch(user_ids=ids, frequency="weekly", end=end)
    outsiders = {users[role].email: role for role in OUTSIDERS if users[role] is not None}
    to_outsiders = [m for m in mailoutbox if set(m.to) & set(outsiders)]
    for message in to_outsiders:
        text = f"{message.subject}\n{message.body}"
        leaked = [word for word in SECRET_WORDS if word in text]
        assert not leaked, f"email {message.subject!r} to {message.to} shows {leaked}"
    member_digest = [
        m for m in mailoutbox if users["member"].email in m.to and "digest" in m.subject
    ]
    assert member_digest and SECRET_WORDS[0] in member_digest[0].body
    clients = make_clients(world)
    for role in OUTSIDERS:
        if users[role] is None:
            continue
        url = reverse("members:export_data", kwargs={"username": users[role].username})
        response = clients[role].get(url)
        assert response.status_code == 200, role
        body = response.content.decode()
        leaked = [word for word in SECRET_WORDS if word in body]
        assert not leaked, f"{role}'s export shows {leaked}"
    client = Client()
    client.force_login(users["author"])
    own = client.get(reverse("members:export_data", kwargs={"username": "author"}))
    assert SECRET_WORDS[1] in own.content.decode()


# A public community reads to everyone; its forms still need membership.
PUBLIC_READS = [
    "community:home",
    "community:thread_list",
    "community:feed",
    "engagement:health",
    "moderation:home",
    "members:members",
    "purposes:charter",
    "purposes:charter_history",
    "purposes:proposals",
]


def test_public_community_reads_to_everyone_and_writes_only_for_members():
    world = build_world()
    clients = make_clients(world)
    for role in ROLES:
        for name in PUBLIC_READS:
            response = clients[role].get(reverse(name, kwargs={"slug": "plaza"}))
            assert response.status_code == 200, (name, role)
    thread_new = reverse("community:thread_new", kwargs={"slug": "plaza"})
    for role, expected in {"anonymous": 302, "outsider": 403, "staff": 403}.items():
        status, changed = send(clients[role], "POST", thread_new, {"title": "x", "body": "y"})
        assert (status, changed) == (expected, {}), role


def test_objects_of_another_community_are_404_under_this_ones_address():
    """A member of both communities, owner of everything involved, still cannot reach an
    object of the public community through the members-only one's address (or act on it
    there): ids are looked up within the community of the URL."""
    world = build_world()
    author = world.users["author"]
    plaza = world.public
    thread, post = thread_with_post(community=plaza, author=author, title="Plaza talk")
    text = plaza.charter.text()
    proposal = check_create_proposal(
        actor=author,
        community=plaza,
        kind=Proposal.Kind.AMEND_PURPOSE,
        title="Plaza proposal",
        rationale="Why not",
        proposed=CharterText(purpose="Elsewhere.", goals=text.goals, rules=text.rules),
    )
    entry = ModerationAction.objects.create(
        community=plaza, kind=ModerationAction.Kind.HIDE, post=post, reason="x"
    )
    foreign = {
        "thread_id": thread.pk,
        "thread_slug": thread.slug,
        "post_id": post.pk,
        "proposal_id": proposal.pk,
        "action_id": entry.pk,
    }
    client = make_clients(world)["anonymous"]
    client.force_login(author)
    reached, checked = [], []
    for name, (route, _pattern) in sorted(site_routes().items()):
        kwargs = route_kwargs(world, name, route)
        swapped = {key: foreign[key] for key in kwargs if key in foreign}
        if not swapped or "slug" not in kwargs:
            continue
        checked.append(name)
        url = reverse(name, kwargs=kwargs | swapped)
        missing = {key: (999999 if key.endswith("_id") else "nothing") for key in swapped}
        nowhere = reverse(name, kwargs=kwargs | missing)
        for method in ("GET", "POST"):
            status, changed = send(client, method, url, post_data(world, name))
            # 404/405, or a refusal that is the same for an id that exists nowhere
            # (a 403 from a check made before any lookup reveals nothing).
            same_as_nowhere = status == send(client, method, nowhere, post_data(world, name))[0]
            if changed or (status not in {404, 405} and not same_as_nowhere):
                reached.append(f"{method} {url}: {status} {changed}")
    assert not reached, "another community's object reached:\n" + "\n".join(reached)
    assert len(checked) >= 15, checked
