"""The archive's JSON Schema (portability/schema/*.json) and a checker for the part of
JSON Schema those files use: type (one or a list), const, enum, properties, required,
additionalProperties (false), items, minimum, minLength, maxLength, pattern.

The project does not depend on the ``jsonschema`` package; this checker refuses any
keyword it does not know, so a schema edited to use one fails loudly instead of being
half-checked. Pure: no Django.
"""

import json
import re
from functools import cache
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_ANNOTATIONS = {"$schema", "title", "description"}
KNOWN = _ANNOTATIONS | {
    "type",
    "const",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minimum",
    "minLength",
    "maxLength",
    "pattern",
}


@cache
def schema(kind: str) -> dict:
    """The schema of one record kind (``manifest``, ``post``, ...)."""
    return json.loads((SCHEMA_DIR / f"{kind}.json").read_text())


def kinds() -> list[str]:
    return sorted(path.stem for path in SCHEMA_DIR.glob("*.json"))


def errors(value, rules: dict, where: str = "") -> list[str]:
    """Every way ``value`` breaks ``rules``, each as "<where>: <what>"; [] when it fits."""
    unknown = set(rules) - KNOWN
    if unknown:
        raise ValueError(f"schema keyword(s) this checker does not know: {sorted(unknown)}")
    at = where or "the record"
    if "type" in rules:
        types = rules["type"] if isinstance(rules["type"], list) else [rules["type"]]
        if not any(_TYPES[t](value) for t in types):
            return [f"{at}: expected {' or '.join(types)}, got {type(value).__name__}"]
    if "const" in rules and value != rules["const"]:
        return [f"{at}: must be {rules['const']!r}"]
    if "enum" in rules and value not in rules["enum"]:
        return [f"{at}: {value!r} is not one of {rules['enum']}"]
    found = []
    if isinstance(value, str):
        if len(value) < rules.get("minLength", 0):
            found.append(f"{at}: shorter than {rules['minLength']} characters")
        if "maxLength" in rules and len(value) > rules["maxLength"]:
            found.append(f"{at}: longer than {rules['maxLength']} characters")
        if "pattern" in rules and not re.search(rules["pattern"], value):
            found.append(f"{at}: does not match {rules['pattern']}")
    if _TYPES["number"](value) and "minimum" in rules and value < rules["minimum"]:
        found.append(f"{at}: less than {rules['minimum']}")
    if isinstance(value, list) and "items" in rules:
        for i, item in enumerate(value):
            found += errors(item, rules["items"], f"{where}[{i}]")
    if isinstance(value, dict):
        properties = rules.get("properties", {})
        for name in rules.get("required", []):
            if name not in value:
                found.append(f"{at}: missing {name!r}")
        if rules.get("additionalProperties") is False:
            found += [f"{at}: unexpected {name!r}" for name in value if name not in properties]
        for name, sub in properties.items():
            if name in value:
                found += errors(value[name], sub, f"{where}.{name}" if where else name)
    return found
