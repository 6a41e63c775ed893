"""What the blob endpoints answer."""

from server.schemas import Public


class BlobStoredPublic(Public):
    """A complete blob: PUT's 201 (stored) and 200 (already stored)."""

    sha256: str  # the SHA-256 of its bytes, its name
    media_type: str  # image/jpeg or image/png
    size: int  # bytes
    received: int  # the same as size: every byte is there


class BlobPartialPublic(Public):
    """A resumable upload not complete yet: PUT's 202 after a chunk."""

    received: int  # bytes received so far; the next chunk starts here
