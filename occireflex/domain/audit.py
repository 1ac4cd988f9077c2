"""Audit trail: one event per change of company data, in the same transaction."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from occireflex.models import AuditEvent


def _dump(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(
    db: Session,
    action: str,
    *,
    company_id: int | None = None,
    user_id: int | None = None,
    target: str = "",
    outcome: str = "ok",
    before: Any = None,
    after: Any = None,
    ip: str = "",
    channel: str = "web",
) -> AuditEvent:
    event = AuditEvent(
        company_id=company_id,
        user_id=user_id,
        action=action,
        target=target[:120],
        outcome=outcome,
        before=_dump(before),
        after=_dump(after),
        ip=ip[:64],
        channel=channel,
    )
    db.add(event)
    return event
