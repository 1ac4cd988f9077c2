"""«Transacciones Pendientes por Autorizar»: the company's operations that wait, what each
one holds, the badge count, the exports, and the sweep that lets them expire.

Every holder of the service sees the company's waiting operations (an authorizer must see
what they sign; a preparer follows their own); what each one may do with a row is decided
here and again by ``decide`` when they do it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from occireflex.domain import alerts, audit
from occireflex.domain.access import Actor, company_row, require
from occireflex.domain.bogota import day_text, local_moment
from occireflex.domain.dual import file_ops, rules
from occireflex.domain.dual.decide import NOT_FOUND, PENDIENTE, STATE_LABELS, VENCIDA
from occireflex.domain.exports import EXPORT_MAX, TableExport, check_export_action
from occireflex.domain.money import format_money
from occireflex.domain.payments import billers
from occireflex.models import (
    Account,
    Bill,
    Biller,
    Enrollment,
    OperationApproval,
    PendingOperation,
    User,
    utcnow,
)

PAGE_SIZE = 20
EXPIRED_REASON = "Venció al final del día hábil sin las autorizaciones requeridas."
PAID_ELSEWHERE = "Las facturas se pagaron por otro medio mientras esperaba autorización."
SWEEP_BATCH = 500


@dataclass(frozen=True)
class InboxRow:
    id: int
    kind: str
    summary: str
    amount: str
    preparer: str
    prepared_at: str
    expires_at: str
    approvals: str
    own: bool
    can_authorize: bool
    already_mine: bool


def _waiting(company_id: int, now: datetime):
    return (PendingOperation.company_id == company_id, PendingOperation.state == PENDIENTE,
            PendingOperation.expires_at > now)


def _names(db: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(db.exec(select(User.id, User.full_name).where(col(User.id).in_(user_ids))).all())


def _authorizable_kinds(db: Session, actor: Actor) -> set[str]:
    user = db.get(User, actor.user_id)
    return {kind for kind in rules.KINDS if rules.may_authorize(db, actor.company_id, kind, user)}


def _mine(db: Session, actor: Actor, operation_ids: list[int]) -> set[int]:
    if not operation_ids:
        return set()
    return set(db.exec(select(OperationApproval.operation_id).where(
        col(OperationApproval.operation_id).in_(operation_ids),
        OperationApproval.user_id == actor.user_id)).all())


def _rows(db: Session, actor: Actor, operations: list[PendingOperation]) -> list[InboxRow]:
    names = _names(db, {op.prepared_by for op in operations})
    kinds = _authorizable_kinds(db, actor)
    approved = _mine(db, actor, [op.id for op in operations])
    return [InboxRow(
        id=op.id, kind=rules.KINDS.get(op.kind, op.kind), summary=op.summary,
        amount=format_money(op.amount), preparer=names.get(op.prepared_by, ""),
        prepared_at=local_moment(op.prepared_at), expires_at=local_moment(op.expires_at),
        approvals=f"{op.approvals} de {op.required}", own=op.prepared_by == actor.user_id,
        can_authorize=(op.prepared_by != actor.user_id and op.kind in kinds
                       and op.id not in approved),
        already_mine=op.id in approved) for op in operations]


def pending_page(db: Session, actor: Actor, page: int = 1, now: datetime | None = None
                 ) -> tuple[list[InboxRow], int]:
    """One page of the company's waiting operations, newest first, and their total."""
    now = now or utcnow()
    require(db, actor, rules.INBOX)
    where = _waiting(actor.company_id, now)
    total = db.exec(select(func.count(PendingOperation.id)).where(*where)).one()
    page = max(1, min(page if isinstance(page, int) else 1, (total - 1) // PAGE_SIZE + 1))
    operations = db.exec(select(PendingOperation).where(*where)
                         .order_by(col(PendingOperation.id).desc())
                         .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return _rows(db, actor, list(operations)), total


def badge_count(db: Session, actor: Actor, now: datetime | None = None) -> int:
    """Operations waiting for this user's authorization (the menu's and the App's badge);
    0 without the service."""
    if not actor.can(rules.INBOX):
        return 0
    kinds = _authorizable_kinds(db, actor)
    if not kinds:
        return 0
    mine = select(OperationApproval.id).where(  # the (operation, user) unique index
        OperationApproval.operation_id == PendingOperation.id,
        OperationApproval.user_id == actor.user_id).exists()
    return db.exec(select(func.count(PendingOperation.id)).where(
        *_waiting(actor.company_id, now or utcnow()), col(PendingOperation.kind).in_(kinds),
        PendingOperation.prepared_by != actor.user_id,
        ~mine)).one()


def _payment_lines(db: Session, payload: dict) -> list[dict]:
    lines = []
    for enrollment_id, bill_id, _version in payload.get("selections", []):
        enrollment, bill = db.get(Enrollment, enrollment_id), db.get(Bill, bill_id)
        if enrollment is None or bill is None:
            continue
        biller = db.get(Biller, enrollment.biller_id)
        lines.append({"label": f"{biller.name} ref. {enrollment.reference}",
                      "detail": f"{enrollment.alias} · vence {day_text(bill.due_on)}"
                                + (" · ya pagada" if bill.status != billers.PENDIENTE else ""),
                      "amount": format_money(bill.amount)})
    return lines


def _programming_lines(db: Session, payload: dict) -> list[dict]:
    enrollment = db.get(Enrollment, payload.get("enrollment_id"))
    if enrollment is None:
        return []
    biller = db.get(Biller, enrollment.biller_id)
    until = payload.get("end_on") or "sin fecha final"
    return [{"label": f"{biller.name} ref. {enrollment.reference}",
             "detail": f"{payload.get('days_before')} día(s) antes del vencimiento · desde "
                       f"{payload.get('start_on')} hasta {until}",
             "amount": f"Tope {format_money(payload.get('max_amount', 0))}"}]


def _file_lines(payload: dict) -> list[dict]:
    lines = list(payload.get("lines", []))
    if payload.get("more"):
        lines.append({"label": f"… y {payload['more']} fila(s) más", "detail": "",
                      "amount": ""})
    return lines


def detail(db: Session, actor: Actor, operation_id: object) -> dict:
    """One operation of the company, whatever its state: its lines, account, approvals."""
    require(db, actor, rules.INBOX)
    op = company_row(db, actor, PendingOperation, operation_id, "operacion", NOT_FOUND)
    payload = json.loads(op.payload)
    lines = (_payment_lines(db, payload) if op.kind == rules.PAGO
             else _file_lines(payload) if op.kind == rules.ARCHIVO
             else _programming_lines(db, payload))
    account = db.get(Account, op.account_id) if op.account_id else None
    approvals = db.exec(select(OperationApproval).where(
        OperationApproval.operation_id == op.id).order_by(OperationApproval.id)).all()
    names = _names(db, {a.user_id for a in approvals} | {op.prepared_by}
                   | ({op.decided_by} if op.decided_by else set()))
    return {
        "id": op.id, "kind": rules.KINDS.get(op.kind, op.kind), "summary": op.summary,
        "amount": format_money(op.amount), "state": STATE_LABELS.get(op.state, op.state),
        "preparer": names.get(op.prepared_by, ""), "prepared_at": local_moment(op.prepared_at),
        "expires_at": local_moment(op.expires_at),
        "account": f"{account.kind} {account.number}" if account else "",
        "required": op.required, "approvals": [
            {"name": names.get(a.user_id, ""), "at": local_moment(a.created_at),
             "channel": "App" if a.channel == "app" else "Portal"} for a in approvals],
        "reason": op.reason, "result": op.result, "lines": lines,
        "decided_by": names.get(op.decided_by, "") if op.decided_by else ""}


class PendingExport(TableExport):
    SHEET = TITLE = "Transacciones Pendientes por Autorizar"
    HEADERS = ("Número", "Tipo", "Operación", "Valor", "Preparada por", "Fecha",
               "Autorizaciones", "Vence")
    PDF_WIDTHS = (16, 34, 78, 28, 36, 30, 24, 30)
    PDF_RIGHT = (3,)

    def __init__(self, rows: list[InboxRow], subtitle: str) -> None:
        self.rows, self.subtitle = rows, subtitle

    def text_rows(self) -> list[tuple]:
        return [(str(r.id), r.kind, r.summary, r.amount, r.preparer, r.prepared_at,
                 r.approvals, r.expires_at) for r in self.rows]

    xlsx_rows = text_rows


def export(db: Session, actor: Actor, action: object, now: datetime | None = None
           ) -> PendingExport:
    """Every waiting operation for Excel, PDF or print (the action checked and audited)."""
    now = now or utcnow()
    check_export_action(db, actor, rules.INBOX, action)
    operations = db.exec(select(PendingOperation).where(*_waiting(actor.company_id, now))
                         .order_by(col(PendingOperation.id).desc()).limit(EXPORT_MAX)).all()
    audit.record_read(actor, f"pendientes_exportadas_{action}", target=f"{len(operations)}")
    return PendingExport(_rows(db, actor, list(operations)),
                         f"{actor.company_name} · NIT {actor.company_nit} · "
                         f"{len(operations)} operaciones al {local_moment(now)}")


def _expire(db: Session, operation: PendingOperation, reason: str, now: datetime) -> bool:
    closed = db.execute(update(PendingOperation).where(
        PendingOperation.id == operation.id, PendingOperation.state == PENDIENTE)
        .values(state=VENCIDA, reason=reason[:200], decided_at=now,
                version=PendingOperation.version + 1)).rowcount
    if closed == 1:
        file_ops.file_closed(db, operation, f"Vencida: {reason}")
        audit.record(db, "operacion_vencida", company_id=operation.company_id,
                     target=f"operacion:{operation.id}", after={"motivo": reason},
                     channel="sistema")
        alerts.emit(db, [operation.prepared_by], alerts.PAGO, "Operación vencida",
                    f"Su operación «{operation.summary}» venció: {reason}")
    return closed == 1


def _paid_elsewhere(db: Session, now: datetime) -> list[PendingOperation]:
    """Waiting payments (of every company: they all expire within the day) whose bills are
    no longer pending: one read of the payments, one of their bills per thousand."""
    waiting = db.exec(select(PendingOperation.id, PendingOperation.payload).where(
        PendingOperation.state == PENDIENTE, PendingOperation.expires_at > now,
        PendingOperation.kind == rules.PAGO)).all()
    bills = {op_id: {bill_id for _, bill_id, _ in json.loads(payload).get("selections", [])}
             for op_id, payload in waiting}
    every = sorted(set().union(*bills.values())) if bills else []
    pending: set[int] = set()
    for start in range(0, len(every), 1000):
        pending.update(db.exec(select(Bill.id).where(
            col(Bill.id).in_(every[start:start + 1000]),
            Bill.status == billers.PENDIENTE)).all())
    done = [op_id for op_id, ids in bills.items() if ids and not ids & pending]
    return [db.get(PendingOperation, op_id) for op_id in sorted(done)]


def expire_due(db: Session, now: datetime) -> int:
    """The scheduler's job: waiting operations past the end of their business day, and
    payments whose bills were all paid meanwhile, become «Vencida» (their amounts stop
    counting for the preparer's limits). Commits; returns how many.

    The overdue ones are read in expiry order on ``ix_pendingop_state_expiry`` (never a
    walk of every company's history), a batch at a time until none is left."""
    expired = 0
    while True:
        overdue = db.exec(select(PendingOperation).where(
            PendingOperation.state == PENDIENTE, PendingOperation.expires_at <= now)
            .order_by(PendingOperation.state, PendingOperation.expires_at)
            .limit(SWEEP_BATCH)).all()
        for operation in overdue:
            expired += _expire(db, operation, EXPIRED_REASON, now)
        db.commit()
        if len(overdue) < SWEEP_BATCH:
            break
    for operation in _paid_elsewhere(db, now):
        expired += _expire(db, operation, PAID_ELSEWHERE, now)
    db.commit()
    return expired
