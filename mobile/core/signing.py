"""The phone's own Ed25519 key: made at setup, kept sealed in the store, its public half sent
at login, used to sign each proof-carrying mutation's arguments (shared/proof.py says which
bytes)."""

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mobile.core.store import LocalStore
from shared.proof import b64url, sign

SECRET = "device_key"


def device_key(store: LocalStore) -> Ed25519PrivateKey:
    """This phone's private key, made the first time it is asked for."""
    kept = store.secret(SECRET)
    if kept:
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(kept))
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    store.set_secret(SECRET, raw.hex())
    return key


def public_key(store: LocalStore) -> str:
    """The public half as login takes it: 32 raw bytes, base64url."""
    raw = (
        device_key(store)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return b64url(raw)


def signed(store: LocalStore, args: dict[str, Any]) -> dict[str, Any]:
    """The arguments with `proof.device_signature` set."""
    proof = {k: v for k, v in args["proof"].items() if k != "device_signature"}
    bare = {**args, "proof": proof}
    return {**bare, "proof": {**proof, "device_signature": sign(device_key(store), bare)}}
