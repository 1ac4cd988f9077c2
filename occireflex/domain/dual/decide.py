"""Authorizing, rejecting and cancelling prepared operations.

The one who prepared an operation never authorizes or rejects it, and each authorizer counts
once (``operationapproval``'s unique pair). The authorization that completes the count is
decided by one conditional UPDATE (``approvals`` as read, state «pendiente»): of two
authorizers clicking at once exactly one wins, on SQLite and PostgreSQL alike, and only the
winner runs the operation, with the balance and the bill re-checked as it runs (and the
database's one-successful-payment-per-bill index behind it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from occireflex.domain import access, alerts, audit, auth, security_params
from occireflex.domain.access import Actor, require
from occireflex.domain.dual import file_ops, limits, prepare, rules
from occireflex.domain.errors import AccessDenied, DomainError, ValidationError
from occireflex.domain.payments import pay
from occireflex.domain.payments.accounts import company_account
from occireflex.domain.payments.autopay import rules as autopay
from occireflex.domain.payments.inscriptions import SERVICE, own_enrollment
from occireflex.models import OperationApproval, PendingOperation, User, utcnow

PENDIENTE, AUTORIZADA = limits.PENDIENTE, limits.AUTORIZADA
RECHAZADA, CANCELADA, VENCIDA = "rechazada", "cancelada", "vencida"
STATE_LABELS = {PENDIENTE: "Pendiente por autorizar", AUTORIZADA: "Autorizada",
                RECHAZADA: "Rechazada", CANCELADA: "Cancelada", VENCIDA: "Vencida"}
MAX_AT_ONCE = 50
NOT_FOUND = "La operación no existe o no pertenece a su empresa."
OWN = "No puede autorizar ni rechazar una operación que usted preparó."
NOT_AUTHORIZER = "Usted no está autorizado para aprobar este tipo de operación."
EXPIRED = "La operación venció al final del día hábil en que se preparó."
NOT_PENDING = "La operación ya no está pendiente ({state})."
ALREADY_YOURS = "Usted ya autorizó esta operación."
RACE = "Otro usuario acaba de autorizar esta operación; consulte su estado."


@dataclass(frozen=True)
class Outcome:
    operation_id: int
    ok: bool
    message: str
    executed: bool = False


def _operations(db: Session, actor: Actor, operation_ids: object) -> list[PendingOperation]:
    if (not isinstance(operation_ids, list | tuple) or not operation_ids
            or len(operation_ids) > MAX_AT_ONCE):
        raise ValidationError(f"Seleccione entre 1 y {MAX_AT_ONCE} operaciones.")
    return [access.company_row(db, actor, PendingOperation, op_id, "operacion", NOT_FOUND)
            for op_id in dict.fromkeys(operation_ids)]


def _check_decider(db: Session, actor: Actor, operation: PendingOperation) -> None:
    """A forged decision (own operation, a kind the user may not authorize) is denied and
    audited, and nothing of the batch is done."""
    if operation.prepared_by == actor.user_id:
        access.deny(db, actor, f"operacion:{operation.id}:propia", OWN)
    user = db.get(User, actor.user_id)
    if not rules.may_authorize(db, actor.company_id, operation.kind, user):
        access.deny(db, actor, f"operacion:{operation.id}:no_autorizador", NOT_AUTHORIZER)


def _still_pending(operation: PendingOperation, now: datetime) -> str:
    if operation.state != PENDIENTE:
        return NOT_PENDING.format(state=STATE_LABELS.get(operation.state, operation.state))
    if operation.expires_at <= now:
        return EXPIRED
    return ""


def authorize(db: Session, actor: Actor, operation_ids: object, token_code: object,
              now: datetime | None = None) -> list[Outcome]:
    """Authorize one or several operations with one token code; each one on its own."""
    now = now or utcnow()
    require(db, actor, rules.INBOX)
    operations = _operations(db, actor, operation_ids)
    for operation in operations:
        _check_decider(db, actor, operation)
    security_params.ensure_open(db, actor, "autorizacion", now)
    auth.confirm_with_token(db, actor, token_code, action="autorizacion_token_rechazado",
                            target="autorizacion", now=now)
    db.commit()  # the accepted time step is spent, whatever happens to each operation
    return [_authorize_one(db, actor, op.id, now) for op in operations]


def _authorize_one(db: Session, actor: Actor, operation_id: int, now: datetime) -> Outcome:
    operation = db.get(PendingOperation, operation_id)
    db.refresh(operation)
    refused = _still_pending(operation, now)
    if not refused:
        try:
            limits.check(db, operation.company_id, operation.prepared_by, operation.kind,
                         operation.amount, now, counted=True)
        except ValidationError as exc:
            refused = f"Quien la preparó {exc.message[0].lower()}{exc.message[1:]}"
    if refused:
        db.rollback()
        return Outcome(operation_id, False, refused)
    seen = operation.approvals
    db.add(OperationApproval(operation_id=operation_id, user_id=actor.user_id,
                             channel=actor.channel, created_at=now))
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        return Outcome(operation_id, False, ALREADY_YOURS)
    last = seen + 1 >= operation.required
    won = db.execute(update(PendingOperation).where(
        PendingOperation.id == operation_id, PendingOperation.state == PENDIENTE,
        PendingOperation.approvals == seen)
        .values(approvals=seen + 1, version=PendingOperation.version + 1,
                **({"state": AUTORIZADA, "decided_by": actor.user_id, "decided_at": now}
                   if last else {}))).rowcount
    if won != 1:
        db.rollback()
        return Outcome(operation_id, False, RACE)
    audit.record(db, "operacion_autorizada", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"operacion:{operation_id}",
                 after={"autorizaciones": seen + 1, "requeridas": operation.required,
                        "ejecutada": last}, ip=actor.ip, channel=actor.channel)
    db.commit()
    if not last:
        missing = operation.required - seen - 1
        return Outcome(operation_id, True, f"Autorización registrada: falta {missing} "
                       f"autorización{'es' if missing > 1 else ''} de otro usuario.")
    return _execute(db, operation_id, now)


def _execute(db: Session, operation_id: int, now: datetime) -> Outcome:
    """Run an operation whose last authorization just arrived, as its preparer."""
    operation = db.get(PendingOperation, operation_id)
    db.refresh(operation)
    payload = json.loads(operation.payload)
    try:
        preparer = access.actor_for_user(
            db, operation.prepared_by, operation.company_id, channel=access.WEB,
            inactive_message="Quien preparó la operación ya no está activo en la empresa.")
        require(db, preparer, SERVICE)
        if operation.kind == rules.PAGO:
            message = _run_payment(db, preparer, payload, now)
        elif operation.kind == rules.ARCHIVO:
            message = file_ops.run_file(db, preparer, payload, now)
        else:
            message = _run_programming(db, preparer, payload, now)
    except (AccessDenied, DomainError) as exc:
        db.rollback()
        message = f"No se ejecutó: {exc.message}"
        file_ops.file_closed(db, db.get(PendingOperation, operation_id), message)
    operation = db.get(PendingOperation, operation_id)
    operation.result = message[:300]
    db.add(operation)
    alerts.emit(db, [operation.prepared_by], alerts.PAGO, "Operación autorizada",
                f"Su operación «{operation.summary}» fue autorizada. {message}")
    db.commit()
    return Outcome(operation_id, True, message, executed=True)


def _run_payment(db: Session, preparer: Actor, payload: dict, now: datetime) -> str:
    clean = pay.clean_selections([tuple(item) for item in payload["selections"]])
    account = company_account(db, preparer, payload["account_id"])
    return prepare.payment_outcome(pay.pay_selections(db, preparer, clean, account, now))


def _run_programming(db: Session, preparer: Actor, payload: dict, now: datetime) -> str:
    enrollment = own_enrollment(db, preparer, payload["enrollment_id"])
    clean = autopay.RuleInput(
        account_id=payload["account_id"], days_before=payload["days_before"],
        max_amount=payload["max_amount"], start_on=date.fromisoformat(payload["start_on"]),
        end_on=date.fromisoformat(payload["end_on"]) if payload["end_on"] else None)
    account = company_account(db, preparer, clean.account_id)
    autopay.apply_rule(db, preparer, enrollment, clean, account, now)
    db.commit()
    return "La programación automática quedó activa."


def reject(db: Session, actor: Actor, operation_ids: object, reason: object,
           token_code: object, now: datetime | None = None) -> list[Outcome]:
    """Reject one or several operations, with the reason the preparer will read."""
    now = now or utcnow()
    require(db, actor, rules.INBOX)
    text = reason.strip() if isinstance(reason, str) else ""
    if not 3 <= len(text) <= 200:
        raise ValidationError("Escriba el motivo del rechazo (entre 3 y 200 caracteres).")
    operations = _operations(db, actor, operation_ids)
    for operation in operations:
        _check_decider(db, actor, operation)
    auth.confirm_with_token(db, actor, token_code, action="rechazo_token_rechazado",
                            target="rechazo", now=now)
    db.commit()
    return [_close(db, actor, op.id, RECHAZADA, text, now) for op in operations]


def cancel(db: Session, actor: Actor, operation_id: object,
           now: datetime | None = None) -> Outcome:
    """The preparer withdraws an operation that still waits (nothing moved yet)."""
    now = now or utcnow()
    operation = _operations(db, actor, [operation_id])[0]
    if operation.prepared_by != actor.user_id:
        access.deny(db, actor, f"operacion:{operation.id}:cancelar",
                    "Solo quien preparó la operación puede cancelarla.")
    return _close(db, actor, operation.id, CANCELADA, "Cancelada por quien la preparó", now)


def _close(db: Session, actor: Actor, operation_id: int, state: str, reason: str,
           now: datetime) -> Outcome:
    operation = db.get(PendingOperation, operation_id)
    db.refresh(operation)
    refused = _still_pending(operation, now) if state != CANCELADA else (
        "" if operation.state == PENDIENTE else
        NOT_PENDING.format(state=STATE_LABELS.get(operation.state, operation.state)))
    if refused:
        return Outcome(operation_id, False, refused)
    closed = db.execute(update(PendingOperation).where(
        PendingOperation.id == operation_id, PendingOperation.state == PENDIENTE)
        .values(state=state, reason=reason[:200], decided_by=actor.user_id, decided_at=now,
                version=PendingOperation.version + 1)).rowcount
    if closed != 1:
        db.rollback()
        return Outcome(operation_id, False, RACE)
    audit.record(db, f"operacion_{state}", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"operacion:{operation_id}",
                 after={"motivo": reason}, ip=actor.ip, channel=actor.channel)
    file_ops.file_closed(db, operation, f"{STATE_LABELS[state]}: {reason}")
    if state == RECHAZADA:
        alerts.emit(db, [operation.prepared_by], alerts.PAGO, "Operación rechazada",
                    f"Su operación «{operation.summary}» fue rechazada: {reason}")
    db.commit()
    return Outcome(operation_id, True, f"Operación {STATE_LABELS[state].lower()}.")
