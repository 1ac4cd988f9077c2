"""Security primitives: token seeds encrypted at rest, argon2 password hashes, TOTP per
RFC 6238, text folding, random seeds and session ids, keyed digests."""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import argon2
import pytest
from cryptography.fernet import Fernet
from sqlmodel import Session, select

from occireflex.domain import security, tokens
from occireflex.domain.demo import DEMO_USERS
from occireflex.models import Token, User
from occireflex.settings import load_settings

BASE32 = re.compile(r"[A-Z2-7]{32}")


def seeds_of(db: Session) -> dict[str, tuple[str, bytes]]:
    """username → (decrypted base32 seed, encrypted blob) of every token."""
    rows = db.exec(select(User.username, Token.seed_encrypted).join(Token)).all()
    return {name: (security.decrypt_seed(blob), blob) for name, blob in rows}


# seeds at rest ----------------------------------------------------------------------------


def test_token_seeds_are_encrypted_in_the_database(demo, db):
    seeds = seeds_of(db)
    assert len(seeds) == 6
    for username, (seed, blob) in seeds.items():
        assert BASE32.fullmatch(seed), username
        assert seed.encode() not in blob
        assert base64.b32decode(seed) not in blob
        assert isinstance(blob, bytes) and blob.startswith(b"gAAAA")  # a Fernet token
    assert len({seed for seed, _ in seeds.values()}) == 6  # one seed per token
    # The key fob's code is the TOTP of the decrypted seed.
    now = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
    user = db.exec(select(User).where(User.username == DEMO_USERS[0][0])).one()
    token = tokens.active_tokens(db, user.id)[0]
    assert tokens.current_code(token, now) == security.code_at_step(
        seeds[user.username][0], security.time_step(now))


def test_seed_does_not_decrypt_with_another_key():
    blob = security.encrypt_seed(security.new_seed())
    with pytest.raises(ValueError):
        security.decrypt_seed(blob, Fernet.generate_key())
    tampered = blob[:-6] + (b"AAAAAA" if blob[-6:] != b"AAAAAA" else b"BBBBBB")
    with pytest.raises(ValueError):
        security.decrypt_seed(tampered)


def test_seed_round_trips_with_the_instance_key():
    seed = security.new_seed()
    assert security.decrypt_seed(security.encrypt_seed(seed)) == seed
    other = Fernet.generate_key()
    assert security.decrypt_seed(security.encrypt_seed(seed, other), other) == seed


def test_sqlite_file_holds_no_plaintext_seed(engine, request):
    if engine.dialect.name != "sqlite":
        pytest.skip("reads the SQLite database file")
    request.getfixturevalue("demo")
    with Session(engine) as db:
        seeds = seeds_of(db)
    path = Path(engine.url.database)
    # WAL mode: recent pages live in the -wal file until a checkpoint.
    raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    assert b"admin.demo" in raw and b"opera.otra" in raw  # we are reading the right bytes
    for username, (seed, blob) in seeds.items():
        assert blob in raw, username  # the encrypted form is what is stored
        assert seed.encode() not in raw, username
        assert seed.lower().encode() not in raw, username
        assert base64.b32decode(seed) not in raw, username


# passwords --------------------------------------------------------------------------------


def test_password_hash_verifies_and_rejects():
    hashed = security.hash_password("Clave#Segura2026")
    assert hashed.startswith("$argon2id$")
    assert "Clave#Segura2026" not in hashed
    assert security.verify_password(hashed, "Clave#Segura2026") is True
    for wrong in ("clave#segura2026", "Clave#Segura2026 ", "", "Clave#Segura202"):
        assert security.verify_password(hashed, wrong) is False
    assert security.hash_password("Clave#Segura2026") != hashed  # salted


@pytest.mark.parametrize("bad_hash", ["", "not-a-hash", "$argon2id$v=19$m=8,t=1,p=1$xx$yy"])
def test_malformed_password_hash_rejects_instead_of_raising(bad_hash):
    assert security.verify_password(bad_hash, "Clave#Segura2026") is False


def test_production_argon2_cost_is_not_weak(monkeypatch):
    # The test run lowers the cost through the environment (tests/conftest.py); the
    # defaults, which production uses, must meet the OWASP minimum for argon2id.
    monkeypatch.delenv("OCCIREFLEX_ARGON2_TIME_COST", raising=False)
    monkeypatch.delenv("OCCIREFLEX_ARGON2_MEMORY_KIB", raising=False)
    production = load_settings()
    assert production.argon2_time_cost >= 2
    assert production.argon2_memory_kib >= 19 * 1024


