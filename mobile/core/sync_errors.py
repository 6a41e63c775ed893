"""What a sync can end in: each an exception the screens word for the person."""


class SyncError(Exception):
    """Base of what a sync can end in, each with words to show the person; `code` is the
    server's problem code when it gave one (the app words it from the code)."""

    def __init__(self, message: str = "", code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class Offline(SyncError):
    """The server could not be reached (after retries)."""


class Busy(SyncError):
    """The server is up but turned the sync away (503 and Retry-After), after retries."""


class ServerTrouble(SyncError):
    """The server was reached but answered 5xx every time: not offline, shown as a server
    error ("try later")."""


class SignedOut(SyncError):
    """The session ended; sign in again."""


class DeviceRevoked(SyncError):
    """A supervisor revoked this phone; its local data has been wiped."""


class UpdateRequired(SyncError):
    """The server speaks a newer protocol; the app must be updated."""
