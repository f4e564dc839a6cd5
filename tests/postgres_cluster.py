"""A PostgreSQL primary and a streaming replica of its own, for the replica tests.

Debian's binaries (``/usr/lib/postgresql/<n>/bin``): ``initdb`` for the primary,
``pg_basebackup -R`` for the replica, each on its own port and data folder, started and
stopped with ``pg_ctl``. PostgreSQL refuses to run as root, so under root the servers run
as the ``postgres`` user, and their folder is a fresh one under /tmp that it may enter
(pytest's own tmp folders are root's alone)."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg


def pg_bin() -> Path | None:
    for version in ("17", "16", "15"):
        path = Path(f"/usr/lib/postgresql/{version}/bin")
        if (path / "pg_basebackup").exists():
            return path
    found = shutil.which("pg_basebackup")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, cluster: "Cluster", name: str, port: int):
        self.cluster, self.name, self.port = cluster, name, port
        self.data = cluster.root / name
        self.log = cluster.root / f"{name}.log"

    def url(self, database: str = "commons") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "commons") -> psycopg.Connection:
        return psycopg.connect(self.url(database), autocommit=True)

    def scalar(self, sql: str, params=None):
        with self.connect() as conn:
            return conn.execute(sql, params).fetchone()[0]

    def start(self) -> None:
        self.cluster.run(
            [str(self.cluster.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
             "-o", f"-p {self.port}", "-w", "-t", "60", "start"]
        )  # fmt: skip

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.cluster.run(
                [str(self.cluster.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                 "stop"], check=False,
            )  # fmt: skip

    def log_lines(self, app: str) -> list[str]:
        """The statements logged for connections of application_name ``app``."""
        return [
            line
            for line in self.log.read_text(errors="replace").splitlines()
            if line.startswith(f"{app}|")
        ]


class Cluster:
    """``with Cluster() as c``: c.primary and c.replica, streaming, stopped at the end."""

    def __init__(self):
        self.bin = pg_bin()
        assert self.bin is not None, "PostgreSQL's server binaries (initdb, pg_ctl) are missing"
        self.as_postgres = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="commons-replica-"))
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.primary = Server(self, "primary", free_port())
        self.replica = Server(self, "replica", free_port())

    def run(self, command: list[str], check: bool = True) -> subprocess.CompletedProcess:
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            raise RuntimeError(f"{command} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def __enter__(self) -> "Cluster":
        try:
            self._start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self) -> None:
        primary = self.primary
        self.run([str(self.bin / "initdb"), "-D", str(primary.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])  # fmt: skip
        # Every statement is logged with its connection's application_name in front: the
        # test tells which server served what by PGAPPNAME of each process.
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.root}'",
            "wal_level": "replica",
            "max_wal_senders": "4",
            "log_statement": "'all'",
            "log_line_prefix": "'%a|'",
            "fsync": "off",  # a test's throwaway cluster
        }
        with open(primary.data / "postgresql.conf", "a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        primary.start()
        with primary.connect("postgres") as conn:
            conn.execute("CREATE DATABASE commons")

    def start_replica(self) -> None:
        """pg_basebackup -R of the primary as it is now, then started streaming."""
        self.run([str(self.bin / "pg_basebackup"), "-h", "127.0.0.1",
                  "-p", str(self.primary.port), "-U", "postgres", "-D", str(self.replica.data),
                  "-R", "-X", "stream", "-c", "fast"])  # fmt: skip
        self.replica.start()
        assert self.replica.scalar("SELECT pg_is_in_recovery()") is True
        self.wait_for_replay()

    def wait_for_replay(self, timeout: float = 30) -> None:
        lsn = self.primary.scalar("SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.replica.scalar("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]):
                return
            time.sleep(0.1)
        raise AssertionError("the replica did not catch up")

    def __exit__(self, *exc) -> None:
        self.replica.stop()
        self.primary.stop()
        shutil.rmtree(self.root, ignore_errors=True)
