"""A community moves to another instance, end to end, across two running instances:
its members vote to move; the old home's worker builds the archive and emails each
member a claim link; the new home's staff import the archive; two former members follow
their links, one making an account there and one with an account already, claim their
places and become its founders; the old home shows where it went.

Instance A is the test's live server. Instance B is a Commons of its own: gunicorn over
HTTPS (a move's new home must be an https address), its own SQLite database (copied from
the test's freshly migrated one, as in tests/portability/test_round_trip.py), var
directory, SECRET_KEY and mail folder, and a founding quorum of two."""

import email
import email.policy
import http.client
import os
import re
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from portability.tasks import hand_over_moved_communities
from purposes.models import Proposal
from tests.api.test_webhook_transport import self_signed
from tests.browser.shots import shoot
from tests.browser.test_htmx_feedback import log_in_as
from tests.factories import community_with_members, thread_with_post
from tests.portability.round_trip import copy_test_database
from tests.purposes.test_votes import _pass

pytestmark = [
    pytest.mark.browser,
    pytest.mark.embedded,
    pytest.mark.django_db(transaction=True),
]
PASSWORD = "river seeds and spades 7"
OURS = ("DATABASE_", "CELERY_", "REDIS_URL", "DEBUG", "SECRET_KEY", "SITE_URL", "PORT",
        "FOUNDING_QUORUM", "COMMONS_VAR_DIR", "EMAIL_")  # fmt: skip


class InstanceB:
    """The other instance: its address, its own ``manage.py`` and its mail folder."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.address = folder, ("127.0.0.1", port)
        self.url = f"https://127.0.0.1:{port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(OURS)} | {
            "DEBUG": "true",
            "SECRET_KEY": "instance-b-only-secret-key-for-this-test-0123456789",
            "SITE_URL": self.url,
            "COMMONS_VAR_DIR": str(folder),
            "DATABASE_URL": f"sqlite:///{folder / 'b.sqlite3'}",
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "FOUNDING_QUORUM": "2",
        }

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=self.env,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def make_accounts(self, *accounts: tuple[str, str, bool]) -> None:
        """Accounts people made on B before, (username, email, is staff), their emails
        verified, made by B's own shell (one process: each costs a second to start)."""
        self.manage("shell", "--no-imports", "-c", (
            "from allauth.account.models import EmailAddress; "
            "from members.models import User\n"
            f"for name, address, staff in {accounts!r}:\n"
            f"    u = User.objects.create_user(name, address, {PASSWORD!r}, is_staff=staff)\n"
            "    EmailAddress.objects.create(user=u, email=address, verified=True, primary=True)"
        ))  # fmt: skip

    def last_mail_to(self, address: str) -> str:
        """The body of the newest message B wrote for ``address`` to its mail folder
        (development mail: one file per connection, messages between lines of dashes)."""
        for path in sorted((self.folder / "mail").glob("*.log"), key=os.path.getmtime)[::-1]:
            for raw in reversed(path.read_text().split("-" * 79)):
                message = email.message_from_string(raw.strip(), policy=email.policy.default)
                if message["To"] == address:
                    return message.get_content()
        raise AssertionError(f"no mail to {address} on instance B")

    def community(self, slug: str) -> list[str]:
        return self.manage("shell", "--no-imports", "-c", (
            "from community.models import Community; from members.models import Membership; "
            f"c = Community.objects.get(slug={slug!r}); print(c.state); "
            "print(*sorted(m.user.username for m in Membership.objects.current()"
            ".filter(community=c)))"
        )).split("\n")  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def instance_b(django_db_blocker, tmp_path):
    folder = tmp_path / "instance-b"
    folder.mkdir()
    with django_db_blocker.unblock():
        copy_test_database(folder / "b.sqlite3")
    cert, key = self_signed(folder)
    b = InstanceB(folder, free_port())
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
         b.url.removeprefix("https://"), "--certfile", cert, "--keyfile", key,
         "--workers", "1", "--threads", "4"],
        cwd=settings.BASE_DIR, env=b.env, stdout=subprocess.DEVNULL,
        stderr=open(folder / "gunicorn.log", "w"),  # noqa: SIM115 (the server's to close)
    )  # fmt: skip
    trusted = ssl.create_default_context(cafile=cert)
    trusted.check_hostname = False  # B's own certificate names localhost, not 127.0.0.1
    try:
        for _ in range(150):
            try:
                ready = http.client.HTTPSConnection(*b.address, context=trusted, timeout=2)
                ready.request("GET", "/healthz")
                ready.getresponse()
                break
            except OSError:
                assert server.poll() is None, (folder / "gunicorn.log").read_text()[-2000:]
                time.sleep(0.1)
        yield b
    finally:
        server.terminate()
        server.wait(timeout=10)


def claim_link(mailoutbox, address: str) -> str:
    (message,) = [m for m in mailoutbox if m.to == [address] and "new home" in m.subject]
    assert "is moving to a new home" in message.body
    return re.search(r"https://\S+/claim/\?token=\S+", message.body).group(0)


def claim_and_join(page, link: str, public_name: str) -> None:
    page.goto(link)
    expect(page.get_by_label("Claim token")).not_to_have_value("")
    page.get_by_role("button", name="Claim my place").click()
    expect(page.get_by_role("heading", name=f"claimed You were {public_name}")).to_be_visible()
    page.get_by_label("I affirm this purpose").check()
    page.get_by_role("button", name="Join as a founder").click()
    expect(page.get_by_text("You are a founder of Riverside Growers again.")).to_be_visible()


