"""The company's security settings (issue 14): the IP addresses and ranges its users may
connect from (``domain/ip_rules.py``) and the version every change raises, which the
per-event access stamp reads (``domain/actor_cache.py``). Part of the schema of
``models.py``, which re-exports them (import them from ``occireflex.models``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index
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


class SecurityParams(SQLModel, table=True):
    """Parámetros Generales y de Seguridad of one company (``domain/security_params.py``);
    no row: the bank's defaults. Timeouts and hours are joined into the per-event access
    stamp, so a change applies at every session's next event."""

    company_id: int = Field(primary_key=True, foreign_key="company.id",
                            sa_column_kwargs={"autoincrement": False})
    version: int = 1
    idle_minutes: int
    absolute_minutes: int
    max_failed_attempts: int
    min_password_length: int
    password_expiry_days: int = 0  # 0: passwords do not expire (NIST SP 800-63B)
    allowed_days: str = Field(default="0123456", max_length=7)  # Monday 0 … Sunday 6
    open_from: int = 0  # minutes after midnight, Bogotá
    open_until: int = 1440  # exclusive; 1440 is midnight
    app_may_approve: bool = True
    # payments up to this amount (centavos) go without asking the token again; 0: always
    token_free_up_to: int = Field(default=0, sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="user.id")
