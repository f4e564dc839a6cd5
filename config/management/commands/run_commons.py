"""`make run`: the web server, a Celery worker and beat in one console.

The worker and beat are helpers: when one dies (a crash, an out-of-memory kill) it is
started again, with a line saying so, and the site keeps answering. Only the web server
exiting, or Ctrl-C, stops the lot."""

import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.management.base import BaseCommand

# A helper that dies sooner than this after starting is restarted after a growing pause
# (1 s, 2 s, 4 s … at most MAX_PAUSE), so one that cannot start does not spin.
STEADY_AFTER = 5.0
MAX_PAUSE = 30.0


@dataclass
class Child:
    name: str
    command: list[str]
    restart: bool
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    pause: float = 0.0
    start_after: float = 0.0
    restarts: int = field(default=0)

    def start(self) -> None:
        self.process = subprocess.Popen(self.command)
        self.started_at = time.monotonic()

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()


def box(lines: list[str]) -> str:
    width = max(len(line) for line in lines)
    rule = "─" * (width + 2)
    body = "\n".join(f"│ {line.ljust(width)} │" for line in lines)
    return f"┌{rule}┐\n{body}\n└{rule}┘"


class Command(BaseCommand):
    help = (
        "Run the web server, a Celery worker and Celery beat together; a worker or beat "
        "that dies is restarted. Ctrl-C stops all three."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--verbose-celery",
            action="store_true",
            help="Show Celery's banners and a line per task (INFO) instead of warnings only.",
        )
        parser.add_argument(
            "--celery-app", default="config", help="The Celery app module (tests use theirs)."
        )
        parser.add_argument("--noreload", action="store_true", help="Passed to runserver.")

    def handle(self, *args, host, port, verbose_celery, celery_app, noreload, **options):
        python = sys.executable
        celery = [python, "-m", "celery", "-A", celery_app]
        if not verbose_celery:
            celery.append("--quiet")  # no banners
        level = "--loglevel=" + ("INFO" if verbose_celery else "WARNING")
        web = [python, "manage.py", "runserver", f"{host}:{port}"]
        if noreload:
            web.append("--noreload")
        children = [
            # One worker for every queue (governance, mail, engagement, the default):
            # production runs one per group (docker-compose.yml).
            Child(
                "worker",
                [
                    *celery,
                    "worker",
                    level,
                    "--concurrency=2",
                    "-Q",
                    ",".join(settings.CELERY_QUEUE_NAMES),
                ],  # fmt: skip
                restart=True,
            ),
            Child("beat", [*celery, "beat", level], restart=True),
            Child("web server", web, restart=False),
        ]
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for child in children:
            child.start()
        url = f"http://{host}:{port}/"
        announced = False
        try:
            while not stopping:
                stopping = self.supervise(children)
                if not announced and not stopping and listening(host, port):
                    self.stdout.write(self.welcome(url))
                    announced = True
                time.sleep(0.5)
        finally:
            self.stop_all(children)

    def supervise(self, children: list[Child]) -> bool:
        """Restart dead helpers; return True when everything must stop."""
        now = time.monotonic()
        for child in children:
            code = child.exited()
            if code is None:
                continue
            if not child.restart:
                self.stderr.write(f"The {child.name} exited with {code}; stopping Commons.")
                return True
            if child.start_after == 0.0:
                ran = now - child.started_at
                child.pause = 1.0 if ran >= STEADY_AFTER else min(MAX_PAUSE, child.pause * 2 or 1)
                child.start_after = now + child.pause
                how = f"exited ({code})"
                if code < 0:
                    how = f"was killed ({signal.Signals(-code).name})"
                self.stderr.write(
                    self.style.WARNING(
                        f"The Celery {child.name} {how}; restarting it in {child.pause:.0f} s. "
                        "The site keeps running; jobs wait in the queue."
                    )
                )
            elif now >= child.start_after:
                child.start_after = 0.0
                child.restarts += 1
                child.start()
                self.stderr.write(f"The Celery {child.name} is running again.")
        return False

    def stop_all(self, children: list[Child]) -> None:
        running = [c.process for c in children if c.process and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    def welcome(self, url: str) -> str:
        lines = [
            f"Commons is running at {url}",
            "Demo logins: alice, bruno, chen, dara, emil, fatima",
            "Password: commons-demo",
            f"Mail (sign-up links) is printed here and written to {settings.VAR_DIR / 'mail'}",
            "Ctrl-C stops the web server, the worker and beat.",
        ]
        return "\n" + self.style.SUCCESS(box(lines)) + "\n"


def listening(host: str, port: str) -> bool:
    """Whether the web server accepts connections (a bare connect: a request would add a
    log line after the welcome box)."""
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False
