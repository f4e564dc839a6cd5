"""Members' pictures: checking and re-encoding an upload, and the generated default.

Pure functions, no ORM. An upload is never served as sent: it is decoded (JPEG, PNG, WebP
or the first frame of a GIF), checked against size and pixel limits before its pixels
are decoded (a small file can claim billions of pixels), cut to a centred square,
resized and written afresh as WebP. The new file carries pixels only, so EXIF, GPS,
comments and colour profiles are gone.
"""

import hashlib
import io
import warnings

from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_AVATAR_BYTES = 5 * 1024 * 1024
# 40 megapixels: any camera's photo, far below what would exhaust a web process.
MAX_AVATAR_PIXELS = 40_000_000
AVATAR_SIZE = 256
AVATAR_CONTENT_TYPE = "image/webp"
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}

# Background colours of the generated pictures: each keeps white initials readable
# (contrast of at least 4.5:1).
PALETTE = (
    "#1f6f5c",
    "#2f5d8a",
    "#7a4a8c",
    "#8c3b3b",
    "#6b5a1e",
    "#3d6b2a",
    "#a03c6a",
    "#4b5563",
)


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError({"avatar": ValidationError(message, code=code)})


def make_avatar(data: bytes) -> bytes:
    """The picture to store for an uploaded file, or a ValidationError on ``avatar``."""
    if len(data) > MAX_AVATAR_BYTES:
        raise _refuse(_("The picture is too large: 5 MB at most."), "too_large")
    try:
        with warnings.catch_warnings():
            # Pillow only warns at its own (higher) limit; a bomb is refused, not decoded.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise _refuse(_("Upload a JPEG, PNG, WebP or GIF picture."), "format")
                width, height = image.size
                if width * height > MAX_AVATAR_PIXELS:
                    raise _refuse(
                        _("The picture has too many pixels: 40 megapixels at most."),
                        "too_many_pixels",
                    )
                image.seek(0)
                if image.format == "JPEG":
                    # Decode at a reduced scale when the file allows it: faster, less memory.
                    image.draft("RGB", (AVATAR_SIZE * 2, AVATAR_SIZE * 2))
                image.load()
                upright = ImageOps.exif_transpose(image)
                has_alpha = "A" in upright.getbands() or "transparency" in upright.info
                mode = "RGBA" if has_alpha else "RGB"
                square = ImageOps.fit(
                    upright.convert(mode),
                    (AVATAR_SIZE, AVATAR_SIZE),
                    Image.Resampling.LANCZOS,
                )
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ) as error:
        if isinstance(error, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
            raise _refuse(
                _("The picture has too many pixels: 40 megapixels at most."), "too_many_pixels"
            ) from error
        raise _refuse(
            _("That file is not a picture we can read. Upload a JPEG, PNG, WebP or GIF."),
            "not_an_image",
        ) from error
    # A fresh image holds pixels only: nothing of the upload's metadata can follow.
    clean = Image.new(mode, square.size)
    clean.paste(square)
    out = io.BytesIO()
    clean.save(out, "WEBP", quality=85, method=4)
    return out.getvalue()


def avatar_key(image: bytes) -> str:
    """The picture's part of its URL: a digest of the stored bytes."""
    return hashlib.sha256(image).hexdigest()[:16]


def initials(name: str) -> str:
    """One or two letters for the generated picture: the first letters of the first two
    words of the name ("Ana Lima" → "AL", "rosa" → "R")."""
    words = [word for word in name.replace("_", " ").replace(".", " ").split() if word]
    letters = "".join(word[0] for word in words[:2] if word[0].isalnum())
    return (letters or "?").upper()[:2]


def shade(username: str) -> int:
    """A stable colour (an index in PALETTE) per username, not per display name, so
    renaming keeps it."""
    return hashlib.sha256(username.encode()).digest()[0] % len(PALETTE)


def default_svg(letters: str, shade: int) -> str | None:
    """The generated picture: initials on a coloured disc. None for anything initials()
    and shade() cannot produce, so the URL cannot carry other text."""
    if not (0 <= shade < len(PALETTE)) or not (
        letters == "?"
        or (1 <= len(letters) <= 2 and letters.isalnum() and letters == letters.upper())
    ):
        return None
    size = 16 if len(letters) > 1 else 18
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40">'
        f'<circle cx="20" cy="20" r="20" fill="{PALETTE[shade]}"/>'
        '<text x="20" y="20" dy="0.35em" text-anchor="middle" fill="#fff"'
        f' font-family="system-ui, sans-serif" font-size="{size}" font-weight="600">'
        f"{escape(letters)}</text></svg>"
    )
