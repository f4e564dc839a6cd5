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


# --- Classes generated rather than listed (hardening) ---------------------------------------
# Each is also written into xss_payloads.txt as examples, so every corpus test runs them;
# the full classes go through every typed field and every route (test_hostile_fields.py,
# test_control_characters.py).

# Every C0 and C1 control character and DEL, alone and inside a name, and the line and
# paragraph separators: a newline in a name became an email header.
CONTROL = [
    *(f"Name{chr(c)}Bcc: x@example.org" for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)]),
    "Title\u2028Second line",
    "Title\u2029Second paragraph",
    "\r\nSubject: injected\r\n\r\nbody",
]
# Bidi embeddings, overrides and isolates, the Arabic letter mark, and invisible format
# characters: they make text display as something it is not.
BIDI = [
    *(f"Alice{chr(c)}gnp.exe" for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]),
    "\u061cadmin",
    "ad\u200bmin",
    "ad\u2060min",
    "\ufeffadmin",
    "admin\u2064",
    "\u202ereversed reason\u202c",
]
# Usernames that look like "alice", "chen" or an anonymised account.
CONFUSABLE_USERNAMES = [
    "aIice", "ALICE", "AIice", "\u0430lice", "al\u0456ce", "\u0251lice", "a\u217cice",
    "\uff41\uff4c\uff49\uff43\uff45", "\uff43\uff48\uff45\uff4e", "c\u04bben", "\u0441hen",
    "deleted-1", "Deleted-2", "deleted_3", "de1eted-4", "deleted", "DELETED-5",
]  # fmt: skip
# Markdown that costs the parser most per character, at the largest size a post holds.
PATHOLOGICAL_MARKDOWN = [
    unit * (10_000 // len(unit))
    for unit in [
        "[", "![", "[x](", "![](", "[a](b \"", "*_", "**a", "_a", "~~a", "x *y* ", "&#",
        "a  \n", "a\n", "@a ", "|x|y|\n", "> [x](y) ", "- x\n  ", "> ", "`", "<a", "\\",
    ]
] + ["".join("  " * i + "- x\n" for i in range(400))[:10_000], ">" * 10_000 + " deep"]  # fmt: skip
