"""The authorization matrix: every API route, for every role, answers as the page would.

Roles: anonymous (no token), no_scope (a token without the scope the route needs),
member, outsider (not a member of the members-only community), suspended, moderator,
staff (platform staff, not a member: no extra power, R2). The community is members-only,
so outsiders and staff get a 404, as on the pages: its content does not reveal it exists.
"""

import pytest

from tests.api.conftest import PUBLIC_HOOK, amending, bearer

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "no_scope", "member", "outsider", "suspended", "moderator", "staff")


def R(method, path, scope, body=None, **expected):
    """A route and, per role, the expected status (``default`` for the rest)."""
    return (method, path, scope, body, expected)


# Bodies and paths are functions of the world (ids differ per test).
ROUTES = {
    "directory": R("GET", lambda w: "/communities", "read", default=200, no_scope=403),
    "community": R("GET", lambda w: "/communities/den", "read", default=200, no_scope=403),
    "threads": R(
        "GET", lambda w: "/communities/den/threads", "read",
        default=404, member=200, suspended=200, moderator=200, no_scope=403,
    ),
    "thread": R(
        "GET", lambda w: f"/communities/den/threads/{w.thread.pk}", "read",
        default=404, member=200, suspended=200, moderator=200, no_scope=403,
    ),
    "proposals": R(
        "GET", lambda w: "/communities/den/proposals", "read",
        default=404, member=200, suspended=200, moderator=200, no_scope=403,
    ),
    "proposal": R(
        "GET", lambda w: f"/communities/den/proposals/{w.seeking.pk}", "read",
        default=404, member=200, suspended=200, moderator=200, no_scope=403,
    ),
    "notifications": R(
        "GET", lambda w: "/me/notifications", "read", default=200, anonymous=401, no_scope=403
    ),
    "memberships": R(
        "GET", lambda w: "/me/memberships", "read", default=200, anonymous=401, no_scope=403
    ),
    "profile": R("GET", lambda w: "/users/mia", "read", default=200, no_scope=403),
    "join": R(
        "POST", lambda w: "/communities/den/join", "write", lambda w: {"charter_version": 1},
        default=201, member=200, suspended=200, moderator=200, anonymous=401, no_scope=403,
    ),
    "leave": R(
        "POST", lambda w: "/communities/den/leave", "write",
        default=200, outsider=422, staff=422, anonymous=401, no_scope=403,
    ),
    "start_thread": R(
        "POST", lambda w: "/communities/den/threads", "write",
        lambda w: {"title": "Seeds", "body": "Who has seeds?"},
        default=404, member=201, moderator=201, suspended=403, anonymous=401, no_scope=403,
    ),
    "reply": R(
        "POST", lambda w: f"/communities/den/threads/{w.thread.pk}/posts", "write",
        lambda w: {"parent_id": w.root.pk, "body": "Me!"},
        default=404, member=201, moderator=201, suspended=403, anonymous=401, no_scope=403,
    ),
    "edit": R(
        "PATCH", lambda w: f"/communities/den/posts/{w.root.pk}", "write",
        lambda w: {"body": "Garden plans, edited"},
        default=404, member=200, moderator=403, suspended=403, anonymous=401, no_scope=403,
    ),
    "flag": R(
        "POST", lambda w: f"/communities/den/posts/{w.others_post.pk}/flags", "write",
        lambda w: {"reason": "spam"},
        default=404, member=201, moderator=201, suspended=403, anonymous=401, no_scope=403,
    ),
    "propose": R(
        "POST", lambda w: "/communities/den/proposals", "write",
        lambda w: {"kind": "dissolve", "title": "Stop", "rationale": "Because."},
        default=404, member=201, moderator=201, suspended=403, anonymous=401, no_scope=403,
    ),
    "submit": R(
        "POST", lambda w: f"/communities/den/proposals/{w.draft.pk}/submit", "write",
        default=404, member=200, anonymous=401, no_scope=403,
    ),
    "second": R(
        "POST", lambda w: f"/communities/den/proposals/{w.seeking.pk}/seconds", "write",
        default=404, member=200, moderator=200, suspended=403, anonymous=401, no_scope=403,
    ),
    "vote": R(
        "PUT", lambda w: f"/communities/den/proposals/{w.in_vote.pk}/vote", "vote",
        lambda w: {"choice": "for"},
        default=404, member=200, moderator=200, suspended=403, anonymous=401, no_scope=403,
    ),
    "mark_read": R(
        "POST", lambda w: "/me/notifications/read", "write", lambda w: {"all": True},
        default=200, anonymous=401, no_scope=403,
    ),
    "moderation_log": R(
        "GET", lambda w: "/communities/den/moderation", "read",
        default=404, member=200, suspended=200, moderator=200, no_scope=403,
    ),
    "health": R(
        "GET", lambda w: "/communities/den/health", "read",
        default=404, member=200, suspended=200, moderator=200, no_scope=403,
    ),
    "webhooks": R(
        "GET", lambda w: "/me/webhooks", "read", default=200, anonymous=401, no_scope=403
    ),
    "webhook": R(
        "GET", lambda w: f"/me/webhooks/{w.hook.pk}", "read",
        default=404, member=200, anonymous=401, no_scope=403,
    ),
    "add_webhook": R(
        "POST", lambda w: "/me/webhooks", "write",
        lambda w: {"url": PUBLIC_HOOK, "events": ["thread.created"], "community": "den"},
        default=404, member=201, moderator=201, suspended=201, anonymous=401, no_scope=403,
    ),
    "delete_webhook": R(
        "DELETE", lambda w: f"/me/webhooks/{w.hook.pk}", "write",
        default=404, member=200, anonymous=401, no_scope=403,
    ),
    "enable_webhook": R(
        "POST", lambda w: f"/me/webhooks/{w.hook.pk}/enable", "write",
        default=404, member=200, anonymous=401, no_scope=403,
    ),
    "propose_amendment": R(
        "POST", lambda w: f"/communities/den/proposals/{amending(w).others.pk}/amendments",
        "write", lambda w: {"purpose": "A den for everyone.", "reason": "Open the door."},
        default=404, member=201, moderator=201, suspended=403, anonymous=401, no_scope=403,
    ),
    "accept_amendment": R(
        "POST", lambda w: f"/communities/den/proposals/{amending(w).mine.pk}/amendments/"
        f"{amending(w).waiting.pk}/accept", "write",
        default=404, member=200, moderator=422, suspended=403, anonymous=401, no_scope=403,
    ),
    "decline_amendment": R(
        "POST", lambda w: f"/communities/den/proposals/{amending(w).mine.pk}/amendments/"
        f"{amending(w).waiting.pk}/decline", "write", lambda w: {"reason": "Too long."},
        default=404, member=200, moderator=422, suspended=403, anonymous=401, no_scope=403,
    ),
    "carry_amendment": R(
        "POST", lambda w: f"/communities/den/proposals/{amending(w).others.pk}/amendments/"
        f"{amending(w).declined.pk}/carry", "write",
        default=404, member=200, moderator=422, suspended=403, anonymous=401, no_scope=403,
    ),
}  # fmt: skip

