"""Paying bills: one or several, manual (with the token) or programmed (the sweep).

Every bill is paid in its own transaction: debit the account (only if funds suffice),
write the ledger movement and the payment with its receipt, mark the bill paid. The
database refuses a second successful payment of a bill (partial unique index), so no
double click, second tab, second user or concurrent sweep can pay a bill twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from occireflex.domain import audit, auth, security_params
from occireflex.domain.access import Actor, require
from occireflex.domain.bogota import day_text, local_today
from occireflex.domain.errors import ValidationError
from occireflex.domain.money import format_money
from occireflex.domain.payments import billers
from occireflex.domain.payments.accounts import company_account, company_accounts
from occireflex.domain.payments.inscriptions import SERVICE, own_enrollment
from occireflex.models import Account, Bill, Biller, Enrollment, Movement, Payment, utcnow

MANUAL, PROGRAMADO = "manual", "programado"
EXITOSA, FALLIDA = "exitosa", "fallida"
MAX_BILLS_PER_PAYMENT = 50

ALREADY_PAID = "La factura ya fue pagada."
INSUFFICIENT = "Fondos insuficientes en la cuenta débito."
CHANGED = "La factura cambió después de revisarla; consulte el nuevo valor e intente de nuevo."
TOKEN_INVALID = auth.TOKEN_INVALID
TOKEN_REQUIRED = "Este pago requiere el token: ingrese el código de su token."
SHORT_OF_FUNDS = ("Fondos insuficientes en la cuenta débito: disponible {available} para un "
                  "total de {total}. Quite las facturas señaladas o elija otra cuenta.")


@dataclass(frozen=True)
class BillLine:
    """One bill as shown in the summary before paying."""

    enrollment_id: int
    bill_id: int
    bill_version: int
    biller_name: str
    reference: str
    alias: str
    amount: int
    due_on: str
    state: str


@dataclass(frozen=True)
class PayResult:
    bill_id: int
    biller_name: str
    reference: str
    amount: int
    ok: bool
    receipt: str
    reason: str


def receipt_for(bill_id: int, when: datetime) -> str:
    """Comprobante: payment date and the bill id (a bill is paid successfully once)."""
    return f"{local_today(when):%y%m%d}{bill_id:010d}"


def payable_lines(db: Session, actor: Actor, enrollment_ids: object,
                  now: datetime | None = None) -> list[BillLine]:
    """The current pending bill of each selected inscription (the payment summary)."""
    require(db, actor, SERVICE)
    if (not isinstance(enrollment_ids, list | tuple) or not enrollment_ids
            or len(enrollment_ids) > MAX_BILLS_PER_PAYMENT
            or not all(isinstance(i, int) and not isinstance(i, bool) for i in enrollment_ids)):
        raise ValidationError(
            f"Seleccione entre 1 y {MAX_BILLS_PER_PAYMENT} inscripciones para pagar.")
    today = local_today(now or utcnow())
    lines = []
    for enrollment_id in dict.fromkeys(enrollment_ids):
        enrollment = own_enrollment(db, actor, enrollment_id)
        biller = db.get(Biller, enrollment.biller_id)
        bill = billers.ensure_current_bill(db, biller, enrollment.reference, today)
        state = billers.display_state(bill, today)
        if bill.status != billers.PENDIENTE:
            raise ValidationError(
                f"La factura de {biller.name} ref. {enrollment.reference} ya está pagada.")
        lines.append(BillLine(enrollment.id, bill.id, bill.version, biller.name,
                              enrollment.reference, enrollment.alias, bill.amount,
                              day_text(bill.due_on), state))
    return lines


def _debit(db: Session, account_id: int, company_id: int, amount: int) -> int | None:
    """Debit if funds suffice; returns the new current balance, or None."""
    result = db.execute(
        update(Account)
        .where(Account.id == account_id, Account.company_id == company_id,
               Account.available >= amount)
        .values(available=Account.available - amount, current=Account.current - amount,
                updated_at=utcnow())
        .returning(Account.current))
    row = result.first()
    return None if row is None else row[0]


def _record_failure(db: Session, *, company_id: int, enrollment_id: int, bill: Bill,
                    account_id: int, channel: str, reason: str, user_id: int | None,
                    attempt_key: str | None, now: datetime) -> None:
    db.add(Payment(company_id=company_id, enrollment_id=enrollment_id, bill_id=bill.id,
                   account_id=account_id, amount=bill.amount, channel=channel, status=FALLIDA,
                   reason=reason, attempt_key=attempt_key, user_id=user_id, created_at=now))


def pay_one(db: Session, *, company_id: int, enrollment: Enrollment, bill_id: int,
            expected_version: int, account: Account, channel: str, user_id: int | None,
            now: datetime, attempt_key: str | None = None) -> PayResult:
    """Pay one bill in the caller's transaction; the caller commits (or rolls back)."""
    bill = db.get(Bill, bill_id)
    biller = db.get(Biller, enrollment.biller_id)
    base = {"bill_id": bill_id, "biller_name": biller.name, "reference": enrollment.reference}
    if (bill is None or bill.biller_id != enrollment.biller_id
            or bill.reference != enrollment.reference):
        return PayResult(**base, amount=0, ok=False, receipt="", reason=CHANGED)
    if bill.status == billers.PAGADA:
        return PayResult(**base, amount=bill.amount, ok=False, receipt="", reason=ALREADY_PAID)
    if bill.version != expected_version:
        return PayResult(**base, amount=bill.amount, ok=False, receipt="", reason=CHANGED)
    receipt = receipt_for(bill.id, now)
    db.add(Payment(company_id=company_id, enrollment_id=enrollment.id, bill_id=bill.id,
                   account_id=account.id, amount=bill.amount, channel=channel, status=EXITOSA,
                   receipt=receipt, attempt_key=attempt_key, user_id=user_id, created_at=now))
    db.flush()  # the unique index refuses a second successful payment here
    balance = _debit(db, account.id, company_id, bill.amount)
    if balance is None:
        raise _Insufficient()
    db.add(Movement(account_id=account.id, company_id=company_id, amount=-bill.amount,
                    balance_after=balance, reference=receipt, created_at=now,
                    description=f"Pago {biller.name} ref. {enrollment.reference}"[:200]))
    marked = db.execute(update(Bill).where(Bill.id == bill.id, Bill.status == billers.PENDIENTE,
                                           Bill.version == expected_version)
                        .values(status=billers.PAGADA))
    if marked.rowcount != 1:  # the biller changed the bill meanwhile
        raise _Changed()
    return PayResult(**base, amount=bill.amount, ok=True, receipt=receipt, reason="")


