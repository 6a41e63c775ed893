"""Backup while the server runs, restore into an empty database, and the phone carries on."""

import asyncio
import uuid

import httpx
import pytest

from mobile.core.sync import SyncClient
from tests.support import databases
from tests.support.live import live_server
from tests.support.phones import NO_WAIT, make_phone
from tests.support.processes import command
from tests.support.server import make_settings


def _checkin(phone, notes: str) -> str:
    resident = phone.store.all("resident")[0]
    checkin_id = str(uuid.uuid4())
    phone.store.record(
        "checkin.record",
        {
            "id": checkin_id,
            "resident_id": resident["id"],
            "at": "2026-11-27T09:30:00Z",
            "seen_in_person": True,
            "wellbeing": "good",
            "notes": notes,
        },
    )
    return checkin_id


def cli_env(database_url: str, blob_dir) -> dict[str, str]:
    """The CLI's environment: the database, and a blob store of the test's own."""
    return {"DOORSTEP_DATABASE_URL": database_url, "DOORSTEP_BLOB_DIR": str(blob_dir)}


def _server_view(base: str, username: str) -> dict:
    """Everything `username` may hold, pulled fresh through a new device."""
    device = str(uuid.uuid4())
    login = httpx.post(
        f"{base}/api/v1/auth/login",
        json={"username": username, "password": "demo-pass-2026", "device_id": device},
    ).json()
    headers = {"authorization": f"Bearer {login['access_token']}"}
    records, cursor = {}, None
    while True:
        params = {"limit": 5000, **({"cursor": cursor} if cursor else {})}
        page = httpx.get(f"{base}/api/v1/sync/pull", params=params, headers=headers).json()
        for change in page["changes"]:
            records[(change["entity"], change["id"])] = change.get("data")
        cursor = page["cursor"]
        if not page["has_more"]:
            return {key: data for key, data in records.items() if data is not None}


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """An empty database on the same backend as `database_url`."""
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'restored' / 'doorstep.db'}"
        return
    name = f"doorstep_r_{uuid.uuid4().hex[:12]}"
    asyncio.run(databases.pg_recreate(name))
    yield databases.pg_url(name)
    asyncio.run(databases.pg_drop(name))


def test_a_phone_carries_on_after_backup_and_restore(
    database_url, empty_database_url, settings, tmp_path
):
    backup_file = tmp_path / "doorstep.backup"
    with live_server(settings) as before:
        http = httpx.Client(base_url=before, timeout=30)
        phone = make_phone(tmp_path, http, "worker1")
        phone.sync()
        pushed = _checkin(phone, "血压正常，备份之前")
        phone.sync()
        # Made on the phone after its last sync: still in the outbox at the backup.
        waiting = _checkin(phone, "备份之后才上传")
        assert phone.store.pending_count() == 1
        ahead = make_phone(tmp_path, http, "worker2")
        ahead.sync()
        # Taken by the CLI while this server is up and serving.
        done = command("backup", str(backup_file), env=cli_env(database_url, tmp_path / "blobs"))
        assert done.returncode == 0, done.stderr
        held_before = phone.store.server_copy()
        # After the backup: a change that the restore will lose, pulled by another phone,
        # whose cursor is then past the backup's feed clock.
        editor = make_phone(tmp_path, http, "supervisor1")
        editor.sync()
        resident_id = editor.store.all("resident")[0]["id"]
        for n in range(3):
            editor.store.record(
                "resident.update", {"id": resident_id, "fields": {"notes": f"丢失{n}"}}
            )
            editor.sync()
        ahead.sync()
        assert ahead.store.get("resident", resident_id)["notes"] == "丢失2"
        http.close()

    done = command("restore", str(backup_file), env=cli_env(empty_database_url, tmp_path / "new"))
    assert done.returncode == 0, done.stderr

    with live_server(make_settings(empty_database_url)) as after:
        http = httpx.Client(base_url=after, timeout=30)
        # The same phone (store, cursor, seq, tokens) now talks to the restored server.
        phone = SyncClient(phone.store, http, retry=NO_WAIT)
        report = phone.sync()
        assert report.restarted is False  # its cursor is still good
        assert phone.store.pending_count() == 0
        assert not [e for e in phone.store.outbox(("rejected",))]
        view = _server_view(after, "worker1")
        assert phone.store.server_copy() == view
        checkins = [key for key in view if key[0] == "checkin"]
        assert sorted(checkins) == sorted([("checkin", pushed), ("checkin", waiting)])
        assert set(held_before) <= set(view)
        # Its first mutation again, as a replay after the restore: still a duplicate.
        tokens = phone.store.secret("tokens")
        replay = http.post(
            "/api/v1/sync/push",
            headers={"authorization": f"Bearer {tokens['access']}"},
            json={
                "protocol": 1,
                "device_id": phone.store.device_id,
                "mutations": [
                    {
                        "seq": 1,
                        "name": "checkin.record",
                        "args": {
                            "id": str(uuid.uuid4()),
                            "resident_id": view[("checkin", pushed)]["resident_id"],
                            "at": "2026-11-27T09:30:00Z",
                            "seen_in_person": True,
                            "wellbeing": "good",
                            "notes": "",
                        },
                        "hlc": "1764288000000:00000:replay",
                    }
                ],
            },
        )
        assert replay.json()["results"][0]["status"] == "duplicate"
        # The phone whose cursor is past the backup does not skip what happens after the restore.
        ahead = SyncClient(ahead.store, http, retry=NO_WAIT)
        editor = make_phone(tmp_path, http, "supervisor1")
        editor.sync()
        editor.store.record("resident.update", {"id": resident_id, "fields": {"notes": "恢复后"}})
        editor.sync()
        ahead.sync()
        assert ahead.store.get("resident", resident_id)["notes"] == "恢复后"
        http.close()


def test_restore_refuses_a_database_that_holds_data(database_url, tmp_path):
    backup_file = tmp_path / "doorstep.backup"
    env = cli_env(database_url, tmp_path / "blobs")
    assert command("backup", str(backup_file), env=env).returncode == 0
    done = command("restore", str(backup_file), env=env)
    assert done.returncode == 2
    assert "already holds data" in done.stderr