def test_members_move_their_community_to_another_instance_and_claim_it_there(
    live_server, browser, instance_b, mailoutbox, settings
):
    settings.SITE_URL = live_server.url  # the old home's address, as its archive says
    community, members = community_with_members(
        3, slug="growers", name="Riverside Growers", tagline="We grow food by the river"
    )
    thread_with_post(community=community, author=members[1].user, title="Seed swap",
                     body="Seeds on **Saturday**")  # fmt: skip
    new_home = f"{instance_b.url}/c/growers/"
    old = browser.new_context()
    page = old.new_page()

    # On A: a member proposes the move; the members pass it.
    log_in_as(page, live_server, members[0].user)
    page.goto(f"{live_server.url}/c/growers/proposals/new/")
    page.get_by_role("link", name="Move to another home").click()
    page.get_by_label("Title").fill("Move to our co-op's own instance")
    page.get_by_label("Why").fill("The co-op runs its own Commons now.")
    page.get_by_label("Address of the new home").fill(new_home)
    page.get_by_role("button", name="Save the draft and see the change").click()
    expect(page.get_by_text(new_home).first).to_be_visible()
    _pass(Proposal.objects.get(kind="move"), members)  # seconded, voted, closed

    # A's worker hands the community over: the archive, and one claim email per member.
    assert hand_over_moved_communities() == 1
    page.goto(f"{live_server.url}/c/growers/archive/")
    expect(page.get_by_role("heading", name="Your archive is ready")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the archive").click()
    archive = Path(info.value.path())
    links = {m.user.email: claim_link(mailoutbox, m.user.email) for m in members[1:]}
    assert all(link.startswith(new_home + "claim/?token=") for link in links.values())

    # On B: its staff import the archive as a forming community at the address voted for.
    instance_b.make_accounts(("bea", "bea@b.example", True), ("tomas", "tomas@b.example", False))
    staff = browser.new_context(ignore_https_errors=True).new_page()
    staff.goto(f"{instance_b.url}/accounts/login/")
    staff.get_by_label("Username or email").fill("bea")
    staff.get_by_label("Password", exact=True).fill(PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    staff.goto(f"{instance_b.url}/staff/import/")
    staff.get_by_label("Archive file").set_input_files(str(archive))
    staff.get_by_role("button", name="Check the archive").click()
    expect(staff.get_by_role("heading", name="verified Riverside Growers")).to_be_visible()
    staff.get_by_label("Its address here").fill("growers")
    staff.get_by_role("button", name="Import it as a forming community").click()
    expect(staff).to_have_url(new_home)
    expect(staff.get_by_role("link", name=f"{live_server.url}/c/growers/")).to_be_visible()
    # Its history came along, read-only: the thread, its Markdown rendered.
    staff.get_by_role("link", name="Its earlier threads, proposals and log").click()
    staff.get_by_role("link", name="Seed swap").click()
    expect(staff.locator("strong").filter(has_text="Saturday")).to_be_visible()
    staff.goto(new_home)
    expect(staff.get_by_role("heading", name="Riverside Growers forming")).to_be_visible()

    # A former member new to B follows their link, makes an account and verifies it by
    # B's email.
    first = members[1].user
    newcomer = browser.new_context(ignore_https_errors=True).new_page()
    newcomer.goto(links[first.email])
    expect(newcomer).to_have_url(re.compile(r"/accounts/login/\?next="))
    newcomer.get_by_role("link", name="Sign up").first.click()  # the header's
    newcomer.get_by_label("Username").fill("rosa")
    newcomer.get_by_label("Email").fill(first.email)
    newcomer.get_by_label("Password", exact=True).fill(PASSWORD)
    newcomer.get_by_label("Password (again)").fill(PASSWORD)
    newcomer.get_by_role("button", name="Sign up").click()
    expect(newcomer.get_by_role("heading", name="Verify your email address")).to_be_visible()
    mail = instance_b.last_mail_to(first.email)
    newcomer.goto(re.search(r"https://\S+/accounts/confirm-email/\S+/", mail).group(0))
    newcomer.get_by_role("button", name="Confirm").click()
    # Logged in, and back on the claim page the email's link leads to.
    expect(newcomer.get_by_text("rosa", exact=True)).to_be_visible()
    expect(newcomer).to_have_url(links[first.email])
    shoot(newcomer, "claim-from-email")
    claim_and_join(newcomer, links[first.email], first.shown_name)
    expect(newcomer.get_by_role("heading", name="Riverside Growers forming")).to_be_visible()

    # A former member with an account on B already logs in through the link.
    second = members[2].user
    known = browser.new_context(ignore_https_errors=True).new_page()
    known.goto(links[second.email])
    known.get_by_label("Username or email").fill("tomas")
    known.get_by_label("Password", exact=True).fill(PASSWORD)
    known.get_by_role("button", name="Log in").click()
    claim_and_join(known, links[second.email], second.shown_name)
    # Two founders make B's quorum: the community is active there, with both.
    expect(known.get_by_role("heading", name="Riverside Growers", exact=True)).to_be_visible()
    expect(known.get_by_text("Start a thread").first).to_be_visible()
    assert instance_b.community("growers") == ["active", "rosa tomas", ""]
    shoot(known, "claimed-new-home")

    # The old home says where it went.
    page.goto(f"{live_server.url}/c/growers/")
    notice = page.get_by_role("note").filter(has_text="This community continues at")
    expect(notice.get_by_role("link", name=new_home)).to_be_visible()
    for context in (old, staff.context, newcomer.context, known.context):
        context.close()
