"""Absolute links to the site, for everything read away from it: emails, feeds, exports.

They are built from ``settings.SITE_URL`` alone: not from the Sites framework (whose row
says ``example.com`` until someone edits it) and not from a request's Host header (a
worker has no request, and the same message must carry the same links whoever caused it).
"""

from django.conf import settings


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def absolute_url(path: str) -> str:
    """``path`` ("/c/x/") on the site; a URL that is already absolute is returned as is."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{site_url()}/{path.lstrip('/')}"
