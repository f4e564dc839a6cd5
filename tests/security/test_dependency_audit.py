"""The dependency audit (.ci/audit.py) fails on a known vulnerability and says which,
checks a release by its own endpoint or as the project's newest, and reports what it
could not check instead of passing it silently. PyPI is replaced by a table here."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def audit(monkeypatch, tmp_path):
    spec = importlib.util.spec_from_file_location("ci_audit", ROOT / ".ci" / "audit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "uv.lock").write_text(
        "\n".join(
            f'[[package]]\nname = "{name}"\nversion = "{version}"\n'
            'source = { registry = "https://pypi.org/simple" }\n'
            for name, version in [("safe", "1.0"), ("bad", "2.0"), ("old", "0.9")]
        )
        + '[[package]]\nname = "commons"\nversion = "0.1.0"\nsource = { editable = "." }\n'
    )
    monkeypatch.chdir(tmp_path)
    return module


def pypi(table):
    return lambda url: table.get(url.removeprefix("https://pypi.org/pypi/"))


ADVISORY = {"id": "PYSEC-2026-1", "fixed_in": ["2.1"], "summary": "Bad thing", "withdrawn": None}


def test_a_known_vulnerability_fails_the_audit_and_is_named(audit, monkeypatch, capsys):
    monkeypatch.setattr(audit, "fetch", pypi({
        "safe/1.0/json": {"info": {"version": "1.0"}, "vulnerabilities": []},
        "bad/json": {"info": {"version": "2.0"}, "vulnerabilities": [ADVISORY]},
        "old/json": {"info": {"version": "1.4"}, "vulnerabilities": []},
    }))  # fmt: skip
    assert audit.main() == 1
    out = capsys.readouterr().out
    assert "PYSEC-2026-1 (fixed in 2.1): Bad thing" in out
    assert "old 0.9: not checked (locked 0.9, newest 1.4)" in out
    assert "3 locked packages, 2 checked, 1 with a known vulnerability" in out


def test_no_advisory_passes_and_withdrawn_ones_do_not_count(audit, monkeypatch, capsys):
    withdrawn = {**ADVISORY, "withdrawn": "2026-01-01"}
    monkeypatch.setattr(audit, "fetch", pypi({
        "safe/json": {"info": {"version": "1.0"}, "vulnerabilities": []},
        "bad/2.0/json": {"info": {"version": "2.0"}, "vulnerabilities": [withdrawn]},
        "old/json": {"info": {"version": "0.9"}, "vulnerabilities": []},
    }))  # fmt: skip
    assert audit.main() == 0
    assert "3 checked, 0 with a known vulnerability" in capsys.readouterr().out


def test_nothing_checkable_is_not_a_pass(audit, monkeypatch):
    monkeypatch.setattr(audit, "fetch", lambda url: None)
    assert audit.main() == 1
