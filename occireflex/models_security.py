"""The company's security settings (issue 14): the IP addresses and ranges its users may
connect from (``domain/ip_rules.py``) and the version every change raises, which the
per-event access stamp reads (``domain/actor_cache.py``). Part of the schema of
``models.py``, which re-exports them (import them from ``occireflex.models``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from occireflex.models import utcnow


class IpRule(SQLModel, table=True):
    """One allowed address or range (canonical CIDR: «10.0.0.0/24», «2001:db8::/32»), for
    every user (``user_id`` None) or one, on the portal, the App or both."""

    __table_args__ = (Index("ix_iprule_company", "company_id"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    user_id: int | None = Field(default=None, foreign_key="user.id")
    network: str = Field(max_length=50)
    channel: str = Field(max_length=10)  # portal | app | ambos
    description: str = Field(default="", max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: int | None = Field(default=None, foreign_key="user.id")


class IpRulesVersion(SQLModel, table=True):
    """Raised by every change of a company's rules, in the change's transaction."""

    company_id: int = Field(primary_key=True, foreign_key="company.id",
                            sa_column_kwargs={"autoincrement": False})
    version: int = 0