AMENDMENT = "/api/v1/communities/{slug}/proposals/{proposal_id}/amendments/{amendment_id}"
# What each route is in the OpenAPI document (test_openapi checks the two lists agree).
PATHS = {
    "directory": "/api/v1/communities",
    "community": "/api/v1/communities/{slug}",
    "threads": "/api/v1/communities/{slug}/threads",
    "thread": "/api/v1/communities/{slug}/threads/{thread_id}",
    "proposals": "/api/v1/communities/{slug}/proposals",
    "proposal": "/api/v1/communities/{slug}/proposals/{proposal_id}",
    "notifications": "/api/v1/me/notifications",
    "memberships": "/api/v1/me/memberships",
    "profile": "/api/v1/users/{username}",
    "join": "/api/v1/communities/{slug}/join",
    "leave": "/api/v1/communities/{slug}/leave",
    "start_thread": "/api/v1/communities/{slug}/threads",
    "reply": "/api/v1/communities/{slug}/threads/{thread_id}/posts",
    "edit": "/api/v1/communities/{slug}/posts/{post_id}",
    "flag": "/api/v1/communities/{slug}/posts/{post_id}/flags",
    "propose": "/api/v1/communities/{slug}/proposals",
    "submit": "/api/v1/communities/{slug}/proposals/{proposal_id}/submit",
    "second": "/api/v1/communities/{slug}/proposals/{proposal_id}/seconds",
    "vote": "/api/v1/communities/{slug}/proposals/{proposal_id}/vote",
    "mark_read": "/api/v1/me/notifications/read",
    "moderation_log": "/api/v1/communities/{slug}/moderation",
    "health": "/api/v1/communities/{slug}/health",
    "webhooks": "/api/v1/me/webhooks",
    "webhook": "/api/v1/me/webhooks/{webhook_id}",
    "add_webhook": "/api/v1/me/webhooks",
    "delete_webhook": "/api/v1/me/webhooks/{webhook_id}",
    "enable_webhook": "/api/v1/me/webhooks/{webhook_id}/enable",
    "propose_amendment": "/api/v1/communities/{slug}/proposals/{proposal_id}/amendments",
    "accept_amendment": f"{AMENDMENT}/accept",
    "decline_amendment": f"{AMENDMENT}/decline",
    "carry_amendment": f"{AMENDMENT}/carry",
}


def token_for(world, role, scope):
    if role == "anonymous":
        return None
    if role == "no_scope":
        # a member's token with every scope but the one the route needs
        return bearer(world.member, *[s for s in ("read", "write", "vote") if s != scope])
    return bearer(getattr(world, role))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_route_answers_each_role_as_the_pages_do(api, world, route, role):
    method, path, scope, body, expected = ROUTES[route]
    status = expected.get(role, expected["default"])
    response = api.call(
        method, path(world), body(world) if body else None, token=token_for(world, role, scope)
    )
    assert response.status_code == status, response.content
    payload = response.json()
    if status >= 400:
        assert payload["code"] and payload["message"], payload
    if status == 403 and role == "no_scope":
        assert payload["code"] == "insufficient_scope"
    if status == 401:
        assert payload["code"] == "authentication_required"
    if status == 404:
        # the community's content does not leak through the error
        assert "Garden" not in response.content.decode()
