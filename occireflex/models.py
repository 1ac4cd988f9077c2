"""SQLModel tables: the whole schema readable in one place.

Conventions: money is integer centavos (BIGINT); times are timezone-aware UTC (``utcnow``,
the business clock of ``occireflex.clock``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    DDL,
    BigInteger,
    Column,
    Index,
    LargeBinary,
    UniqueConstraint,
    event,
    text,
)
from sqlmodel import Field, SQLModel

from occireflex import billsync, clock


def utcnow() -> datetime:
    return clock.now()


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
    __table_args__ = (Index("ix_user_company_username", "company_id", "username"),)
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
    # a temporary password (first access, reset) works until then and must be changed
    password_temporary_until: datetime | None = None
    password_changed_at: datetime | None = None  # for an expiry the company may set
    # Configuración de Usuarios (issue 13): identity, channels, last login, state's causal
    document_type: str = Field(default="", max_length=3)  # CC | CE | PA | PPT
    document_number: str = Field(default="", max_length=15)
    phone: str = Field(default="", max_length=10)  # celular, 10 digits
    channel_portal: bool = True
    channel_app: bool = True
    last_login_at: datetime | None = None
    state_reason: str = Field(default="", max_length=30)  # causal of the last (in)activation
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
    """A TOTP authenticator: «token físico» (key fob) or «token virtual» (the App).

    A user has at most one ``activo`` token of any kind (seed 002 step 10: never both),
    and at most one virtual token ``por_activar`` (an enrollment in progress). Released
    and blocked virtual tokens keep their row, without a seed, as history.
    """

    __table_args__ = (
        Index("ix_token_user_kind", "user_id", "kind"),
        Index("uq_token_user_active", "user_id", unique=True,
              sqlite_where=text("state = 'activo'"), postgresql_where=text("state = 'activo'")),
        Index("uq_token_user_enrolling", "user_id", unique=True,
              sqlite_where=text("state = 'por_activar'"),
              postgresql_where=text("state = 'por_activar'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    kind: str = Field(max_length=10)  # fisico | virtual
    # activo | bloqueado | liberado | inhabilitado (físico, step 10) | por_activar | vencido
    state: str = Field(max_length=20)
    serial: str = Field(default="", max_length=30)
    seed_encrypted: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    last_step: int | None = Field(default=None, sa_type=BigInteger)  # last accepted time step
    device_name: str = Field(default="", max_length=80)
    # enrollment in the App: the seed is handed over once, to the holder of this ticket
    ticket_hash: str | None = Field(default=None, max_length=64)
    expires_at: datetime | None = None  # an enrollment not activated by then lapses
    delivered_at: datetime | None = None
    state_changed_at: datetime = Field(default_factory=utcnow)
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
    """A portal or App session; the browser holds a random id, the table keeps its hash.

    A login first stores the hash of a one-time ticket (``redeemed_at`` empty): the page
    trades it once, over HTTP, for the real id in an HttpOnly cookie, so no script ever
    sees the session id. Only a redeemed session serves events.
    """

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
    redeemed_at: datetime | None = None  # the login's ticket was traded for the cookie


class LoginThrottle(SQLModel, table=True):
    """Failure counter for user names that do not exist, so lockout reveals nothing."""

    key: str = Field(primary_key=True, max_length=64)  # HMAC of the folded user name
    failures: int = 0
    locked_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


# The audit trail (AuditEvent, its chain's heads and anchors) lives in models_audit.py.


# Servicios Públicos y Privados (issue 4) ------------------------------------------------


class Biller(SQLModel, table=True):
    """«Convenio»: a utility or private company that issues bills, with reference rules."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=10, unique=True, index=True)
    name: str = Field(max_length=80)
    category: str = Field(max_length=10)  # publico | privado
    sector: str = Field(max_length=30)
    ref_label: str = Field(max_length=40)  # e.g. «Número de contrato»
    ref_min: int
    ref_max: int
    ref_numeric: bool = True  # digits only; else letters and digits
    cycle_months: int = 1  # 1 mensual, 2 bimestral
    issue_day: int  # day of month the bill is issued
    due_days: int  # days from issue to due date
    partial_allowed: bool = False
    amount_min: int = Field(sa_type=BigInteger)  # centavos, range of simulated bills
    amount_max: int = Field(sa_type=BigInteger)
    is_active: bool = True
    # GS1 Global Location Number: the (415) of the biller's bill barcode (payments/barcode.py)
    gln: str | None = Field(default=None, max_length=13, unique=True, index=True)


