"""The audit trail's tables (issue 14): the events, each chained to the previous one of its
company by a SHA-256 hash (``domain/audit_chain.py``), the head of every chain, and the
signed anchors the scheduler writes so that a deleted tail is seen too. Part of the schema
of ``models.py``, which re-exports them (import them from ``occireflex.models``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from occireflex.models import utcnow


class AuditEvent(SQLModel, table=True):
    __table_args__ = (Index("ix_audit_company_time", "company_id", "created_at"),
                      Index("uq_audit_chain_seq", "chain", "seq", unique=True))

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
    # the chain: its company's (0: events of no company), position, previous and own hash;
    # set when the transaction commits (None only for a moment before)
    chain: int | None = None
    seq: int | None = None
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)


class AuditHead(SQLModel, table=True):
    """The last link of each chain: its row is locked by every transaction that extends
    the chain, so concurrent writers take turns."""

    chain: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int = 0
    hash: str = Field(max_length=64)


class AuditAnchor(SQLModel, table=True):
    """A chain's head as the scheduler saw it, signed with the audit key; only appended."""

    __table_args__ = (Index("ix_auditanchor_chain", "chain", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    chain: int
    seq: int
    hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    signature: str = Field(max_length=64)
