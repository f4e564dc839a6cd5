"""Where a webhook may be sent: an HTTPS address whose host resolves only to public
addresses. The server must not be a way to probe its own network, so loopback, link-local,
private, shared (carrier-grade NAT), reserved, multicast and unspecified addresses are
refused, unless ``WEBHOOKS_ALLOW_PRIVATE`` is set (a test setup or a closed network).

The check runs when a subscription is made and again before every attempt, and the
attempt connects to the very address that was checked (``Target.address``), so a name that
resolves differently the second time (DNS rebinding) reaches nothing it should not."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

MAX_URL_CHARS = 500


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    path: str  # with its query
    address: str  # the checked IP address the attempt connects to


class AddressRefused(Exception):
    """Why a webhook address is refused: ``code`` stable, the message for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (tests replace this: they use no network)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in found))


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    refused = (
        ip.is_loopback,
        ip.is_link_local,
        ip.is_private,
        ip.is_reserved,
        ip.is_multicast,
        ip.is_unspecified,
        not ip.is_global,  # shared address space (100.64/10) and the like
    )
    return not any(refused)


def check_url(url: str) -> Target:
    """The checked target of ``url``, or AddressRefused."""
    if len(url) > MAX_URL_CHARS:
        raise AddressRefused(
            "url_too_long", _("Keep the address to %(n)s characters.") % {"n": MAX_URL_CHARS}
        )
    # URLValidator lets control characters through in the path; no address has one (and
    # PostgreSQL refuses a NUL).
    if any(ord(char) < 32 or ord(char) == 127 for char in url):
        raise AddressRefused("url_invalid", _("This is not a web address."))
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError:
        raise AddressRefused("url_invalid", _("This is not a web address.")) from None
    if parts.scheme.lower() != "https":
        raise AddressRefused(
            "url_not_https", _("Use an https:// address: deliveries are sent only over HTTPS.")
        )
    host = parts.hostname or ""
    try:
        # No spaces or control characters, a host name or IP address that can exist.
        URLValidator(schemes=["https"])(url)
    except ValidationError:
        host = ""
    if not host:
        raise AddressRefused("url_invalid", _("This is not a web address."))
    if parts.username or parts.password:
        raise AddressRefused(
            "url_credentials", _("Leave the user name and password out of the address.")
        )
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        addresses = []
    if not addresses:
        raise AddressRefused(
            "url_unresolved", _("“%(host)s” was not found: check the address.") % {"host": host}
        )
    if not getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False) and not all(
        is_public(address) for address in addresses
    ):
        raise AddressRefused(
            "url_private",
            _(
                "“%(host)s” points to a private or reserved network address; webhooks go "
                "only to addresses on the public internet."
            )
            % {"host": host},
        )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(host=host, port=port, path=path, address=addresses[0])
