"""Encryption at rest: a random data key, wrapped by a key derived from the user's PIN.

The data key encrypts every record with AES-256-GCM; the record's identity is the associated
data, so a blob moved to another row does not decrypt. The PIN key comes from a slow,
memory-hungry KDF, so guessing a PIN from a copied file is slow: scrypt for every store made
now (cryptography has it on every build, the phone's included), Argon2id for the stores made
before (opened wherever cryptography's OpenSSL has it, and then wrapped again with scrypt).
The store's header (the `keystore` record) names the KDF and its parameters.
"""

import os
from dataclasses import dataclass
from typing import Any

import msgspec
from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

NONCE_BYTES = 12
WRAP_CONTEXT = b"doorstep-data-key"
# Records are stored as UTF-8 JSON (readable by any JSON parser), encoded by msgspec.
_ENCODE = msgspec.json.Encoder().encode
_DECODE = msgspec.json.Decoder().decode


class WrongPin(Exception):
    pass


class KdfUnavailable(Exception):
    """The store's KDF is missing from this build's cryptography (an Argon2id store on a
    cryptography or OpenSSL too old for it)."""


@dataclass(frozen=True)
class KdfCost:
    """scrypt's cost for new stores: 128 · r · n bytes of memory (32 MiB by default), about
    0.15 s on a development machine's core and 0.3 s on a mid-range phone (docs/app.md)."""

    n: int = 2**15
    r: int = 8
    p: int = 1

    def header(self) -> dict[str, Any]:
        return {"kdf": "scrypt", "n": self.n, "r": self.r, "p": self.p}

    def derive(self, pin: str, salt: bytes) -> bytes:
        return Scrypt(salt=salt, length=32, n=self.n, r=self.r, p=self.p).derive(pin.encode())


@dataclass(frozen=True)
class Argon2Cost:
    """The PIN key of the stores made before scrypt (no `kdf` in their header)."""

    memory_kib: int = 64 * 1024
    iterations: int = 3

    def header(self) -> dict[str, Any]:
        return {"kdf": "argon2id", "memory_kib": self.memory_kib, "iterations": self.iterations}

    def derive(self, pin: str, salt: bytes) -> bytes:
        try:
            from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

            kdf = Argon2id(
                salt=salt,
                length=32,
                iterations=self.iterations,
                lanes=1,
                memory_cost=self.memory_kib,
            )
            return kdf.derive(pin.encode())
        except (ImportError, UnsupportedAlgorithm) as exc:
            raise KdfUnavailable("this build's cryptography has no Argon2id") from exc


def cost_of(record: dict[str, Any]) -> KdfCost | Argon2Cost:
    """The KDF and parameters a store's header names; a header without `kdf` is Argon2id."""
    kdf = record.get("kdf", "argon2id")
    if kdf == "scrypt":
        return KdfCost(int(record["n"]), int(record["r"]), int(record["p"]))
    if kdf == "argon2id":
        return Argon2Cost(int(record["memory_kib"]), int(record["iterations"]))
    raise KdfUnavailable(f"unknown KDF {kdf!r}")


def _wrap(data_key: bytes, pin: str, cost: KdfCost | Argon2Cost) -> dict[str, Any]:
    salt, nonce = os.urandom(16), os.urandom(NONCE_BYTES)
    wrapped = AESGCM(cost.derive(pin, salt)).encrypt(nonce, data_key, WRAP_CONTEXT)
    return {"salt": salt.hex(), "nonce": nonce.hex(), "wrapped": wrapped.hex(), **cost.header()}


def wrap_new_key(pin: str, cost: KdfCost | Argon2Cost) -> tuple[bytes, dict[str, Any]]:
    """A fresh data key and the record that stores it wrapped under the PIN."""
    data_key = AESGCM.generate_key(bit_length=256)
    return data_key, _wrap(data_key, pin, cost)


def unwrap_key(pin: str, record: dict[str, Any]) -> bytes:
    key = cost_of(record).derive(pin, bytes.fromhex(record["salt"]))
    try:
        return AESGCM(key).decrypt(
            bytes.fromhex(record["nonce"]), bytes.fromhex(record["wrapped"]), WRAP_CONTEXT
        )
    except InvalidTag as exc:
        raise WrongPin("wrong PIN") from exc


def rewrap_key(data_key: bytes, new_pin: str, cost: KdfCost | Argon2Cost) -> dict[str, Any]:
    return _wrap(data_key, new_pin, cost)


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
