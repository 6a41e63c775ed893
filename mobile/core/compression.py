"""Bodies the phone sends, gzip-encoded when they are worth it (contract v3)."""

import gzip
from typing import Any

import msgspec

GZIP_ABOVE = 1024  # bytes: a push this large or larger goes gzip-encoded


def compressed_json(value: Any) -> tuple[bytes, dict[str, str]]:
    """A JSON body and its headers: gzip-encoded from GZIP_ABOVE bytes (contract v3; the
    server's 1 MiB limit is on the inflated body, which the batching already keeps to)."""
    data = msgspec.json.encode(value)
    headers = {"content-type": "application/json"}
    if len(data) >= GZIP_ABOVE:
        data = gzip.compress(data, compresslevel=6, mtime=0)
        headers["content-encoding"] = "gzip"
    return data, headers
