"""Preparing an operation: a payment (one or several bills) or a programming. When the
company's rules ask for no authorization it runs at once, as before; otherwise it is kept
«Pendiente por autorizar» with who prepared it, confirmed with the preparer's token, and the
users who may authorize it are alerted. Either way it counts for the preparer's limits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from occireflex.domain import alerts, audit, auth, security_params
from occireflex.domain.access import Actor, require
from occireflex.domain.bogota import end_of_business_day, local_today
from occireflex.domain.dual import limits, rules
from occireflex.domain.errors import ValidationError
from occireflex.domain.money import format_money
from occireflex.domain.payments import billers, pay
from occireflex.domain.payments.accounts import company_account
from occireflex.domain.payments.autopay import rules as autopay
from occireflex.domain.payments.inscriptions import SERVICE, own_enrollment
from occireflex.models import AutoPayRule, Bill, Biller, Enrollment, PendingOperation, utcnow

PENDIENTE, AUTORIZADA = limits.PENDIENTE, limits.AUTORIZADA
NOT_ENOUGH = ("No hay suficientes usuarios autorizadores para esta operación: se requieren "
              "{n} distintos de quien la prepara. Revise la Configuración de Autorizaciones.")


@dataclass(frozen=True)
class Submission:
    """What «Aceptar y Confirmar» did: paid now (``results``) or kept for authorization."""

    operation_id: int | None
    required: int
    results: list[pay.PayResult] = field(default_factory=list)
    rule: AutoPayRule | None = None


def record(db: Session, actor: Actor, kind: str, *, summary: str, amount: int, items: int,
            account_id: int | None, payload: dict, required: int, now: datetime,
            state: str) -> PendingOperation:
    operation = PendingOperation(
        company_id=actor.company_id, kind=kind, state=state, summary=summary[:300],
        amount=amount, items=items, account_id=account_id, payload=json.dumps(payload),
        required=required, prepared_by=actor.user_id, prepared_at=now,
        prepared_day=limits.day_key(local_today(now)), expires_at=end_of_business_day(now),
        decided_at=now if state == AUTORIZADA else None)
    db.add(operation)
    db.flush()
    return operation


def keep_for_authorization(db: Session, actor: Actor, operation: PendingOperation) -> None:
    audit.record(db, "operacion_preparada", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"operacion:{operation.id}",
                 after={"tipo": rules.KINDS[operation.kind], "resumen": operation.summary,
                        "valor": operation.amount,
                        "autorizaciones_requeridas": operation.required},
                 ip=actor.ip, channel=actor.channel)
    others = rules.authorizers(db, actor.company_id, operation.kind, besides=actor.user_id)
    alerts.emit(db, [u.id for u in others], alerts.POR_AUTORIZAR,
                "Operación pendiente de su autorización",
                f"{actor.full_name} preparó «{operation.summary}» por "
                f"{format_money(operation.amount)}; requiere su autorización en "
                "Transacciones Pendientes por Autorizar.")


def required_authorizations(db: Session, actor: Actor, kind: str, amount: int) -> int:
    required = rules.required_for(db, actor.company_id, kind, amount)
    if required and len(rules.authorizers(db, actor.company_id, kind,
                                          besides=actor.user_id)) < required:
        raise ValidationError(NOT_ENOUGH.format(n=required))
    return required


def _checked_total(db: Session, clean: list[tuple[int, int, int]],
                   enrollments: dict[int, Enrollment]) -> int:
    """The bills as the summary showed them: each one the current pending bill of its
    inscription, at the version shown; their total (centavos)."""
    total = 0
    for enrollment_id, bill_id, version in clean:
        enrollment, bill = enrollments[enrollment_id], db.get(Bill, bill_id)
        if bill is None or (bill.biller_id, bill.reference) != (enrollment.biller_id,
                                                                enrollment.reference):
            raise ValidationError("La selección de facturas no es válida.")
        if bill.status != billers.PENDIENTE:
            raise ValidationError(f"La factura ref. {enrollment.reference} ya fue pagada.")
        if bill.version != version:
            raise ValidationError(pay.CHANGED)
        total += bill.amount
    return total


def payment_summary(db: Session, enrollments: dict[int, Enrollment]) -> str:
    names = [f"{db.get(Biller, e.biller_id).name} ref. {e.reference}"
             for e in enrollments.values()]
    head = f"{len(names)} factura{'s' if len(names) != 1 else ''}: "
    return (head + ", ".join(names))[:300]


def payment_outcome(results: list[pay.PayResult]) -> str:
    """«2 de 3 factura(s) pagada(s) por $…», then each failure with its reason."""
    paid = [r for r in results if r.ok]
    text = (f"{len(paid)} de {len(results)} factura(s) pagada(s) por "
            f"{format_money(sum(r.amount for r in paid))}.")
    failed = [f"{r.biller_name} ref. {r.reference}: {r.reason}" for r in results if not r.ok]
    return text + (" " + "; ".join(failed) if failed else "")


def submit_payment(db: Session, actor: Actor, selections: object, account_id: object,
                   token_code: object, now: datetime | None = None) -> Submission:
    """«Aceptar y Confirmar» of Pagar: pays now, or keeps the payment for authorization."""
    now = now or utcnow()
    require(db, actor, SERVICE)
    clean = pay.clean_selections(selections)
    security_params.ensure_open(db, actor, "pago", now)
    account = company_account(db, actor, account_id)
    enrollments = {e: own_enrollment(db, actor, e) for e, _, _ in clean}
    total = _checked_total(db, clean, enrollments)
    pay.ensure_funds(account, total)  # before the token: a code is never spent for nothing
    limits.check(db, actor.company_id, actor.user_id, rules.PAGO, total, now)
    required = required_authorizations(db, actor, rules.PAGO, total)
    summary = payment_summary(db, enrollments)
    payload = {"selections": [list(item) for item in clean], "account_id": account.id}
    if required == 0:
        results = pay.pay_bills(db, actor, clean, account.id, token_code, now)
        paid = [r for r in results if r.ok]
        if paid:
            record(db, actor, rules.PAGO, summary=summary, amount=sum(r.amount for r in paid),
                   items=len(paid), account_id=account.id, payload=payload, required=0,
                   now=now, state=AUTORIZADA)
        alerts.emit(db, [actor.user_id], alerts.PAGO,
                    "Pago realizado" if len(paid) == len(results) else "Pago con novedades",
                    payment_outcome(results))
        db.commit()
        return Submission(None, 0, results)
    if pay.asks_token(db, actor, total) or token_code != "":
        auth.confirm_with_token(db, actor, token_code, action="pago_token_rechazado",
                                target="pago", now=now)
    operation = record(db, actor, rules.PAGO, summary=summary, amount=total,
                       items=len(clean), account_id=account.id, payload=payload,
                       required=required, now=now, state=PENDIENTE)
    keep_for_authorization(db, actor, operation)
    db.commit()
    return Submission(operation.id, required)


def submit_programming(db: Session, actor: Actor, enrollment_id: object, values: object,
                       token_code: object, now: datetime | None = None) -> Submission:
    """Guardar of «Programación automática»: saved now, or kept for authorization (its
    amount: the programming's maximum)."""
    now = now or utcnow()
    enrollment, clean, account = autopay.checked_rule(db, actor, enrollment_id, values, now)
    limits.check(db, actor.company_id, actor.user_id, rules.PROGRAMACION, clean.max_amount,
                 now)
    required = required_authorizations(db, actor, rules.PROGRAMACION, clean.max_amount)
    auth.confirm_with_token(db, actor, token_code, action="programacion_token_rechazado",
                            target=f"inscripcion:{enrollment.id}", now=now)
    biller = db.get(Biller, enrollment.biller_id)
    summary = f"Programación automática: {biller.name} ref. {enrollment.reference}"
    payload = {"enrollment_id": enrollment.id, "account_id": account.id,
               "days_before": clean.days_before, "max_amount": clean.max_amount,
               "start_on": clean.start_on.isoformat(),
               "end_on": clean.end_on.isoformat() if clean.end_on else None}
    operation = record(db, actor, rules.PROGRAMACION, summary=summary,
                       amount=clean.max_amount, items=1, account_id=account.id,
                       payload=payload, required=required, now=now,
                       state=AUTORIZADA if required == 0 else PENDIENTE)
    if required == 0:
        return Submission(None, 0, rule=autopay.apply_rule(db, actor, enrollment, clean,
                                                           account, now))
    keep_for_authorization(db, actor, operation)
    db.commit()
    return Submission(operation.id, required)
