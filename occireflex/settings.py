"""Environment-driven settings, read in one place.

Every knob is an ``OCCIREFLEX_*`` environment variable; defaults suit a developer machine.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(f"OCCIREFLEX_{name}", default)


def _instance_dir() -> Path:
    path = Path(_env("INSTANCE_DIR", str(PROJECT_ROOT / "instance")))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _load_or_create_key(path: Path) -> bytes:
    """A 32-byte key kept in a private file outside the database."""
    if not path.exists():
        key = base64.urlsafe_b64encode(secrets.token_bytes(32))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
    return path.read_bytes().strip()


@dataclass(frozen=True)
class Settings:
    db_url: str
    instance_dir: Path
    seed_key: bytes = field(repr=False)
    login_max_failures: int = 5
    idle_timeout_seconds: int = 15 * 60
    absolute_timeout_seconds: int = 12 * 60 * 60
    login_flow_timeout_seconds: int = 5 * 60
    allowed_origins: tuple[str, ...] = ("http://localhost:3000",)
    session_cookie: str = "occi_sid"
    app_session_cookie: str = "occi_app_sid"  # the App's own session (never the portal's)
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    https_only: bool = False  # served only over HTTPS (e.g. behind nginx): Secure cookies, HSTS
    # threads per worker running events' database work off the loop; a thread waiting for
    # SQLite's writer only sleeps, so there are enough for reads to go on meanwhile
    event_threads: int = 32
    # scale-out mode only (occireflex/scaleout.py): Reflex's state in this Redis database
    redis_url: str = "redis://127.0.0.1:6379/3"
    # messages to users (domain/outbox.py): SMTP when set (smtp://user:pass@host:port, or
    # smtp+starttls://…), otherwise .eml files in instance/outbox/
    smtp_url: str = field(default="", repr=False)
    mail_from: str = "OcciReflex <no-responder@occireflex.local>"
    # signs the audit chain's anchors (domain/audit_chain.py): OCCIREFLEX_AUDIT_KEY or
    # instance/audit.key, kept apart from the database an intruder might edit
    audit_key: bytes = field(default=b"", repr=False)
    # reverse proxies in front of the backends (nginx in scale-out mode: 1); the client's
    # address is the X-Forwarded-For entry that many from the right (domain/network.py)
    trusted_proxy_hops: int = 0
    # the bank's ceiling for «Parámetros Generales y de Seguridad»: the largest payment a
    # company may let go without asking the token again (centavos); the timeouts and the
    # failed attempts above are the ceilings (and defaults) of the company's own
    token_free_max_centavos: int = 5_000_000_00


def load_settings() -> Settings:
    instance = _instance_dir()
    db_url = _env("DB_URL", f"sqlite:///{instance / 'occireflex.db'}")
    key_env = _env("SEED_KEY", "")
    seed_key = key_env.encode() if key_env else _load_or_create_key(instance / "seed.key")
    origins = tuple(
        o.strip()
        for o in _env("ALLOWED_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000").split(",")
        if o.strip()
    )
    return Settings(
        db_url=db_url,
        instance_dir=instance,
        seed_key=seed_key,
        login_max_failures=int(_env("LOGIN_MAX_FAILURES", "5")),
        idle_timeout_seconds=int(_env("IDLE_TIMEOUT_SECONDS", str(15 * 60))),
        absolute_timeout_seconds=int(_env("ABSOLUTE_TIMEOUT_SECONDS", str(12 * 60 * 60))),
        allowed_origins=origins,
        argon2_time_cost=int(_env("ARGON2_TIME_COST", "3")),
        argon2_memory_kib=int(_env("ARGON2_MEMORY_KIB", "65536")),
        https_only=_env("HTTPS", "0").strip().lower() in ("1", "true", "si", "yes"),
        event_threads=max(1, int(_env("EVENT_THREADS", "32"))),
        redis_url=_env("REDIS_URL", "redis://127.0.0.1:6379/3"),
        smtp_url=_env("SMTP_URL", ""),
        mail_from=_env("MAIL_FROM", "OcciReflex <no-responder@occireflex.local>"),
        trusted_proxy_hops=max(0, int(_env("TRUSTED_PROXY_HOPS", "0"))),
        token_free_max_centavos=max(0, int(_env("TOKEN_FREE_MAX_PESOS", "5000000"))) * 100,
        audit_key=(_env("AUDIT_KEY", "").encode() or _load_or_create_key(instance / "audit.key")),
    )


settings = load_settings()