class _Insufficient(Exception):
    pass


class _Changed(Exception):
    pass


def clean_selections(selections: object) -> list[tuple[int, int, int]]:
    """(enrollment id, bill id, bill version) triples as the browser sent them, checked."""
    if (not isinstance(selections, list | tuple) or not selections
            or len(selections) > MAX_BILLS_PER_PAYMENT):
        raise ValidationError(
            f"Seleccione entre 1 y {MAX_BILLS_PER_PAYMENT} facturas para pagar.")
    clean = []
    for item in selections:
        if (not isinstance(item, list | tuple) or len(item) != 3
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in item)):
            raise ValidationError("La selección de facturas no es válida.")
        clean.append(tuple(item))
    return clean


def selection_total(db: Session, clean: list[tuple[int, int, int]]) -> int:
    """What the selected bills add up to now (centavos)."""
    return int(db.exec(select(func.coalesce(func.sum(Bill.amount), 0)).where(
        col(Bill.id).in_({bill_id for _, bill_id, _ in clean}))).one())


def pay_bills(db: Session, actor: Actor, selections: object, account_id: object,
              token_code: object, now: datetime | None = None) -> list[PayResult]:
    """«Aceptar y Confirmar» when no authorization is needed: verify the token once, then
    pay each bill on its own (``domain/dual/prepare.submit_payment`` decides).

    ``selections`` are (enrollment id, bill id, bill version) as shown in the summary.
    Commits per bill: a failure touches nothing of that bill and does not stop the rest.
    """
    now = now or utcnow()
    require(db, actor, SERVICE)
    clean = clean_selections(selections)
    security_params.ensure_open(db, actor, "pago", now)
    account = company_account(db, actor, account_id)
    enrollments = {e: own_enrollment(db, actor, e) for e, _, _ in clean}
    token_asked = asks_token(db, actor, selection_total(db, clean))
    if token_asked and token_code == "":  # the screen did not ask for it: not a failure
        raise ValidationError(TOKEN_REQUIRED)
    if token_asked:
        auth.confirm_with_token(db, actor, token_code, action="pago_token_rechazado",
                                target="pago", now=now)
        db.commit()  # the accepted time step is spent, whatever happens to the bills
    return pay_selections(db, actor, clean, account, now, token_asked, enrollments)


