"""The key an instance signs claim tokens with (docs/archive-format.md, "Claim tokens").

Each community has its own Ed25519 key pair on each instance, derived from the instance's
SECRET_KEY and the community's id: nothing secret is stored, the same community always
gets the same key (so the same history still gives the same archive bytes), and the
public half goes into every archive's manifest, where the new home reads it. Rotating
SECRET_KEY changes the keys: claims are then issued against a freshly built archive.
"""

import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.utils.crypto import salted_hmac

ALGORITHM = "Ed25519"
_KEY_SALT = "commons.portability.claim-key"
_MEMBER_SALT = "commons.portability.member-key"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signing_key(community_id: int) -> Ed25519PrivateKey:
    seed = salted_hmac(_KEY_SALT, f"community:{community_id}", algorithm="sha256").digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key(community_id: int) -> str:
    """The community's public verification key, as the manifest carries it (base64url)."""
    raw = signing_key(community_id).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return b64(raw)


def member_key(community_id: int, user_id: int) -> str:
    """A former member's opaque id in their claim token: stable, meaningless elsewhere."""
    return salted_hmac(_MEMBER_SALT, f"{community_id}:{user_id}", algorithm="sha256").hexdigest()[
        :32
    ]


def sign(community_id: int, payload: dict) -> str:
    """``payload`` as a token: base64url(JSON) "." base64url(Ed25519 signature of it)."""
    body = b64(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode())
    return f"{body}.{b64(signing_key(community_id).sign(body.encode()))}"


def verify(token: str, public: str) -> dict | None:
    """The payload of ``token`` if ``public`` (base64url) signed it; None otherwise."""
    try:
        body, signature = token.strip().split(".")
        key = Ed25519PublicKey.from_public_bytes(unb64(public))
        key.verify(unb64(signature), body.encode())
        payload = json.loads(unb64(body))
    except (ValueError, InvalidSignature, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def payload_unverified(token: str) -> dict | None:
    """What a token says, before its signature is checked (to find its archive)."""
    try:
        payload = json.loads(unb64(token.strip().split(".")[0]))
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None
