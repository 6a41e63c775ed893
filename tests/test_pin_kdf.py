"""The PIN key: new stores use scrypt (in every build of cryptography, the phone's included),
its parameters in the store's header; a store made before, with Argon2id and no `kdf` in its
header, still opens and is then wrapped again with scrypt."""

import sqlite3
import sys

import pytest

from mobile.core import crypto
from mobile.core.crypto import Argon2Cost, KdfCost, KdfUnavailable, WrongPin
from mobile.core.store import LocalStore

FAST = KdfCost(n=1024, r=1)


def test_a_new_store_names_scrypt_and_its_cost_in_its_header(tmp_path):
    store = LocalStore(tmp_path / "s.db", kdf_cost=FAST)
    store.set_up("246810")
    store.set_meta("greeting", {"text": "你好"})
    header = store.meta("keystore")
    assert (header["kdf"], header["n"], header["r"], header["p"]) == ("scrypt", 1024, 1, 1)
    assert "memory_kib" not in header
    store.lock()
    # Another store object with another cost for new stores opens it by the header's cost.
    again = LocalStore(tmp_path / "s.db", kdf_cost=KdfCost(n=2048, r=2))
    with pytest.raises(WrongPin):
        again.unlock("000000")
    again.unlock("246810")
    assert again.meta("keystore") == header  # same KDF: left as it was
    assert KdfCost() == KdfCost(n=2**15, r=8, p=1)  # the phone's default


def test_a_store_made_with_todays_argon2id_parameters_opens_and_moves_to_scrypt(tmp_path):
    path = tmp_path / "old.db"
    old = LocalStore(path, kdf_cost=Argon2Cost())  # 64 MiB, 3 passes: what stores had
    old.set_up("135790")
    old.set_secret("token", {"value": "王芳的令牌"})
    record = old.meta("keystore")
    del record["kdf"]  # the header exactly as the app wrote it before scrypt
    assert set(record) == {"salt", "nonce", "wrapped", "memory_kib", "iterations"}
    assert (record["memory_kib"], record["iterations"]) == (65536, 3)
    old.set_meta("keystore", record)
    old.lock()

    store = LocalStore(path, kdf_cost=FAST)
    with pytest.raises(WrongPin):
        store.unlock("000000")
    assert store.meta("keystore") == record  # a wrong PIN changes nothing
    store.unlock("135790")
    assert store.secret("token") == {"value": "王芳的令牌"}
    header = store.meta("keystore")
    assert header["kdf"] == "scrypt" and header["n"] == 1024
    store.lock()
    again = LocalStore(path, kdf_cost=FAST)
    again.unlock("135790")
    assert again.secret("token") == {"value": "王芳的令牌"}


def test_an_unknown_or_missing_kdf_is_said_plainly(monkeypatch, tmp_path):
    with pytest.raises(KdfUnavailable):
        crypto.unwrap_key("1", {"kdf": "bcrypt", "salt": "00", "nonce": "00", "wrapped": "00"})
    # A build whose cryptography has no Argon2id (the module gone) cannot open an old store.
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives.kdf.argon2", None)
    _key, record = crypto.wrap_new_key("1", FAST)
    record = {**record, "kdf": "argon2id", "memory_kib": 8, "iterations": 1}
    with pytest.raises(KdfUnavailable):
        crypto.unwrap_key("1", record)


def test_the_scrypt_record_is_plain_json_in_the_store(tmp_path):
    store = LocalStore(tmp_path / "p.db", kdf_cost=FAST)
    store.set_up("1")
    store.lock()
    db = sqlite3.connect(tmp_path / "p.db")
    (text,) = db.execute("SELECT value FROM meta WHERE key = 'keystore'").fetchone()
    db.close()
    assert '"kdf": "scrypt"' in text or '"kdf":"scrypt"' in text
