"""Audit trail: one event per change of company data, in the same transaction; reads
(consultations, prints, exports) are written a moment later, off the event's path. Every
event joins its company's hash chain when it is committed (``audit_chain``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from occireflex.domain import audit_chain, deferred
from occireflex.models import AuditEvent, utcnow

if TYPE_CHECKING:
    from occireflex.domain.access import Actor


def _dump(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _fields(action: str, company_id: int | None, user_id: int | None, target: str,
            outcome: str, before: Any, after: Any, ip: str, channel: str) -> dict[str, Any]:
    return {"company_id": company_id, "user_id": user_id, "action": action,
            "target": target[:120], "outcome": outcome, "before": _dump(before),
            "after": _dump(after), "ip": ip[:64], "channel": channel}


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
    event = AuditEvent(**_fields(action, company_id, user_id, target, outcome, before, after,
                                 ip, channel))
    db.add(event)
    audit_chain.note(db, event)  # linked to its company's chain when the session commits
    return event


audit_chain.install()


def record_read(actor: Actor, action: str, *, target: str = "", after: Any = None) -> None:
    """Audit a read of company data by ``actor``: queued, written within a second by
    ``deferred`` (a read changes nothing, so its audit needs no transaction of its own and
    must not make the user wait for the database's writer)."""
    deferred.note_read(_fields(action, actor.company_id, actor.user_id, target, "ok", None,
                               after, actor.ip, actor.channel) | {"created_at": utcnow()})
