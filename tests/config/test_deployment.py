"""Production configuration: settings refuse unsafe defaults; Compose file is valid."""

import json
import os
import subprocess
import sys
from pathlib import Path

import compose

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "kT3v9-production-like-secret-key-with-enough-entropy-0123456789abcdefXYZ",
    "ALLOWED_HOSTS": "commons.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://commons.example.org",
    "SITE_URL": "https://commons.example.org",
    # Never connected to by these checks: the settings only need to know it is shared.
    "REDIS_URL": "redis://127.0.0.1:6399/0",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6399/1",
}


def _manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "SITE_URL",
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "PORT",
        }
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | {"COMMONS_VAR_DIR": str(tmp_path)} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    result = _manage(
        "check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION_ENV, tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_startup_fails_clearly_without_secret_key_when_debug_is_off(tmp_path):
    env = PRODUCTION_ENV | {"SECRET_KEY": ""}
    result = _manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_startup_fails_clearly_without_allowed_hosts_when_debug_is_off(tmp_path):
    env = PRODUCTION_ENV | {"ALLOWED_HOSTS": ""}
    result = _manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_startup_fails_clearly_without_site_url_when_debug_is_off_item_1(tmp_path):
    env = PRODUCTION_ENV | {"SITE_URL": ""}
    result = _manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SITE_URL must be set when DEBUG is off" in result.stderr


def test_site_url_with_a_path_or_another_scheme_is_refused_item_1(tmp_path):
    for bad in ("commons.example.org", "ftp://commons.example.org", "https://x.org/forum"):
        result = _manage("check", env=PRODUCTION_ENV | {"SITE_URL": bad}, tmp_path=tmp_path)
        assert result.returncode != 0, bad
        assert "SITE_URL must be a scheme and a host" in result.stderr, bad


def test_development_site_url_is_the_make_run_address_and_honours_port_item_1(tmp_path):
    code = "from django.conf import settings; print(settings.SITE_URL)"
    default = _manage("shell", "--no-imports", "-c", code, env={}, tmp_path=tmp_path)
    assert default.stdout.strip() == "http://127.0.0.1:8000", default.stderr
    port = _manage("shell", "--no-imports", "-c", code, env={"PORT": "8123"}, tmp_path=tmp_path)
    assert port.stdout.strip() == "http://127.0.0.1:8123", port.stderr
    production = _manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV, tmp_path=tmp_path)
    assert production.stdout.strip() == "https://commons.example.org", production.stderr


def test_startup_fails_clearly_without_a_shared_cache_when_debug_is_off_item_7(tmp_path):
    env = PRODUCTION_ENV | {"REDIS_URL": ""}
    result = _manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "REDIS_URL must be set when DEBUG is off" in result.stderr
    assert "rate limits" in result.stderr


def test_startup_fails_clearly_without_a_broker_when_debug_is_off_item_7(tmp_path):
    # The same kind of fault: the filesystem broker is per machine, as locmem is per process.
    env = PRODUCTION_ENV | {"CELERY_BROKER_URL": ""}
    result = _manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "CELERY_BROKER_URL must be set when DEBUG is off" in result.stderr


def test_production_settings_use_the_shared_redis_cache_item_7(tmp_path):
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    result = _manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV, tmp_path=tmp_path)
    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache", result.stderr