def test_password_hasher_follows_the_settings():
    params = argon2.extract_parameters(security.hash_password("x"))
    assert params.type is argon2.Type.ID
    assert params.time_cost == security.settings.argon2_time_cost
    assert params.memory_cost == security.settings.argon2_memory_kib
    # The decoy hash for unknown users costs the same as a real one.
    dummy = argon2.extract_parameters(security._DUMMY_HASH)
    assert (dummy.time_cost, dummy.memory_cost) == (params.time_cost, params.memory_cost)


# TOTP -------------------------------------------------------------------------------------


def test_totp_matches_rfc_6238_sha1_vector():
    seed = base64.b32encode(b"12345678901234567890").decode()
    t59 = datetime(1970, 1, 1, 0, 0, 59, tzinfo=UTC)
    assert security.time_step(t59) == 1
    assert security.code_at_step(seed, 1) == "287082"  # last 6 digits of 94287082
    t = datetime.fromtimestamp(1111111109, UTC)
    assert security.code_at_step(seed, security.time_step(t)) == "081804"  # of 07081804


def test_naive_datetime_is_taken_as_utc():
    aware = datetime(2026, 3, 2, 12, 0, 31, tzinfo=UTC)
    assert security.time_step(aware.replace(tzinfo=None)) == security.time_step(aware)


def test_matching_step_finds_the_step_within_the_window_only():
    seed = security.new_seed()
    now = datetime(2026, 3, 2, 12, 0, 31, tzinfo=UTC)
    current = security.time_step(now)
    for offset in (-1, 0, 1):
        assert security.matching_step(seed, security.code_at_step(seed, current + offset),
                                      now) == current + offset
    for offset in (-3, -2, 2, 3):
        code = security.code_at_step(seed, current + offset)
        window = {security.code_at_step(seed, current + k) for k in (-1, 0, 1)}
        if code not in window:  # 3 in a million: the same code may recur
            assert security.matching_step(seed, code, now) is None


# folding, seeds, digests ------------------------------------------------------------------


@pytest.mark.parametrize("text, key", [
    ("Pérfil  UNO", "perfil uno"),
    ("  Tesorería\tCentral ", "tesoreria central"),
    ("AUDITORÍA INTERNA", "auditoria interna"),
    ("Ñandú", "nandu"),
    ("ＰＥＲＦＩＬ", "perfil"),  # full-width letters
    ("Straße", "strasse"),
])
def test_fold_is_case_accent_and_space_insensitive(text, key):
    assert security.fold(text) == key


def test_new_seed_is_160_random_bits():
    seeds = [security.new_seed() for _ in range(50)]
    for seed in seeds:
        assert BASE32.fullmatch(seed)
        assert len(base64.b32decode(seed)) * 8 == 160
    assert len(set(seeds)) == 50


def test_session_token_is_random_and_stored_as_sha256():
    pairs = [security.session_token() for _ in range(50)]
    assert len({raw for raw, _ in pairs}) == 50
    for raw, digest in pairs:
        assert len(raw) >= 43  # 32 random bytes, url-safe
        assert digest == hashlib.sha256(raw.encode()).hexdigest() != raw


def test_keyed_digest_is_stable_and_depends_on_the_key(monkeypatch):
    first = security.keyed_digest("user:admin.demo")
    assert first == security.keyed_digest("user:admin.demo")
    assert first != security.keyed_digest("user:admin.dem0")
    assert first != hashlib.sha256(b"user:admin.demo").hexdigest()
    other = type(security.settings)(**{**security.settings.__dict__,
                                        "seed_key": Fernet.generate_key()})
    monkeypatch.setattr(security, "settings", other)
    assert security.keyed_digest("user:admin.demo") != first


def test_at_most_four_argon2_hashes_run_at_once(monkeypatch):
    """32 event threads may log users in together; each hash holds 64 MiB."""
    from occireflex.domain import security as sec

    running, peak, lock = [0], [0], threading.Lock()

    class CountingHasher:
        def _work(self, *_args):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1
            return True

        hash = verify = _work

    monkeypatch.setattr(sec, "_hasher", CountingHasher())
    threads = [threading.Thread(target=sec.verify_password, args=("h", "p")) for _ in range(8)]
    threads += [threading.Thread(target=sec.hash_password, args=("p",)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == sec.ARGON2_AT_ONCE == 4
