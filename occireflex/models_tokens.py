"""Tables of Token Virtual (issue 6): the administrator's release and block requests and
each user's token history. Part of the schema of ``models.py``, which re-exports them
(import them from ``occireflex.models``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from occireflex.models import utcnow


class TokenRequest(SQLModel, table=True):
    """«Cambiar Estado del Token Virtual»: the administrator's Liberar or Bloquear.

    Liberar waits ``pendiente`` for the administrator's authorization in the App (at most
    one open per user), then ends aprobada | rechazada | expirada | cancelada. Bloquear
    takes effect at once and is stored ``ejecutada``. An approved release may carry a
    single-use activation code (only its keyed digest is kept) for a user left with no
    active token.
    """

    __table_args__ = (
        Index("uq_tokenrequest_open", "user_id", unique=True,
              sqlite_where=text("state = 'pendiente'"),
              postgresql_where=text("state = 'pendiente'")),
        Index("ix_tokenrequest_company_state", "company_id", "state"),
        Index("ix_tokenrequest_state_expiry", "state", "expires_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    user_id: int = Field(foreign_key="user.id")  # whose token
    token_id: int | None = Field(default=None, foreign_key="token.id")  # virtual token then
    action: str = Field(max_length=10)  # liberar | bloquear
    reason: str = Field(max_length=30)  # causal code (domain/token_states.py)
    state: str = Field(max_length=12)
    verification: str = Field(default="", max_length=4)  # shown in the portal and the App
    requested_by: int = Field(foreign_key="user.id")
    requested_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = None
    decided_channel: str = Field(default="", max_length=20)
    activation_hash: str | None = Field(default=None, max_length=64)
    activation_expires_at: datetime | None = None
    activation_used_at: datetime | None = None


class TokenEvent(SQLModel, table=True):
    """«Consulta de Token»: one line of a user's token history."""

    __table_args__ = (
        Index("ix_tokenevent_user_time", "user_id", "created_at"),
        Index("ix_tokenevent_company_time", "company_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    user_id: int = Field(foreign_key="user.id")
    token_id: int | None = Field(default=None, foreign_key="token.id")
    kind: str = Field(max_length=10)  # fisico | virtual
    event: str = Field(max_length=30)
    reason: str = Field(default="", max_length=30)
    detail: str = Field(default="", max_length=120)
    actor_id: int | None = Field(default=None, foreign_key="user.id")  # None: bank or system
    channel: str = Field(default="web", max_length=20)
    request_id: int | None = Field(default=None, foreign_key="tokenrequest.id")
    created_at: datetime = Field(default_factory=utcnow)
