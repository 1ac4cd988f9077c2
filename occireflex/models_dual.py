"""Tables of dual control and alerts (issue 15): Configuración de Autorizaciones, the
operations waiting for authorization, the limits per user and service, and each user's
alerts. Part of the schema of ``models.py``, which re-exports them (import them from
``occireflex.models``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from occireflex.models import utcnow


class AuthConfig(SQLModel, table=True):
    """That a company configured its authorizations (no row: the bank's default, one
    authorization for every operation); ``version`` refuses a stale form."""

    company_id: int = Field(primary_key=True, foreign_key="company.id",
                            sa_column_kwargs={"autoincrement": False})
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="user.id")


class AuthRule(SQLModel, table=True):
    """One range of amounts of one kind of operation (pago | programacion | archivo) and
    the authorizations it needs (0, 1 or 2); ``amount_to`` None: sin tope."""

    __table_args__ = (Index("ix_authrule_company", "company_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    kind: str = Field(max_length=15)
    amount_from: int = Field(default=0, sa_type=BigInteger)  # centavos, inclusive
    amount_to: int | None = Field(default=None, sa_type=BigInteger)  # centavos, inclusive
    required: int = 1


class Authorizer(SQLModel, table=True):
    """A user the company lets authorize one kind of operation; none listed for a kind:
    any user holding «Transacciones Pendientes por Autorizar»."""

    __table_args__ = (UniqueConstraint("company_id", "kind", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    kind: str = Field(max_length=15)
    user_id: int = Field(foreign_key="user.id")


class PendingOperation(SQLModel, table=True):
    """An operation prepared by one user that moves money only when its last
    authorization arrives (``domain/dual/``). ``payload`` is the operation as prepared
    (JSON), re-checked when it runs."""

    __table_args__ = (
        # the inbox and the badge: the company's waiting ones (migration 0014)
        Index("ix_pendingop_company_waiting", "company_id", "state", "expires_at", "id"),
        Index("ix_pendingop_company_day", "company_id", "prepared_day"),  # Montos Acumulados
        Index("ix_pendingop_preparer", "company_id", "prepared_by", "kind", "prepared_day"),
        Index("ix_pendingop_state_expiry", "state", "expires_at"),  # the expiry sweep
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    kind: str = Field(max_length=15)  # pago | programacion | archivo
    state: str = Field(default="pendiente", max_length=12)
    summary: str = Field(max_length=300)  # what the inbox shows, e.g. «2 facturas: …»
    amount: int = Field(sa_type=BigInteger)  # centavos
    items: int = 1  # bills, rows…
    account_id: int | None = Field(default=None, foreign_key="account.id")
    payload: str = Field(sa_column=Column(Text, nullable=False))
    required: int = 1
    approvals: int = 0
    prepared_by: int = Field(foreign_key="user.id")
    prepared_at: datetime = Field(default_factory=utcnow)
    prepared_day: str = Field(max_length=10)  # YYYY-MM-DD in Bogotá, for the limits
    expires_at: datetime
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = None
    reason: str = Field(default="", max_length=200)  # rejection or expiry
    result: str = Field(default="", max_length=300)  # what running it did
    version: int = 1


class OperationApproval(SQLModel, table=True):
    """One user's authorization of one operation: the unique pair makes two
    authorizations come from two different users."""

    __table_args__ = (UniqueConstraint("operation_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="pendingoperation.id")
    user_id: int = Field(foreign_key="user.id")
    channel: str = Field(default="web", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)


class UserLimit(SQLModel, table=True):
    """Limits of one kind of operation for one user (``user_id`` None: every user of the
    company without a row of their own). 0: sin límite. Amounts in centavos."""

    __table_args__ = (UniqueConstraint("company_id", "user_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    user_id: int | None = Field(default=None, foreign_key="user.id")
    kind: str = Field(max_length=15)
    per_operation: int = Field(default=0, sa_type=BigInteger)
    day_amount: int = Field(default=0, sa_type=BigInteger)
    day_count: int = 0
    month_amount: int = Field(default=0, sa_type=BigInteger)
    month_count: int = 0
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="user.id")


class AlertSubscription(SQLModel, table=True):
    """Inscripción de Alertas: one event a user wants to hear about, and how."""

    __table_args__ = (UniqueConstraint("user_id", "event"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    event: str = Field(max_length=30)
    by_email: bool = True
    by_sms: bool = False
    by_portal: bool = True
    updated_at: datetime = Field(default_factory=utcnow)


class PortalNotice(SQLModel, table=True):
    """A message in the portal's bell; ``read_at`` None: unread."""

    __table_args__ = (Index("ix_portalnotice_user", "user_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    user_id: int = Field(foreign_key="user.id")
    event: str = Field(max_length=30)
    text: str = Field(max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
