"""The backup archive: one tar file holding the database copy and the blob store, and a manifest
that names every member with its SHA-256 and size.

    doorstep-backup.json         the manifest (the last member)
    database.sqlite | database.pgdump
    blobs/ab/cd/abcd…            each complete blob (photos, signatures) under its own hash

Reading checks everything before anything is used: only the names above, regular files only,
every member hashed against the manifest and every blob against its name, nothing missing and
nothing extra. A truncated, altered or foreign archive is refused as a whole.
"""

import hashlib
import io
import json
import re
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "doorstep-backup.json"
FORMAT = "doorstep-backup"
VERSION = 1
DATABASE_MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
_BLOB_MEMBER = re.compile(r"^blobs/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})$")
_BLOCK = 1024 * 1024


class ArchiveError(Exception):
    """The archive cannot be trusted; said to the operator as it is."""


@dataclass(frozen=True)
class Unpacked:
    """A checked archive, unpacked into a folder."""

    kind: str  # "sqlite" or "postgresql"
    database: Path
    blobs: dict[str, Path]  # sha256 → its unpacked file


def blob_member(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def write(target: Path, kind: str, database: Path, blobs: Iterable[tuple[str, Path]]) -> dict:
    """Write the archive to `target`; returns its manifest. Blobs whose bytes no longer hash to
    their name are left out and listed under `damaged_blobs`."""
    members: dict[str, dict] = {}
    damaged: list[str] = []
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as archive:
        name = DATABASE_MEMBERS[kind]
        members[name] = {"sha256": file_digest(database), "size": database.stat().st_size}
        archive.add(database, arcname=name, recursive=False)
        for sha256, path in blobs:
            if file_digest(path) != sha256:
                damaged.append(sha256)
                continue
            name = blob_member(sha256)
            members[name] = {"sha256": sha256, "size": path.stat().st_size}
            archive.add(path, arcname=name, recursive=False)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "database": kind,
            "members": members,
            "damaged_blobs": damaged,
        }
        body = json.dumps(manifest, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(body)
        info.mode = 0o644
        archive.addfile(info, io.BytesIO(body))
    return manifest


def is_archive(source: Path) -> bool:
    try:
        return tarfile.is_tarfile(source)
    except OSError:
        return False


def unpack(source: Path, into: Path) -> Unpacked:
    """Check the whole archive and unpack it into the empty folder `into`; ArchiveError if any
    part of it is wrong (the caller removes `into`)."""
    seen: dict[str, dict] = {}
    manifest: dict | None = None
    try:
        with tarfile.open(source, "r:") as archive:
            for member in archive:
                if member.name in seen or (member.name == MANIFEST and manifest is not None):
                    raise ArchiveError(f"{member.name} is in the archive twice")
                if not member.isreg():
                    raise ArchiveError(f"{member.name} is not a regular file")
                stream = archive.extractfile(member)
                if stream is None:
                    raise ArchiveError(f"{member.name} cannot be read")
                if member.name == MANIFEST:
                    manifest = _manifest(stream.read(1024 * 1024 * 64))
                    continue
                if member.name not in DATABASE_MEMBERS.values() and not _BLOB_MEMBER.match(
                    member.name
                ):
                    raise ArchiveError(f"{member.name} does not belong in a backup")
                seen[member.name] = _copy(stream, into / member.name)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ArchiveError(f"{source} is not a whole backup archive ({exc})") from exc
    if manifest is None:
        raise ArchiveError(f"{source} has no manifest: not a whole backup archive")
    expected = manifest["members"]
    if set(seen) != set(expected):
        missing = sorted(set(expected) - set(seen))
        extra = sorted(set(seen) - set(expected))
        raise ArchiveError(
            f"the archive does not match its manifest (missing {missing[:3]}, "
            f"not listed {extra[:3]})"
        )
    for name, found in seen.items():
        if found != expected[name]:
            raise ArchiveError(f"{name} is corrupt: its bytes do not match the manifest")
        blob = _BLOB_MEMBER.match(name)
        if blob and found["sha256"] != blob.group(3):
            raise ArchiveError(f"{name} is corrupt: its bytes do not hash to its name")
    kind = manifest["database"]
    database = DATABASE_MEMBERS.get(kind)
    if database is None or database not in seen:
        raise ArchiveError("the archive holds no database")
    blobs = {
        m.group(3): into / name for name in seen if (m := _BLOB_MEMBER.match(name)) is not None
    }
    return Unpacked(kind=kind, database=into / database, blobs=blobs)


def _manifest(body: bytes) -> dict:
    try:
        manifest = json.loads(body)
    except ValueError as exc:
        raise ArchiveError("the manifest is not JSON") from exc
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("members"), dict)
    ):
        raise ArchiveError("the manifest is not a Doorstep backup's")
    if manifest.get("version") != VERSION:
        raise ArchiveError(f"backup format version {manifest.get('version')} is not known here")
    return manifest


def _copy(stream, target: Path) -> dict:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with target.open("xb") as out:
        while block := stream.read(_BLOCK):
            digest.update(block)
            size += len(block)
            out.write(block)
    return {"sha256": digest.hexdigest(), "size": size}
