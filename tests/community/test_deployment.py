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
}


def _manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
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
    env = {"SECRET_KEY": "s", "ALLOWED_HOSTS": "h", "POSTGRES_PASSWORD": "p"}
    result = _compose("config", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    assert services["beat"]["deploy"]["replicas"] == 1
    assert services["web"]["environment"]["DEBUG"] == "false"
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_refuses_to_start_without_a_secret_key():
    result = _compose("config", "--quiet", env={"ALLOWED_HOSTS": "h", "POSTGRES_PASSWORD": "p"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
