"""Encryption at rest: a random data key, wrapped by a key derived from the user's PIN.

The data key encrypts every record with AES-256-GCM; the record's identity is the associated
data, so a blob moved to another row does not decrypt. The PIN key comes from Argon2id, which
makes guessing a PIN from a copied file slow and memory-hungry.
"""

import os
from dataclasses import dataclass
from typing import Any

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

NONCE_BYTES = 12
# Records are stored as UTF-8 JSON (readable by any JSON parser), encoded by msgspec.
_ENCODE = msgspec.json.Encoder().encode
_DECODE = msgspec.json.Decoder().decode


class WrongPin(Exception):
    pass


@dataclass(frozen=True)
class KdfCost:
    memory_kib: int = 64 * 1024
    iterations: int = 3


def _pin_key(pin: str, salt: bytes, cost: KdfCost) -> bytes:
    kdf = Argon2id(
        salt=salt, length=32, iterations=cost.iterations, lanes=1, memory_cost=cost.memory_kib
    )
    return kdf.derive(pin.encode())


def wrap_new_key(pin: str, cost: KdfCost) -> tuple[bytes, dict[str, Any]]:
    """A fresh data key and the record that stores it wrapped under the PIN."""
    data_key = AESGCM.generate_key(bit_length=256)
    salt, nonce = os.urandom(16), os.urandom(NONCE_BYTES)
    wrapped = AESGCM(_pin_key(pin, salt, cost)).encrypt(nonce, data_key, b"doorstep-data-key")
    record = {
        "salt": salt.hex(),
        "nonce": nonce.hex(),
        "wrapped": wrapped.hex(),
        "memory_kib": cost.memory_kib,
        "iterations": cost.iterations,
    }
    return data_key, record


def unwrap_key(pin: str, record: dict[str, Any]) -> bytes:
    cost = KdfCost(record["memory_kib"], record["iterations"])
    key = _pin_key(pin, bytes.fromhex(record["salt"]), cost)
    try:
        return AESGCM(key).decrypt(
            bytes.fromhex(record["nonce"]), bytes.fromhex(record["wrapped"]), b"doorstep-data-key"
        )
    except InvalidTag as exc:
        raise WrongPin("wrong PIN") from exc


def rewrap_key(data_key: bytes, new_pin: str, cost: KdfCost) -> dict[str, Any]:
    salt, nonce = os.urandom(16), os.urandom(NONCE_BYTES)
    wrapped = AESGCM(_pin_key(new_pin, salt, cost)).encrypt(nonce, data_key, b"doorstep-data-key")
    return {
        "salt": salt.hex(),
        "nonce": nonce.hex(),
        "wrapped": wrapped.hex(),
        "memory_kib": cost.memory_kib,
        "iterations": cost.iterations,
    }


class Cipher:
    """Seals and opens JSON values with the data key."""

    def __init__(self, data_key: bytes) -> None:
        self._aead = AESGCM(data_key)

    def seal(self, value: Any, context: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, _ENCODE(value), context.encode())

    def seal_many(self, items: list[tuple[Any, str]]) -> list[bytes]:
        """Seal a page of records at once: one call for all their nonces, one encoder."""
        nonces = os.urandom(NONCE_BYTES * len(items))
        encrypt = self._aead.encrypt
        sealed = []
        for n, (value, context) in enumerate(items):
            nonce = nonces[n * NONCE_BYTES : (n + 1) * NONCE_BYTES]
            sealed.append(nonce + encrypt(nonce, _ENCODE(value), context.encode()))
        return sealed

    def seal_bytes(self, plain: bytes, context: str) -> bytes:
        """Raw bytes (a piece of a photo) sealed as they are, without JSON."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plain, context.encode())

    def open_bytes(self, sealed: bytes, context: str) -> bytes:
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context.encode())
        except InvalidTag as exc:
            raise ValueError(f"{context} does not decrypt") from exc

    def open(self, blob: bytes, context: str) -> Any:
        try:
            plain = self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode())
        except InvalidTag as exc:
            raise ValueError(f"record {context} does not decrypt") from exc
        return _DECODE(plain)
