"""Consultas > Movimientos > Detalles de Movimientos: the ledger of one company account.

Every payment writes a ``Movement`` whose reference is the receipt (comprobante), so each
payment shows here. Rules as in ``payments/transactions.py``: the account must belong to the
actor's company (another company's id is refused and audited), «Consultar» to list, and
each export action checked on its own; dates are days in America/Bogota; newest first;
paging in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func
from sqlmodel import Session, select

from occireflex import catalog
from occireflex.domain import audit
from occireflex.domain.access import Actor, require
from occireflex.domain.bogota import local_moment
from occireflex.domain.errors import ValidationError
from occireflex.domain.exports import EXPORT_MAX, TableExport, check_export_action
from occireflex.domain.money import format_money
from occireflex.domain.paging import DateRange, Option, clamp_page, offset, page_size_of, parse_range
from occireflex.domain.payments.accounts import (
    account_label,
    account_option_label,
    company_account,
    company_accounts,
)
from occireflex.models import Account, Movement

SERVICE = catalog.MOVIMIENTOS_DETALLES


@dataclass(frozen=True)
class MovementRow:
    id: int
    when: str  # YYYY/MM/DD HH:MM, America/Bogota
    description: str
    reference: str
    amount: int  # signed centavos: debits negative
    balance: int  # balance after the movement

    @property
    def debit(self) -> int:
        return -self.amount if self.amount < 0 else 0

    @property
    def credit(self) -> int:
        return self.amount if self.amount > 0 else 0


@dataclass(frozen=True)
class AccountSummary:
    id: int
    label: str
    name: str
    available: int
    current: int


@dataclass(frozen=True)
class MovementPage:
    account: AccountSummary
    rows: list[MovementRow]
    total: int
    page: int
    page_size: int
    debits: int  # centavos over every matching movement
    credits: int
    range: DateRange


def account_options(db: Session, actor: Actor) -> list[Option]:
    """The company's accounts, by number; the first is the default choice."""
    require(db, actor, SERVICE)
    return [Option(a.id, account_option_label(a)) for a in company_accounts(db, actor)]


def _resolve(db: Session, actor: Actor, account_id: object, date_from: object,
             date_to: object, now: datetime | None) -> tuple[Account, DateRange]:
    if account_id is None:
        raise ValidationError("Seleccione la cuenta que desea consultar.")
    account = company_account(db, actor, account_id)
    return account, parse_range(date_from, date_to, now)


def _conditions(account: Account, dates: DateRange) -> list:
    first, after = dates.bounds()
    return [Movement.account_id == account.id, Movement.company_id == account.company_id,
            Movement.created_at >= first, Movement.created_at < after]


def _row(m: Movement) -> MovementRow:
    return MovementRow(m.id, local_moment(m.created_at), m.description, m.reference, m.amount,
                       m.balance_after)


def _summary(account: Account) -> AccountSummary:
    return AccountSummary(account.id, account_label(account), account.name, account.available,
                          account.current)


def list_movements(db: Session, actor: Actor, account_id: object, date_from: object = None,
                   date_to: object = None, page: object = 1, page_size: object = 10,
                   now: datetime | None = None) -> MovementPage:
    """One page of an account's movements, newest first."""
    require(db, actor, SERVICE, catalog.CONSULTAR)
    account, dates = _resolve(db, actor, account_id, date_from, date_to, now)
    conditions = _conditions(account, dates)
    size = page_size_of(page_size)
    total, debit_sum, credit_sum = db.exec(select(
        func.count(Movement.id),
        func.coalesce(func.sum(case((Movement.amount < 0, -Movement.amount), else_=0)), 0),
        func.coalesce(func.sum(case((Movement.amount > 0, Movement.amount), else_=0)), 0),
    ).where(*conditions)).one()
    number = clamp_page(page, total, size)
    rows = db.exec(select(Movement).where(*conditions)
                   .order_by(Movement.created_at.desc(), Movement.id.desc())
                   .offset(offset(number, size)).limit(size)).all()
    return MovementPage(_summary(account), [_row(m) for m in rows], total, number, size,
                        int(debit_sum), int(credit_sum), dates)


EXPORT_HEADERS = ("Fecha", "Descripción", "Referencia", "Débito", "Crédito", "Saldo")
PDF_WIDTHS = (30, 107, 40, 33, 33, 34)
PDF_RIGHT = (3, 4, 5)


@dataclass(frozen=True)
class Export(TableExport):
    SHEET, TITLE = "Movimientos", "Detalles de Movimientos"
    HEADERS, PDF_WIDTHS, PDF_RIGHT = EXPORT_HEADERS, PDF_WIDTHS, PDF_RIGHT
    rows: list[MovementRow]
    account: AccountSummary
    range: DateRange
    subtitle: str

    def xlsx_rows(self) -> list[tuple[object, ...]]:
        """Débito, Crédito and Saldo as numbers of pesos (Decimal, exact)."""
        return [(r.when, r.description, r.reference,
                 Decimal(r.debit) / 100 if r.debit else None,
                 Decimal(r.credit) / 100 if r.credit else None,
                 Decimal(r.balance) / 100) for r in self.rows]

    def text_rows(self) -> list[tuple[str, ...]]:
        return [(r.when, r.description, r.reference,
                 format_money(r.debit) if r.debit else "",
                 format_money(r.credit) if r.credit else "", format_money(r.balance))
                for r in self.rows]

    def file_name(self, ext: str) -> str:
        number = self.account.label.split()[-1]
        return f"movimientos-{number}-{self.range.start:%Y%m%d}-{self.range.end:%Y%m%d}.{ext}"


def export(db: Session, actor: Actor, account_id: object, date_from: object, date_to: object,
           action: object, now: datetime | None = None) -> Export:
    """Every movement of the account in the range (not one page) for Excel, PDF or print."""
    check_export_action(db, actor, SERVICE, action)
    account, dates = _resolve(db, actor, account_id, date_from, date_to, now)
    conditions = _conditions(account, dates)
    total = db.exec(select(func.count(Movement.id)).where(*conditions)).one()
    if total > EXPORT_MAX:
        raise ValidationError(
            f"La consulta tiene {total:,} movimientos; el máximo por exportación es "
            f"{EXPORT_MAX:,}. Acote el rango de fechas.")
    rows = db.exec(select(Movement).where(*conditions)
                   .order_by(Movement.created_at.desc(), Movement.id.desc())).all()
    audit.record_read(actor, f"movimientos_exportados_{action}", target=f"cuenta:{account.id}",
                      after={"movimientos": len(rows), "desde": str(dates.start),
                        "hasta": str(dates.end)})
    found = [_row(m) for m in rows]
    subtitle = (f"{actor.company_name} · NIT {actor.company_nit} · {account_label(account)} · "
                f"{dates.label()} · {len(found)} movimientos · Débitos "
                f"{format_money(sum(r.debit for r in found))} · Créditos "
                f"{format_money(sum(r.credit for r in found))}")
    return Export(found, _summary(account), dates, subtitle)


def authorize_print(db: Session, actor: Actor, account_id: object) -> None:
    """«Imprimir» (the page as shown, with the print stylesheet): grant, account, audit."""
    require(db, actor, SERVICE, catalog.IMPRIMIR)
    account = company_account(db, actor, account_id)
    audit.record_read(actor, "movimientos_impresos", target=f"cuenta:{account.id}")
