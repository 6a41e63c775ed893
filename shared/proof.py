"""Proof of visit, the parts the phone and the server share: the bytes a device signs, the
signature over them, and the distance between two points on the earth.

A proof-carrying mutation's `device_signature` is the base64url Ed25519 signature over
`canonical_bytes(args)`: the mutation's arguments without the signature itself, as JSON with
sorted keys, no spaces and UTF-8 text (`ensure_ascii=False`).
"""

import base64
import binascii
import json
import math
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PUBLIC_KEY_BYTES = 32
# 32 bytes in base64url: 43 characters, padded or not (each such text decodes to 32 bytes).
PUBLIC_KEY_PATTERN = r"^[A-Za-z0-9_-]{43}=?$"
SIGNATURE_BYTES = 64
EARTH_RADIUS_M = 6_371_008.8  # the mean radius


def b64url(raw: bytes) -> str:
    """base64url without padding, as keys and signatures travel."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes:
    """The bytes of a base64url text, padded or not; ValueError for anything else."""
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("not base64url text")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url text") from exc


def without_signature(args: dict[str, Any]) -> dict[str, Any]:
    """The arguments as signed: `proof.device_signature` left out."""
    proof = args.get("proof")
    if not isinstance(proof, dict) or "device_signature" not in proof:
        return args
    return {
        **args,
        "proof": {key: value for key, value in proof.items() if key != "device_signature"},
    }


def canonical_bytes(args: dict[str, Any]) -> bytes:
    """The bytes a device signs for a mutation's JSON arguments."""
    return json.dumps(
        without_signature(args), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def parse_public_key(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from its 32 raw bytes in base64url; ValueError otherwise."""
    raw = from_b64url(text)
    if len(raw) != PUBLIC_KEY_BYTES:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def sign(private_key: Ed25519PrivateKey, args: dict[str, Any]) -> str:
    """The `device_signature` for these arguments."""
    return b64url(private_key.sign(canonical_bytes(args)))


def verifies(public_key_b64: str, args: dict[str, Any], signature_b64: Any) -> bool:
    """Whether `signature_b64` is the key's signature over the arguments."""
    try:
        key = parse_public_key(public_key_b64)
        signature = from_b64url(signature_b64)
        if len(signature) != SIGNATURE_BYTES:
            return False
        key.verify(signature, canonical_bytes(args))
    except (ValueError, InvalidSignature, TypeError):
        return False
    return True


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
