"""The one rule for cleaning text a person typed, for every field that takes it.

Pure module (no Django import), shared by the Markdown renderer, the forms, the model
fields (``core.fields``) and the mail code, so a title, a name, a tagline, a
charter, a vote reason and a post are cleaned alike.

- ``clean_text`` (text of several lines: posts, bios, charters, reasons) normalises
  newlines and removes what is never meant to be in it and can fool a reader:
  C0/C1 control characters but tab and newline, and NUL (some browsers ignore them inside
  URL schemes, PostgreSQL refuses NUL); bidi embeddings, overrides and isolates
  (U+202A-E, U+2066-9: they make text display differently from what it is, "exe.gnp"
  shown as "png.exe"); zero-width space, word joiner, BOM and the other invisible format
  characters used to dodge filters or make look-alike names; lone surrogates (not
  encodable). Plain direction marks (U+200E/F) stay: they only nudge neutral characters
  and right-to-left writers need them; so do ZWNJ/ZWJ (U+200C/D), which Persian, Indic
  scripts and emoji sequences depend on.
- ``clean_line`` (one line: names, titles, taglines) does the same and folds every kind
  of line break and run of spaces into one space: such text ends up in email subjects,
  page titles and feed entries, where a newline breaks the header it is put in.
- ``email_subject`` makes any text safe as a subject line.
"""

import re

_INVISIBLE_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]"
)
# Line and paragraph separators, NEL and every other kind of whitespace run.
_SPACES_RE = re.compile(r"[\s\u2028\u2029\x85]+")
MAX_SUBJECT_CHARS = 200


def clean_text(text: str) -> str:
    """Normalise newlines and drop control, bidi-override and invisible characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    return _INVISIBLE_RE.sub("", text)


def clean_line(text: str) -> str:
    """``clean_text`` on one line: every break and run of spaces becomes one space."""
    return _SPACES_RE.sub(" ", clean_text(text)).strip()


def email_subject(text: str) -> str:
    """One clean line, cut to a length mail clients show."""
    line = clean_line(str(text))
    if len(line) > MAX_SUBJECT_CHARS:
        line = line[: MAX_SUBJECT_CHARS - 1].rstrip() + "…"
    return line
