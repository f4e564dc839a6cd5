"""The archive's JSON Schema (portability/schema/*.json, draft 2020-12), checked by the
reference implementation (``jsonschema``). Pure: no Django."""

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
# Errors named per record: enough to fix it, not a wall of text for a badly broken one.
MAX_ERRORS = 5


@cache
def schema(kind: str) -> dict:
    """The schema of one record kind (``manifest``, ``post``, ...)."""
    return json.loads((SCHEMA_DIR / f"{kind}.json").read_text())


def kinds() -> list[str]:
    return sorted(path.stem for path in SCHEMA_DIR.glob("*.json"))


@cache
def validator(kind: str) -> Draft202012Validator:
    """A validator of one kind, its schema checked once (a broken schema file fails loudly)."""
    rules = schema(kind)
    Draft202012Validator.check_schema(rules)
    return Draft202012Validator(rules, format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors(value, kind: str) -> list[str]:
    """Every way ``value`` breaks the schema of ``kind``, each as "<where>: <what>" (the
    record as a whole is "the record"), at most ``MAX_ERRORS``; [] when it fits."""
    found = sorted(validator(kind).iter_errors(value), key=lambda e: list(e.absolute_path))
    messages = []
    for error in found[:MAX_ERRORS]:
        where = ".".join(str(step) for step in error.absolute_path) or "the record"
        messages.append(f"{where}: {error.message}")
    return messages
