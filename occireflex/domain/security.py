"""Security primitives: password hashing, seed encryption, TOTP, text folding."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import unicodedata
from calendar import timegm
from datetime import datetime
from functools import lru_cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken

from occireflex.settings import settings

TOTP_DIGITS = 6
TOTP_PERIOD = 30
TOTP_WINDOW = 1
_CODE_RE = re.compile(r"[0-9]{6}")  # ASCII digits only: str.isdigit() would take «١٢٣٤٥٦»

_hasher = PasswordHasher(
    time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
)
# Each hash takes argon2_memory_kib (64 MiB): however many event threads run logins at
# once, at most this many hashes hold their memory (and the CPU) together.
ARGON2_AT_ONCE = 4
_argon2_slots = threading.BoundedSemaphore(ARGON2_AT_ONCE)


def hash_password(password: str) -> str:
    with _argon2_slots:
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        with _argon2_slots:
            return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A fixed hash to verify against when the user does not exist, so timing reveals nothing.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def burn_password_check(password: str) -> None:
    verify_password(_DUMMY_HASH, password)


@lru_cache(maxsize=4)
def _fernet(key: bytes) -> Fernet:
    return Fernet(key)


def encrypt_seed(seed_b32: str, key: bytes | None = None) -> bytes:
    return _fernet(key or settings.seed_key).encrypt(seed_b32.encode("ascii"))


def decrypt_seed(blob: bytes, key: bytes | None = None) -> str:
    try:
        return _fernet(key or settings.seed_key).decrypt(blob).decode("ascii")
    except InvalidToken as exc:  # wrong key or tampered row
        raise ValueError("semilla ilegible") from exc


def new_seed() -> str:
    """A fresh 160-bit base32 seed."""
    return pyotp.random_base32(length=32)


def time_step(now: datetime) -> int:
    """TOTP time step of a datetime (aware; naive is taken as UTC)."""
    return timegm(now.utctimetuple()) // TOTP_PERIOD


def code_at_step(seed_b32: str, step: int) -> str:
    return pyotp.TOTP(seed_b32, digits=TOTP_DIGITS, interval=TOTP_PERIOD).generate_otp(step)


def is_code_format(code: object) -> bool:
    return isinstance(code, str) and _CODE_RE.fullmatch(code) is not None


def matching_step(seed_b32: str, code: str, now: datetime) -> int | None:
    """The time step within the window whose code equals ``code``, or None."""
    if not is_code_format(code):
        return None
    current = time_step(now)
    found = None
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if hmac.compare_digest(code_at_step(seed_b32, step), code):
            found = step
    return found


def fold(text: str) -> str:
    """Case- and accent-insensitive key: «Pérfil  Uno» → «perfil uno»."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def contains_pattern(key: str) -> str:
    """A LIKE pattern (escape character «\\») that finds ``key`` literally anywhere."""
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def keyed_digest(value: str) -> str:
    """HMAC-SHA256 with the instance key: stable, not reversible without the key."""
    return hmac.new(settings.seed_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def session_token() -> tuple[str, str]:
    """A random session id for the browser and the hash the database keeps."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_session_token(raw)


def hash_session_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
