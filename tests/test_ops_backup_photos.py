"""Backups carry the photos: one archive holds the database and the blob store; a restore into a
fresh data dir shows the supervisor the same photos, and a phone carries on without uploading
them again. A damaged archive is refused whole and restores nothing."""

import hashlib
import io
import json
import os
import tarfile

import httpx
import pytest

from mobile.core.phone import Phone
from server.ops import backup
from tests.support.live import live_server
from tests.support.processes import command
from tests.support.server import PASSWORD, make_settings
from tests.test_ops_backup import cli_env, empty_database_url  # noqa: F401 (a fixture)
from tests.test_phone_proof import FAST, NO_WAIT, Counting, camera_photo, signature_png


class Moving(httpx.BaseTransport):
    """Sends every request to whichever server is `base` now (the phone keeps its own URL)."""

    def __init__(self, base: str) -> None:
        self.base = httpx.URL(base)
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(host=self.base.host, port=self.base.port)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def _signed_in(base: str, username: str) -> httpx.Client:
    login = httpx.post(
        f"{base}/api/v1/auth/login",
        json={"username": username, "password": PASSWORD, "device_id": os.urandom(16).hex()},
    )
    token = login.json()["access_token"]
    return httpx.Client(base_url=base, headers={"authorization": f"Bearer {token}"}, timeout=30)


def test_a_restore_into_a_fresh_data_dir_keeps_the_photos(
    database_url,
    empty_database_url,  # noqa: F811
    tmp_path,
):
    old_blobs, new_blobs = tmp_path / "old-blobs", tmp_path / "new-blobs"
    backup_file = tmp_path / "doorstep.backup"
    with live_server(make_settings(database_url, blob_dir=str(old_blobs))) as before:
        moving = Moving(before)
        network = Counting(moving)
        http = httpx.Client(transport=network, base_url=before, timeout=30)
        worker = Phone(
            tmp_path / "worker", http_factory=lambda _u: http, kdf_cost=FAST, retry=NO_WAIT
        )
        worker.sign_in(before, "worker1", PASSWORD, "135790")
        worker.sync()
        visit = worker.visits(status="assigned")[0]
        worker.start_visit(visit["id"])
        photos = [worker.add_photo(visit["id"], camera_photo(seed=n)) for n in range(2)]
        signature = worker.set_signature(visit["id"], signature_png())
        worker.complete_visit(visit["id"], "备份里有照片")
        # The photos reach the server; the push that names them does not (the line drops).
        network.fail_when = lambda request: request.url.path.endswith("/sync/push")
        worker.sync()
        network.fail_when = None
        proof = [*photos, signature]
        assert worker.store.pending_count() == 2
        uploaded = network.put_bytes
        assert uploaded == sum(worker.blobs.info(sha).size for sha in proof)
        done = command("backup", str(backup_file), env=cli_env(database_url, old_blobs))
        assert done.returncode == 0, done.stderr
        assert f"and {len(proof)} blobs" in done.stdout

    with tarfile.open(backup_file) as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile("doorstep-backup.json"))
    assert {f"blobs/{s[:2]}/{s[2:4]}/{s}" for s in proof} <= set(names)
    assert all(len(m["sha256"]) == 64 for m in manifest["members"].values())

    done = command("restore", str(backup_file), env=cli_env(empty_database_url, new_blobs))
    assert done.returncode == 0, done.stderr
    assert not [p for p in new_blobs.iterdir() if p.name.startswith("restoring-")]

    with live_server(make_settings(empty_database_url, blob_dir=str(new_blobs))) as after:
        moving.base = httpx.URL(after)
        worker.sync()
        assert worker.state.problem is None and worker.store.pending_count() == 0
        assert not list(worker.store.outbox(("rejected",)))
        # The phone asked (HEAD) and the restored server has every photo: nothing sent again.
        assert network.put_bytes == uploaded
        assert all(worker.upload_state(sha) == "sent" for sha in proof)
        assert not any(worker.blobs.has_bytes(sha) for sha in proof)  # only thumbnails left
        supervisor = _signed_in(after, "supervisor1")
        for sha in proof:
            picture = supervisor.get(f"/api/v1/blobs/{sha}")
            assert picture.status_code == 200, picture.text
            assert hashlib.sha256(picture.content).hexdigest() == sha
        supervisor.close()
        http.close()


def _tamper(source, target, name: str, change) -> None:
    with tarfile.open(source) as old, tarfile.open(target, "w") as new:
        for member in old:
            body = old.extractfile(member).read()
            if member.name == name:
                body = change(body)
                member.size = len(body)
            new.addfile(member, io.BytesIO(body))


@pytest.fixture
def archived(database_url, tmp_path):
    """A backup of the demo district with one blob in its store."""
    blob_dir = tmp_path / "blobs"
    body = b"\xff\xd8 not checked here \xff\xd9"
    sha = hashlib.sha256(body).hexdigest()
    (blob_dir / "blobs" / sha[:2] / sha[2:4]).mkdir(parents=True)
    (blob_dir / "blobs" / sha[:2] / sha[2:4] / sha).write_bytes(body)
    backup_file = tmp_path / "good.backup"
    done = command("backup", str(backup_file), env=cli_env(database_url, blob_dir))
    assert done.returncode == 0, done.stderr
    return backup_file, f"blobs/{sha[:2]}/{sha[2:4]}/{sha}"


def test_restore_refuses_a_corrupt_archive_and_changes_nothing(
    archived,
    empty_database_url,  # noqa: F811
    tmp_path,
):
    backup_file, blob = archived
    new_blobs = tmp_path / "new-blobs"
    size = backup_file.stat().st_size
    bad = {
        "flipped": lambda path: _tamper(backup_file, path, blob, lambda b: b[:-1] + b"\x00"),
        "manifest": lambda path: _tamper(
            backup_file,
            path,
            "doorstep-backup.json",
            lambda b: b.replace(b'"size": ', b'"size": 1'),
        ),
        "truncated": lambda path: path.write_bytes(backup_file.read_bytes()[: size // 2]),
        "foreign": lambda path: path.write_bytes(b"PK\x03\x04 a zip file" * 100),
    }
    for case, make in bad.items():
        path = tmp_path / f"{case}.backup"
        make(path)
        with pytest.raises(backup.BackupError) as refused:
            backup.restore(empty_database_url, new_blobs, path)
        assert "not" in str(refused.value), case
        assert not list(new_blobs.glob("blobs/*/*/*")), case
        assert not list(new_blobs.glob("restoring-*")), case
    # As the operator sees it: said on stderr, exit status 2.
    done = command("restore", str(path), env=cli_env(empty_database_url, new_blobs))
    assert done.returncode == 2 and "error:" in done.stderr, (done.stdout, done.stderr)
    # Nothing was restored, so the good archive still restores into the same empty database.
    done = command("restore", str(backup_file), env=cli_env(empty_database_url, new_blobs))
    assert done.returncode == 0, done.stderr
    assert (new_blobs / blob).is_file()
