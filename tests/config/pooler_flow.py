"""What tests/config/test_pooler_postgres.py runs behind PgBouncer, in a process of its own
(``python -m tests.config.pooler_flow``, the settings from the environment: DATABASE_URL
names PgBouncer, DATABASE_POOLER=pgbouncer). Not a test module: it records what a person
would see and what the database holds, and prints it as one JSON line for the test to
assert on.

Commons is served by Django's threaded WSGI server (runserver's, a thread per request,
each closing its connection at the end: every request a new PgBouncer client), driven over
HTTP: a member reads a thread, joins a community, replies, votes; anonymous readers read
the thread four at a time. Then the sweep closes the vote and the clean-up of unverified
sign-ups (a QuerySet.iterator(), a server-side cursor unless DATABASE_POOLER says not)
deletes one, as a worker runs them. Seeding goes through PgBouncer too."""

import http.client
import io
import json
import os
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import django

CSRF = "P" * 32


class Browser:
    """Cookies kept, redirects not followed."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None):
        self.port, self.cookies = port, dict(cookies or {})

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data | {"csrfmiddlewaretoken": CSRF})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response.status, response.headers.get("Location", ""), text


def serve():
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone

    from community.models import Community, Post, Thread
    from members.models import Membership, User
    from members.tasks import delete_unverified_signups
    from purposes.models import Proposal, Vote
    from purposes.tasks import sweep_proposals

    seen = {"settings": connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"]}
    call_command("bench_seed", "--members", "6", "--communities", "3", "--threads", "3",
                 "--posts-per-thread", "3", "--big-thread", "4", stdout=io.StringIO())  # fmt: skip
    user = User.objects.get(username="bench-1")  # a member of bench-0 and bench-1 only
    store = SessionStore()
    store.update({SESSION_KEY: str(user.pk), HASH_SESSION_KEY: user.get_session_auth_hash(),
                  BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend"})  # fmt: skip
    store.create()
    home = Community.objects.get(slug="bench-0")
    thread = Thread.objects.filter(community=home).exclude(title="The big thread").first()
    root = Post.objects.get(thread=thread, depth=0)
    proposal = Proposal.objects.get(community=home, state="voting")
    stale = User.objects.create(
        username="never-verified", email="never@example.org",
        date_joined=timezone.now() - timedelta(days=30),
    )  # fmt: skip
    connection.close()

    server = serve()
    port = server.server_address[1]
    member = Browser(port, {"sessionid": store.session_key, "csrftoken": CSRF})

    status, _, page = member.request("GET", thread.get_absolute_url())
    seen["thread_page"] = [status, thread.title in page]

    status, where, _ = member.request("POST", reverse("members:join", args=["bench-2"]),
                                      {"affirm": "on"})  # fmt: skip
    seen["join"] = [status, where]

    text = "Said through PgBouncer, kept by PostgreSQL"
    reply = reverse("community:reply", args=[home.slug, thread.pk])
    status, where, _ = member.request("POST", reply, {"parent": root.pk, "body": text})
    seen["reply"] = [status, where.split("#")[0]]
    status, _, page = member.request("GET", where.split("#")[0])
    seen["reply_shown"] = [status, text in page]

    vote = reverse("purposes:vote", kwargs={"slug": home.slug, "proposal_id": proposal.pk})
    status, where, _ = member.request("POST", vote, {"choice": "for", "reason": "Pooled."})
    seen["vote"] = [status, where]

    def anonymous_read(_):
        status, _, page = Browser(port).request("GET", thread.get_absolute_url())
        return [status, text in page]

    with ThreadPoolExecutor(4) as pool:
        seen["anonymous_reads"] = list(pool.map(anonymous_read, range(8)))
    server.shutdown()
    server.server_close()

    # The sweep, as a worker runs it: the vote is due, and closes.
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_ends_at=timezone.now() - timedelta(seconds=1)
    )
    seen["sweep"] = sweep_proposals.apply().get()
    seen["cleanup"] = delete_unverified_signups.apply().get()

    seen["rows"] = {
        "joined": Membership.objects.filter(
            user=user, community__slug="bench-2", left_at__isnull=True
        ).exists(),
        "replies": Post.objects.filter(thread=thread, body=text, author=user).count(),
        "votes": Vote.objects.filter(
            proposal=proposal, user=user, superseded_at__isnull=True, reason="Pooled."
        ).count(),
        "proposal_state": Proposal.objects.get(pk=proposal.pk).state,
        "stale_left": User.objects.filter(pk=stale.pk).exists(),
    }
    connection.close()
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
