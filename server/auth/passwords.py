"""Password hashing with Argon2id, a memory-hard KDF, in the PHC string format."""

import os

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

# Verifying against this when the user does not exist costs the same as a real check,
# so a wrong username cannot be told from a wrong password by timing.
_DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$" + "A" * 43


def hash_password(password: str, memory_kib: int = 19 * 1024, iterations: int = 2) -> str:
    kdf = Argon2id(
        salt=os.urandom(16), length=32, iterations=iterations, lanes=1, memory_cost=memory_kib
    )
    return kdf.derive_phc_encoded(password.encode())


def verify_password(password: str, encoded: str | None) -> bool:
    try:
        Argon2id.verify_phc_encoded(password.encode(), encoded or _DUMMY_HASH)
    except (InvalidKey, ValueError):
        return False
    return encoded is not None
