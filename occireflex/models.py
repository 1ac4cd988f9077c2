"""SQLModel tables: the whole schema readable in one place.

Conventions: money is integer centavos (BIGINT); times are timezone-aware UTC (``utcnow``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Company(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    nit: str = Field(max_length=20, unique=True, index=True)
    name: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)


class Profile(SQLModel, table=True):
    """«Perfil»: a named set of grants, Activo or Inactivo."""

    __table_args__ = (UniqueConstraint("company_id", "name_key", name="uq_profile_company_name"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    name: str = Field(max_length=50)
    name_key: str = Field(max_length=50)  # case- and accent-folded name, for uniqueness
    description: str = Field(default="", max_length=200)
    is_active: bool = True
    version: int = 1  # optimistic lock: bumped on every save
    updated_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    username: str = Field(max_length=40, unique=True, index=True)  # stored lower-case
    full_name: str = Field(max_length=120)
    email: str = Field(default="", max_length=120)
    is_admin: bool = False
    is_active: bool = True
    password_hash: str = Field(max_length=200)
    own_image: str = Field(max_length=40)  # «imagen propia»: key of an image in assets/propia
    profile_id: int | None = Field(default=None, foreign_key="profile.id", index=True)
    failed_attempts: int = 0
    locked_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Grant(SQLModel, table=True):
    """«Asignación de acciones por servicios»: profile × service × action."""

    __table_args__ = (
        UniqueConstraint("profile_id", "service_code", "action_code", name="uq_grant"),
    )

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", index=True)
    service_code: str = Field(max_length=60)
    action_code: str = Field(max_length=20)


class Token(SQLModel, table=True):
    """A TOTP authenticator: «token físico» (key fob) or «token virtual» (the App)."""

    __table_args__ = (Index("ix_token_user_kind", "user_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    kind: str = Field(max_length=10)  # fisico | virtual
    state: str = Field(max_length=20)  # activo | bloqueado | liberado | pendiente | inactivo
    serial: str = Field(default="", max_length=30)
    seed_encrypted: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    last_step: int | None = Field(default=None, sa_type=BigInteger)  # last accepted time step
    device_name: str = Field(default="", max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    kind: str = Field(max_length=10)  # corriente | ahorros
    number: str = Field(max_length=20, unique=True)
    name: str = Field(default="", max_length=80)
    available: int = Field(default=0, sa_type=BigInteger)  # saldo disponible, centavos
    clearing: int = Field(default=0, sa_type=BigInteger)  # saldo canje, centavos
    current: int = Field(default=0, sa_type=BigInteger)  # saldo actual, centavos
    updated_at: datetime = Field(default_factory=utcnow)


class Movement(SQLModel, table=True):
    """Ledger movement on an account; ``amount`` is signed centavos (debits negative)."""

    __table_args__ = (Index("ix_movement_account_time", "account_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    company_id: int = Field(foreign_key="company.id", index=True)
    amount: int = Field(sa_type=BigInteger)
    balance_after: int = Field(sa_type=BigInteger)
    description: str = Field(max_length=200)
    reference: str = Field(default="", max_length=60)
    created_at: datetime = Field(default_factory=utcnow)


class Favorite(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("user_id", "service_code", name="uq_favorite"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    service_code: str = Field(max_length=60)
    created_at: datetime = Field(default_factory=utcnow)


class LoginSession(SQLModel, table=True):
    """A portal session; the browser holds a random id, the table keeps only its hash."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    company_id: int = Field(foreign_key="company.id")
    token_id: int | None = Field(default=None, foreign_key="token.id")  # token used to log in
    channel: str = Field(default="web", max_length=20)
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
    end_reason: str = Field(default="", max_length=30)


class LoginThrottle(SQLModel, table=True):
    """Failure counter for user names that do not exist, so lockout reveals nothing."""

    key: str = Field(primary_key=True, max_length=64)  # HMAC of the folded user name
    failures: int = 0
    locked_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    __table_args__ = (Index("ix_audit_company_time", "company_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    company_id: int | None = Field(default=None, foreign_key="company.id")
    user_id: int | None = Field(default=None, foreign_key="user.id")
    action: str = Field(max_length=60)
    target: str = Field(default="", max_length=120)
    outcome: str = Field(default="ok", max_length=20)  # ok | denegado | fallido
    before: str | None = Field(default=None, sa_column=Column(Text))
    after: str | None = Field(default=None, sa_column=Column(Text))
    ip: str = Field(default="", max_length=64)
    channel: str = Field(default="web", max_length=20)
