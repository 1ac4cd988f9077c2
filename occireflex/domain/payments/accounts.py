"""Accounts and balances (Consultas > Saldos)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from occireflex import catalog
from occireflex.domain.access import Actor, company_row, require
from occireflex.models import Account

CORRIENTE, AHORROS = "corriente", "ahorros"
BALANCES_SERVICE = catalog.SALDOS_POR_PRODUCTO


@dataclass(frozen=True)
class BalanceRow:
    number: str
    name: str
    available: int
    clearing: int
    current: int


def balances(db: Session, actor: Actor) -> dict[str, list[BalanceRow]]:
    """The company's accounts by kind; requires «Consultar» on Saldos - Por Producto."""
    require(db, actor, BALANCES_SERVICE, catalog.CONSULTAR)
    rows = db.exec(
        select(Account).where(Account.company_id == actor.company_id).order_by(Account.number)
    ).all()
    result: dict[str, list[BalanceRow]] = {CORRIENTE: [], AHORROS: []}
    for acc in rows:
        result.setdefault(acc.kind, []).append(
            BalanceRow(acc.number, acc.name, acc.available, acc.clearing, acc.current)
        )
    return result


def company_account(db: Session, actor: Actor, account_id: object) -> Account:
    """One of the actor's company accounts; another company's or a forged id is denied
    (and audited) with the same message."""
    return company_row(db, actor, Account, account_id, "cuenta",
                       "La cuenta no pertenece a su empresa.")


def company_accounts(db: Session, actor: Actor) -> list[Account]:
    """The company's accounts by number (no grant check: the caller made it)."""
    return list(db.exec(select(Account).where(Account.company_id == actor.company_id)
                        .order_by(Account.number)).all())


def account_label(account: Account) -> str:
    """«Corriente 0123456789»."""
    kind = "Corriente" if account.kind == CORRIENTE else "Ahorros"
    return f"{kind} {account.number}"


def account_option_label(account: Account) -> str:
    """«Corriente 0123456789 · Nómina»: an account in a filter select."""
    return f"{account_label(account)} · {account.name}" if account.name else account_label(account)


def mask_account(number: str) -> str:
    return number if len(number) <= 4 else "*" * (len(number) - 4) + number[-4:]
