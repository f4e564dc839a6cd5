import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and Celery beat together; Ctrl-C stops all three."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, host, port, **options):
        python = sys.executable
        commands = {
            "worker": [python, "-m", "celery", "-A", "community", "worker",
                       "--loglevel=INFO", "--concurrency=2"],
            "beat": [python, "-m", "celery", "-A", "community", "beat", "--loglevel=INFO"],
            "web": [python, "manage.py", "runserver", f"{host}:{port}"],
        }  # fmt: skip
        processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        self.stdout.write(
            self.style.SUCCESS(f"\nCommons is running at http://{host}:{port}/")
            + "\nDemo logins: alice, bruno, chen, dara, emil, fatima — password commons-demo."
            + "\nMail (sign-up links) is printed here and written under var/mail/."
            + "\nPress Ctrl-C to stop the web server, the worker and beat.\n"
        )
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} exited with {process.returncode}; stopping.")
                        stopping = True
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes.values():
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