def pay_selections(db: Session, actor: Actor, clean: list[tuple[int, int, int]],
                   account: Account, now: datetime, token_asked: bool = True,
                   enrollments: dict[int, Enrollment] | None = None) -> list[PayResult]:
    """Pay each checked selection in its own committed transaction, for ``actor`` (who
    prepared the payment); also runs an authorized operation (``domain/dual/decide``)."""
    enrollments = enrollments or {e: own_enrollment(db, actor, e) for e, _, _ in clean}
    return [_pay_committed(db, actor, enrollments[enrollment_id], bill_id, version, account,
                           now, token_asked)
            for enrollment_id, bill_id, version in clean]


def asks_token(db: Session, actor: Actor, total: int) -> bool:
    """Whether a payment of ``total`` centavos asks for the token again: always, unless the
    company lets payments up to an amount go with the login's token (Parámetros Generales
    y de Seguridad)."""
    free_up_to = security_params.of_company(db, actor.company_id).token_free_up_to
    return not (free_up_to and 0 < total <= free_up_to)


def _pay_committed(db: Session, actor: Actor, enrollment: Enrollment, bill_id: int,
                   version: int, account: Account, now: datetime,
                   token_asked: bool = True) -> PayResult:
    args = {"company_id": actor.company_id, "enrollment": enrollment, "bill_id": bill_id,
            "expected_version": version, "account": account, "channel": MANUAL,
            "user_id": actor.user_id, "now": now}
    try:
        result = pay_one(db, **args)
    except IntegrityError:
        db.rollback()
        result = _failed(db, enrollment, bill_id, ALREADY_PAID)
    except _Insufficient:
        db.rollback()
        result = _failed(db, enrollment, bill_id, INSUFFICIENT)
    except _Changed:
        db.rollback()
        result = _failed(db, enrollment, bill_id, CHANGED)
    if not result.ok:
        bill = db.get(Bill, bill_id)
        if (bill is not None and bill.biller_id == enrollment.biller_id
                and bill.reference == enrollment.reference):
            _record_failure(db, company_id=actor.company_id, enrollment_id=enrollment.id,
                            bill=bill, account_id=account.id, channel=MANUAL,
                            reason=result.reason, user_id=actor.user_id, attempt_key=None,
                            now=now)
    audit.record(db, "pago_exitoso" if result.ok else "pago_fallido",
                 company_id=actor.company_id, user_id=actor.user_id,
                 target=f"factura:{bill_id}", outcome="ok" if result.ok else "fallido",
                 after={"comprobante": result.receipt, "valor": result.amount,
                        "cuenta": account.number, "motivo": result.reason,
                        **({} if token_asked else {"token": "no (monto permitido sin token)"})},
                 ip=actor.ip, channel=actor.channel)
    db.commit()
    return result


def _failed(db: Session, enrollment: Enrollment, bill_id: int, reason: str) -> PayResult:
    bill = db.get(Bill, bill_id)
    biller = db.get(Biller, enrollment.biller_id)
    own = bill is not None and (bill.biller_id, bill.reference) == (enrollment.biller_id,
                                                                    enrollment.reference)
    return PayResult(bill_id, biller.name, enrollment.reference, bill.amount if own else 0,
                     False, "", reason)


def funds_cover(available: int, amounts: list[int]) -> list[bool]:
    """Which bills, in the order shown, the available balance covers, each one after the
    ones before it that it covers (the confirmation panel flags the others)."""
    covered, left = [], available
    for amount in amounts:
        covered.append(amount <= left)
        left -= amount if amount <= left else 0
    return covered


def ensure_funds(account: Account, total: int) -> None:
    """Refuse, before any token is asked, a payment the account cannot cover whole."""
    if total > account.available:
        raise ValidationError(SHORT_OF_FUNDS.format(available=format_money(account.available),
                                                    total=format_money(total)))


def funds_summary(db: Session, actor: Actor, account_id: object, amounts: list[int]
                  ) -> tuple[str, str, list[bool]]:
    """For the summary, from one read of the account: its available balance and what is
    left after paying ``amounts`` (formatted), and which of them it covers."""
    require(db, actor, SERVICE)
    available = company_account(db, actor, account_id).available
    return (format_money(available), format_money(available - sum(amounts)),
            funds_cover(available, amounts))


def balance_after(db: Session, actor: Actor, account_id: object, total: int) -> tuple[str, str]:
    """(available now, available after paying ``total``) formatted."""
    available, after, _ = funds_summary(db, actor, account_id, [total])
    return available, after


def accounts_for(db: Session, actor: Actor) -> list[Account]:
    require(db, actor, SERVICE)
    return company_accounts(db, actor)
