"""A PostgreSQL primary and a streaming replica of its own, for the replica tests.

Debian's binaries (``/usr/lib/postgresql/<n>/bin``): ``initdb`` for the primary,
``pg_basebackup -R`` for the replica, each on its own port and data folder, started and
stopped with ``pg_ctl``. PostgreSQL refuses to run as root, so under root the servers run
as the ``postgres`` user, and their folder is a fresh one under /tmp that it may enter
(pytest's own tmp folders are root's alone)."""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

REPLICA_SCRIPT = Path(__file__).resolve().parents[1] / "config" / "postgres-replica.sh"


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
    """``with Cluster() as c``: c.primary and c.replica, streaming, stopped at the end.
    ``Cluster(template=path)`` starts the primary from a copy of a migrated one (see
    ``migrated_template``); ``Cluster(log_statements=False)`` for the load test."""

    def __init__(self, log_statements: bool = True, template: Path | None = None):
        self.log_statements, self.template = log_statements, template
        self.bin = pg_bin()
        assert self.bin is not None, "PostgreSQL's server binaries (initdb, pg_ctl) are missing"
        self.as_postgres = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="commons-replica-"))
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.primary = Server(self, "primary", free_port())
        self.replica = Server(self, "replica", free_port())
        self.replica_process: subprocess.Popen | None = None

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
        if self.template is None:
            self.run([str(self.bin / "initdb"), "-D", str(primary.data), "-U", "postgres",
                      "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])  # fmt: skip
        else:
            # A stopped primary's folder, copied: its settings below are appended again,
            # and the last line of a setting wins (this cluster's socket folder).
            self.run(["cp", "-a", str(self.template), str(primary.data)])
        # Every statement is logged with its connection's application_name in front: the
        # test tells which server served what by PGAPPNAME of each process.
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.root}'",
            "wal_level": "replica",
            "max_wal_senders": "4",
            "log_statement": "'all'" if self.log_statements else "'none'",
            "log_line_prefix": "'%a|'",
            "fsync": "off",  # a test's throwaway cluster
        }
        with open(primary.data / "postgresql.conf", "a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        primary.start()
        if self.template is None:
            with primary.connect("postgres") as conn:
                conn.execute("CREATE DATABASE commons")

    def start_replica(self) -> None:
        """config/postgres-replica.sh, as Compose runs it: pg_basebackup -R of the primary
        as it is now, then postgres as a hot standby, streaming."""
        replica = self.replica
        env = {
            "PATH": f"{self.bin}:{os.environ['PATH']}",
            "PGDATA": str(replica.data),
            "PRIMARY_HOST": "127.0.0.1",
            "PRIMARY_PORT": str(self.primary.port),
            "PRIMARY_USER": "postgres",
        }
        command = ["bash", str(REPLICA_SCRIPT), "-p", str(replica.port)]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", "env", *(f"{k}={v}" for k, v in
                       env.items()), *command]  # fmt: skip
        with open(replica.log, "ab") as log:
            self.replica_process = subprocess.Popen(
                command, env=os.environ | env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                in_recovery = replica.scalar("SELECT pg_is_in_recovery()")
                break
            except psycopg.OperationalError:
                if self.replica_process.poll() is not None or time.monotonic() > deadline:
                    log = replica.log.read_text()
                    raise RuntimeError(f"the replica did not start:\n{log}") from None
                time.sleep(0.1)
        assert in_recovery is True
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
        if self.replica_process is not None:
            if self.replica_process.poll() is None:
                self.replica_process.kill()  # (still in pg_basebackup's retry loop)
            self.replica_process.wait(timeout=30)
        self.primary.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def migrated_template(migrate) -> Path:
    """A stopped primary whose ``commons`` database ``migrate(url)`` migrated, in a folder
    of its own, for ``Cluster(template=...)``: the proofs migrate once, not once each.
    The caller removes its parent folder."""
    with Cluster() as cluster:
        migrate(cluster.primary.url())
        cluster.primary.stop()
        keep = Path(tempfile.mkdtemp(prefix="commons-template-"))
        if cluster.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(keep, user.pw_uid, user.pw_gid)
        shutil.move(cluster.primary.data, keep / "data")
    return keep / "data"


PGBOUNCER_INI = REPLICA_SCRIPT.parent / "pgbouncer.ini"
# The lines of config/pgbouncer.ini the tests change: where things are, and the pool size.
PGBOUNCER_CHANGED = ("commons", "listen_addr", "listen_port", "auth_file", "default_pool_size")


def pgbouncer_bin() -> Path | None:
    for path in (Path("/usr/sbin/pgbouncer"), Path("/usr/bin/pgbouncer")):
        if path.exists():
            return path
    found = shutil.which("pgbouncer")
    return Path(found) if found else None


class PgBouncer:
    """``with PgBouncer(cluster, pool_size=1) as b``: Debian's pgbouncer in front of the
    cluster's primary, run with config/pgbouncer.ini (the file Compose runs), only its
    addresses, files and pool size changed; b.url() for Commons, b.admin() its console."""

    PASSWORD = "pooled-secret"

    def __init__(self, cluster: Cluster, pool_size: int = 1):
        self.bin = pgbouncer_bin()
        assert self.bin is not None, "pgbouncer is missing (apt-get install pgbouncer)"
        self.cluster, self.port = cluster, free_port()
        self.ini = cluster.root / "pgbouncer.ini"
        self.log = cluster.root / "pgbouncer.log"
        self.pidfile = cluster.root / "pgbouncer.pid"
        self.changes = {
            "commons": f"host=127.0.0.1 port={cluster.primary.port} dbname=commons",
            "listen_addr": "127.0.0.1",
            "listen_port": str(self.port),
            "auth_file": str(cluster.root / "userlist.txt"),
            "default_pool_size": str(pool_size),
        }

    def render(self) -> str:
        """config/pgbouncer.ini with the changed lines' values replaced; each must be there."""
        lines, seen = [], set()
        for line in PGBOUNCER_INI.read_text().splitlines():
            key, sep, _value = line.partition("=")
            key = key.strip()
            if sep and not line.lstrip().startswith(";") and key in self.changes:
                line, _ = f"{key} = {self.changes[key]}", seen.add(key)
            lines.append(line)
        missing = set(PGBOUNCER_CHANGED) - seen
        assert not missing, f"config/pgbouncer.ini no longer sets {sorted(missing)}"
        # Files of its own; no Unix socket (the port alone); the console for the test.
        lines += [f"logfile = {self.log}", f"pidfile = {self.pidfile}", "unix_socket_dir =",
                  "admin_users = postgres"]  # fmt: skip
        return "\n".join(lines) + "\n"

    def url(self, database: str = "commons") -> str:
        return f"postgres://postgres:{self.PASSWORD}@127.0.0.1:{self.port}/{database}"

    def show(self, what: str) -> list[dict]:
        """The rows of a SHOW on PgBouncer's console (POOLS, STATS, SERVERS)."""
        with psycopg.connect(
            self.url("pgbouncer"), autocommit=True, cursor_factory=psycopg.ClientCursor
        ) as console:
            cursor = console.execute(f"SHOW {what}")
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def __enter__(self) -> "PgBouncer":
        self.ini.write_text(self.render())
        (self.cluster.root / "userlist.txt").write_text(f'"postgres" "{self.PASSWORD}"\n')
        if self.cluster.as_postgres:
            user = pwd.getpwnam("postgres")
            for path in (self.ini, self.cluster.root / "userlist.txt"):
                os.chown(path, user.pw_uid, user.pw_gid)
        try:
            # -d: in the background, once its configuration loaded (or it failed).
            self.cluster.run([str(self.bin), "-d", str(self.ini)])
            deadline = time.monotonic() + 30
            while True:
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", self.port)) == 0:
                        return self
                if time.monotonic() > deadline:
                    raise RuntimeError(f"pgbouncer did not listen:\n{self.log.read_text()}")
                time.sleep(0.05)
        except BaseException:
            self.__exit__()
            raise

    def __exit__(self, *exc) -> None:
        if self.pidfile.exists():
            pid = int(self.pidfile.read_text().strip() or 0)
            if pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGINT)  # immediate shutdown
                deadline = time.monotonic() + 10
                while self.pidfile.exists() and time.monotonic() < deadline:
                    time.sleep(0.05)
