"""Tables of the users' own things (issue 13): password history and the outbox. Part of the
schema of ``models.py``, which re-exports them (import them from ``occireflex.models``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from occireflex.models import utcnow


class PasswordHistory(SQLModel, table=True):
    """A user's earlier password hashes: a new password may not repeat the last five."""

    __table_args__ = (Index("ix_passwordhistory_user", "user_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    password_hash: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class OutboxMessage(SQLModel, table=True):
    """A message to a user (domain/outbox.py), written in the transaction of the change it
    tells about and sent later; never deleted (the record of what was told to whom)."""

    __table_args__ = (Index("ix_outbox_pending", "sent_at", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int | None = Field(default=None, foreign_key="company.id")
    user_id: int | None = Field(default=None, foreign_key="user.id")
    kind: str = Field(max_length=40)  # clave_temporal | clave_cambiada | usuario_inactivado …
    channel: str = Field(default="correo", max_length=10)  # correo | sms (a stored message)
    to_address: str = Field(max_length=120)
    subject: str = Field(max_length=160)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_until: datetime | None = None  # a sender is on it until then
    attempts: int = 0
    last_error: str = Field(default="", max_length=200)
    sent_at: datetime | None = None