class Enrollment(SQLModel, table=True):
    """«Inscripción»: a bill registered by a company for payment."""

    __table_args__ = (
        Index("uq_enrollment_active", "company_id", "biller_id", "reference", unique=True,
              sqlite_where=text("deleted_at IS NULL"),
              postgresql_where=text("deleted_at IS NULL")),
        Index("ix_enrollment_company", "company_id", "deleted_at", "id"),
        # the grid: its pages in id order, by state, and its counts by due date. Partial
        # (live rows): PostgreSQL does not read «deleted_at IS NULL» as an equality, so
        # with deleted_at in the key it sorts the whole company to serve ORDER BY id.
        Index("ix_enrollment_live", "company_id", "id",
              sqlite_where=text("deleted_at IS NULL"),
              postgresql_where=text("deleted_at IS NULL")),
        Index("ix_enrollment_bill_state", "company_id", "bill_status", "id", "bill_due_on",
              sqlite_where=text("deleted_at IS NULL"),
              postgresql_where=text("deleted_at IS NULL")),
        Index("ix_enrollment_bill_due", "company_id", "bill_status", "bill_due_on",
              sqlite_where=text("deleted_at IS NULL"),
              postgresql_where=text("deleted_at IS NULL")),
        Index("ix_enrollment_biller_ref", "biller_id", "reference"),  # billsync's triggers
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    biller_id: int = Field(foreign_key="biller.id")
    reference: str = Field(max_length=30)  # kept as typed: leading zeros matter
    alias: str = Field(default="", max_length=60)
    account_id: int = Field(foreign_key="account.id")  # default debit account
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None
    # The latest bill of (biller, reference), kept by the database (``billsync.py``):
    # never written by the application.
    bill_period: str | None = Field(default=None, max_length=7)
    bill_status: str | None = Field(default=None, max_length=10)
    bill_due_on: date | None = None


class Bill(SQLModel, table=True):
    """«Factura»: one bill of one billing period for one biller reference."""

    __table_args__ = (
        UniqueConstraint("biller_id", "reference", "period", name="uq_bill_period"),
        Index("ix_bill_status_due", "status", "due_on"),
        Index("ix_bill_period", "period"),  # the daily issue reads this period's bills only
    )

    id: int | None = Field(default=None, primary_key=True)
    biller_id: int = Field(foreign_key="biller.id")
    reference: str = Field(max_length=30)
    period: str = Field(max_length=7)  # YYYY-MM of the issue month
    amount: int = Field(sa_type=BigInteger)  # centavos
    issued_on: date
    due_on: date
    status: str = Field(default="pendiente", max_length=10)  # pendiente | pagada
    version: int = 1  # bumped if the biller changes the bill


class AutoPayRule(SQLModel, table=True):
    """«Programación automática» of one inscription."""

    __table_args__ = (Index("ix_autopay_active", "is_active", "enrollment_id"),)

    id: int | None = Field(default=None, primary_key=True)
    enrollment_id: int = Field(foreign_key="enrollment.id", unique=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    account_id: int = Field(foreign_key="account.id")
    days_before: int = 0  # 0: on the due date
    max_amount: int = Field(sa_type=BigInteger)  # centavos; bills above it are not paid
    start_on: date
    end_on: date | None = None
    is_active: bool = True
    created_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow)


class Payment(SQLModel, table=True):
    """A payment attempt of a bill: «Transacciones Realizadas» and the receipt.

    A bill is paid at most once: the partial unique index on ``bill_id`` for successful
    payments is enforced by the database. ``attempt_key`` makes each programmed attempt
    (rule × bill) happen once, even if the sweep is killed and restarted.
    """

    __table_args__ = (
        Index("uq_payment_bill_paid", "bill_id", unique=True,
              sqlite_where=text("status = 'exitosa'"),
              postgresql_where=text("status = 'exitosa'")),
        # Transacciones Realizadas: its count, sum and page read this index alone
        Index("ix_payment_company_time", "company_id", "created_at", "id", "status",
              "channel", "account_id", "amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    enrollment_id: int = Field(foreign_key="enrollment.id")
    bill_id: int = Field(foreign_key="bill.id")
    account_id: int = Field(foreign_key="account.id")
    amount: int = Field(sa_type=BigInteger)
    channel: str = Field(max_length=12)  # manual | programado
    status: str = Field(max_length=10)  # exitosa | fallida
    reason: str = Field(default="", max_length=200)
    receipt: str | None = Field(default=None, max_length=24, unique=True)  # comprobante
    attempt_key: str | None = Field(default=None, max_length=40, unique=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class SchedulerLease(SQLModel, table=True):
    """Exactly one scheduler sidecar: the holder renews its lease; others wait."""

    name: str = Field(primary_key=True, max_length=30)
    holder: str = Field(max_length=80)
    expires_at: datetime


# Carga Programación Automática (issue 5) ---------------------------------------------


class BulkFile(SQLModel, table=True):
    """«Carga Programación Automática»: one uploaded bulk enrollment file.

    The name is unique per company forever (``name_key``: case-, accent- and
    space-insensitive), whatever became of the upload. The uploaded bytes are kept here,
    privately (never in Reflex's public upload folder)."""

    __table_args__ = (
        UniqueConstraint("company_id", "name_key", name="uq_bulkfile_company_name"),
        Index("ix_bulkfile_company_time", "company_id", "uploaded_at"),
        Index("ix_bulkfile_state", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    name: str = Field(max_length=50)  # «Nombre del archivo», as typed
    name_key: str = Field(max_length=50)  # folded: no case, accents or spaces
    filename: str = Field(max_length=200)  # the original file name
    user_id: int = Field(foreign_key="user.id")
    uploaded_at: datetime = Field(default_factory=utcnow)
    processed_at: datetime | None = None
    rows: int = 0  # data rows found in the file
    inscribed: int = 0  # inscriptions (each with its programming) created
    state: str = Field(default="Recibido", max_length=25)  # Recibido|Validando|Procesado|Rechazado
    error_count: int = 0
    message: str = Field(default="", max_length=300)  # one-line outcome for the grid
    size: int = 0  # bytes uploaded
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # the private copy
    report: bytes | None = Field(default=None, sa_column=Column(LargeBinary))  # CSV (;)


for _dialect in ("sqlite", "postgresql"):  # the triggers of billsync.py, on create_all
    for _statement in billsync.statements(_dialect):
        event.listen(SQLModel.metadata, "after_create",
                     DDL(_statement.replace("%", "%%")).execute_if(dialect=_dialect))


# Users and their messages (issue 13) live in models_users.py, part of the same schema.
from occireflex.models_users import OutboxMessage, PasswordHistory  # noqa: E402, F401, I001
from occireflex.models_audit import AuditAnchor, AuditEvent, AuditHead  # noqa: E402, F401, I001
from occireflex.models_security import IpRule, IpRulesVersion, SecurityParams  # noqa: E402, F401, I001
from occireflex.models_dual import (  # noqa: E402, F401, I001
    AlertSubscription, AuthConfig, AuthRule, Authorizer, OperationApproval, PendingOperation,
    PortalNotice, UserLimit)
from occireflex.models_tokens import TokenEvent, TokenRequest  # noqa: E402, F401, I001
