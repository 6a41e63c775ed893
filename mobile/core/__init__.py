"""The phone's core, without Kivy: encrypted local store, outbox, clock and sync client."""

from mobile.core.crypto import Cipher, WrongPin
from mobile.core.store import LocalStore
from mobile.core.sync import (
    DeviceRevoked,
    Offline,
    SignedOut,
    SyncClient,
    SyncReport,
    UpdateRequired,
)

__all__ = [
    "Cipher",
    "DeviceRevoked",
    "LocalStore",
    "Offline",
    "SignedOut",
    "SyncClient",
    "SyncReport",
    "UpdateRequired",
    "WrongPin",
]
