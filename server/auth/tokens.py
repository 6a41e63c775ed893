"""Short-lived access tokens signed with HMAC-SHA256, bound to a user and a device."""

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from uuid import UUID

from server.clock import utcnow


class TokenInvalid(Exception):
    pass


# The kinds of access token: one for API calls from phones and scripts, one for the web
# console's cookie. Neither is accepted where the other is expected.
API, CONSOLE = "access", "console"
MAX_TOKEN_LENGTH = 1000  # ours are about 250 characters


@dataclass(frozen=True)
class AccessClaims:
    user_id: UUID
    device_id: UUID
    expires_at: int  # Unix seconds
    issued_at_ms: int  # Unix milliseconds; sessions ended after it no longer accept the token


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_access(
    key: bytes,
    user_id: UUID,
    device_id: UUID,
    expires_at: datetime,
    kind: str = API,
    issued_at: datetime | None = None,
) -> str:
    issued = issued_at or utcnow()
    payload = {
        "typ": kind,
        "sub": str(user_id),
        "dev": str(device_id),
        "exp": int(expires_at.timestamp()),
        "iat": int(issued.timestamp() * 1000),
    }
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    signature = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    return f"{body}.{signature}"


def read_access(key: bytes, token: str, now: datetime, kind: str = API) -> AccessClaims:
    """The claims of a valid, unexpired token of this kind; TokenInvalid otherwise."""
    claims = _verified(key, token, kind)
    if claims.expires_at <= now.timestamp():
        raise TokenInvalid("token expired")
    return claims


@lru_cache(maxsize=4096)
def _verified(key: bytes, token: str, kind: str) -> AccessClaims:
    """Signature and claims of a token, remembered: a phone syncing every few seconds shows
    the same token until it expires, and checking it costs more than the rest of its sync's
    bookkeeping. Only what the token itself says is kept (never the device's standing, which
    every request reads afresh); a failure raises and is not remembered."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise TokenInvalid("malformed token")
    try:
        body, signature = token.split(".")
        expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(signature, expected):
            raise TokenInvalid("bad signature")
        payload = json.loads(_unb64(body))
        if payload.get("typ") != kind:
            raise TokenInvalid("not a token for this door")
        claims = AccessClaims(
            UUID(payload["sub"]),
            UUID(payload["dev"]),
            int(payload["exp"]),
            int(payload.get("iat", 0)),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise TokenInvalid("malformed token") from exc
    return claims


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """Refresh tokens are stored only as their SHA-256, so a database leak cannot replay them."""
    return hashlib.sha256(token.encode()).hexdigest()
