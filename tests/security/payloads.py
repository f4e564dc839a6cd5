"""Hostile-input corpus shared by sanitisation tests (posts, titles, bios, ...).

xss_payloads.txt holds one payload per line. Lines starting with "#:" and blank
lines are ignored. So that control characters, newlines and invisible Unicode can
be written visibly, these escapes are decoded: \\n \\t \\r \\xNN \\uNNNN \\UNNNNNNNN
and \\\\ (a backslash). Any other backslash is kept literally, so Markdown escapes
like \\[ read naturally.
"""

import re
from functools import cache
from pathlib import Path

PAYLOADS_FILE = Path(__file__).with_name("xss_payloads.txt")

_ESCAPE_RE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[ntr\\])")
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}


def unescape(line: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        return _SIMPLE.get(code) or chr(int(code[1:], 16))

    return _ESCAPE_RE.sub(replace, line)


@cache
def _load() -> tuple[str, ...]:
    lines = PAYLOADS_FILE.read_text(encoding="utf-8").split("\n")
    return tuple(unescape(line) for line in lines if line.strip() and not line.startswith("#:"))


def load_payloads() -> list[str]:
    """Every payload, decoded, in file order (a fresh list each call)."""
    return list(_load())