def test_development_secret_key_is_generated_once_and_kept(tmp_path):
    env = {"DEBUG": "true", "SECRET_KEY": ""}
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = _manage("shell", "--no-imports", "-c", code, env=env, tmp_path=tmp_path)
    second = _manage("shell", "--no-imports", "-c", code, env=env, tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert len(first.stdout.strip()) >= 50
    assert (tmp_path / "secret_key").read_text().strip() == first.stdout.strip()


def _compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # The package's wrapper script always exits 0, so call its binary directly.
    binary = Path(compose.__file__).parent / "docker-compose"
    return subprocess.run(
        [str(binary), "-f", str(ROOT / "docker-compose.yml"), *args],
        env={"PATH": os.environ["PATH"], "HOME": str(ROOT)} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_compose_file_is_valid_and_describes_the_production_services():
    env = {
        "SECRET_KEY": "s",
        "ALLOWED_HOSTS": "h",
        "POSTGRES_PASSWORD": "p",
        "SITE_URL": "https://h",
    }
    result = _compose("config", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    workers = ("worker", "worker-mail", "worker-engagement")
    assert set(services) == {"postgres", "redis", "migrate", "web", "beat", *workers}
    for name in ("postgres", "redis", "web", *workers):
        assert "healthcheck" in services[name], name
    assert services["beat"]["deploy"]["replicas"] == 1
    assert services["web"]["environment"]["DEBUG"] == "false"
    # A worker per queue group, together consuming every queue the routing sends to.
    consumed = [services[w]["command"][services[w]["command"].index("-Q") + 1] for w in workers]
    assert consumed == ["governance,celery", "mail", "engagement"]
    assert services["web"]["environment"]["DATABASE_REPLICA_URLS"] == ""
    for name in ("web", "beat", *workers):
        assert services[name]["environment"]["SITE_URL"] == "https://h", name
        assert services[name]["environment"]["REDIS_URL"].startswith("redis://"), name
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_refuses_to_start_without_a_site_url_item_1():
    env = {"SECRET_KEY": "s", "ALLOWED_HOSTS": "h", "POSTGRES_PASSWORD": "p"}
    result = _compose("config", "--quiet", env=env)
    assert result.returncode != 0
    assert "SITE_URL" in result.stderr


def test_compose_refuses_to_start_without_a_secret_key():
    result = _compose(
        "config",
        "--quiet",
        env={"ALLOWED_HOSTS": "h", "POSTGRES_PASSWORD": "p", "SITE_URL": "https://h"},
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_compose_profiles_add_a_streaming_replica_and_pgbouncer():
    env = {
        "SECRET_KEY": "s",
        "ALLOWED_HOSTS": "h",
        "POSTGRES_PASSWORD": "p",
        "SITE_URL": "https://h",
        "COMPOSE_PROFILES": "replica,pooler",
        "DATABASE_HOST": "pgbouncer",
        "DATABASE_POOLER": "pgbouncer",
        "DATABASE_REPLICA_URLS": "postgres://commons:p@postgres-replica:5432/commons",
    }
    result = _compose("config", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    replica = services["postgres-replica"]
    assert replica["image"].startswith("postgres:")
    script = (ROOT / "config" / "postgres-replica.sh").read_text()
    assert 'pg_basebackup -h "$PRIMARY_HOST"' in script
    assert " -R " in script and "hot_standby=on" in script
    # The files the PostgreSQL leg's proofs run (tests/postgres_cluster.py) are the ones
    # mounted here: the replica's entrypoint script and PgBouncer's configuration.
    configs = json.loads(result.stdout)["configs"]
    assert replica["entrypoint"] == ["bash", "/usr/local/bin/commons-replica.sh"]
    assert replica["configs"] == [
        {"source": "postgres-replica-sh", "target": "/usr/local/bin/commons-replica.sh"}
    ]
    assert configs["postgres-replica-sh"]["file"] == str(ROOT / "config" / "postgres-replica.sh")
    assert replica["environment"]["PRIMARY_HOST"] == "postgres"
    pgbouncer = services["pgbouncer"]
    mounted = {c["source"]: c["target"] for c in pgbouncer["configs"]}
    assert pgbouncer["command"] == [mounted["pgbouncer-ini"]]
    assert configs["pgbouncer-ini"]["file"] == str(ROOT / "config" / "pgbouncer.ini")
    ini = (ROOT / "config" / "pgbouncer.ini").read_text()
    assert "\npool_mode = transaction\n" in ini
    assert "\ncommons = host=postgres port=5432 dbname=commons\n" in ini
    assert f"\nauth_file = {mounted['pgbouncer-userlist']}\n" in ini
    assert configs["pgbouncer-userlist"]["content"] == '"commons" "p"\n'
    web = services["web"]["environment"]
    assert web["DATABASE_URL"] == "postgres://commons:p@pgbouncer:5432/commons"
    assert web["DATABASE_POOLER"] == "pgbouncer"
    assert web["DATABASE_REPLICA_URLS"].endswith("@postgres-replica:5432/commons")
    # Migrations never go through the pooler.
    assert services["migrate"]["environment"]["DATABASE_URL"].endswith("@postgres:5432/commons")
