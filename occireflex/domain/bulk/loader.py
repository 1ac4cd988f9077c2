"""Inscribing a checked file in one transaction, fast: the database-specific bulk inserts
(SQLite one executemany over ready tuples; PostgreSQL COPY through ``fastinsert``) of the
inscriptions, their programming and each current bill.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from occireflex.domain import audit
from occireflex.domain.access import Actor
from occireflex.domain.bogota import local_today
from occireflex.domain.bulk.layout import Progress
from occireflex.domain.bulk.rows import Planned
from occireflex.domain.errors import ValidationError
from occireflex.domain.fastinsert import insert_rows
from occireflex.domain.payments import billers
from occireflex.domain.payments.autopay import RuleInput
from occireflex.models import AutoPayRule, Bill, BulkFile, Enrollment


def enroll(db: Session, actor: Actor, bulk: BulkFile, planned: list[Planned], now: datetime,
           progress: Progress | None) -> int:
    """Inscribe and program every planned row, with each current bill, in the caller's
    transaction (all or nothing); returns how many. The caller commits."""
    if not planned:
        raise ValidationError("El archivo no tiene filas de datos.")
    today = local_today(now)
    conn = db.connection()
    sqlite = conn.dialect.name == "sqlite"
    e = Enrollment.__table__
    try:
        if sqlite:
            before = conn.execute(select(func.max(e.c.id))).scalar() or 0
            _sqlite_insert(conn, e, _ENROLLMENT_COLUMNS, planned, lambda cell, p: (
                cell["company_id"], p.biller_id, p.reference, p.alias, p.account_id,
                cell["created_by"], cell["created_at"], cell["updated_at"], None),
                {"company_id": actor.company_id, "created_by": actor.user_id,
                 "created_at": now, "updated_at": now})
        else:
            insert_rows(conn, e, [
                {"company_id": actor.company_id, "biller_id": p.biller.id,
                 "reference": p.reference, "alias": p.alias, "account_id": p.account_id,
                 "created_by": actor.user_id, "created_at": now, "updated_at": now,
                 "deleted_at": None} for p in planned])
    except IntegrityError as exc:  # someone inscribed one of them meanwhile
        db.rollback()
        raise ValidationError("Otra operación inscribió una de las referencias mientras se "
                              "procesaba el archivo: no se inscribió nada.") from exc
    if progress is not None:
        progress(0.7, "Programando pagos")
    ids: Iterable[int] | None = None
    if sqlite:  # one executemany gives max(rowid) + 1 each time: consecutive ids, in order
        low, high, count = conn.execute(select(func.min(e.c.id), func.max(e.c.id),
                                               func.count()).where(e.c.id > before)).one()
        if count == len(planned) and low == before + 1 and high == before + len(planned):
            ids = range(low, high + 1)
    if ids is None:
        by_pair = {(b, r): i for i, b, r in conn.execute(
            select(e.c.id, e.c.biller_id, e.c.reference).where(
                e.c.company_id == actor.company_id, e.c.deleted_at.is_(None)))}  # unique
        ids = [by_pair[(p.biller_id, p.reference)] for p in planned]
    r = AutoPayRule.__table__
    if sqlite:
        _sqlite_insert(conn, r, _RULE_COLUMNS, zip(ids, planned, strict=True),
                       lambda cell, item: (item[0], cell["company_id"],
                                           *_rule_cells(cell, item[1].rule)),
                       {"company_id": actor.company_id, "is_active": True,
                        "created_by": actor.user_id, "updated_at": now})
    else:
        insert_rows(conn, r, [
            {"enrollment_id": i, "company_id": actor.company_id,
             "account_id": p.rule.account_id, "days_before": p.rule.days_before,
             "max_amount": p.rule.max_amount, "start_on": p.rule.start_on,
             "end_on": p.rule.end_on, "is_active": True, "created_by": actor.user_id,
             "updated_at": now} for i, p in zip(ids, planned, strict=True)])
    del ids
    if progress is not None:
        progress(0.85, "Consultando facturas")
    spans: dict[int, tuple] = {}
    for p in planned:
        if p.biller_id not in spans:
            period, issued, due = billers.current_period(p.biller, today)
            # a plain copy for bill_amount: ORM attribute reads cost more than the hash
            plain = SimpleNamespace(code=p.biller.code, amount_min=p.biller.amount_min,
                                    amount_max=p.biller.amount_max)
            spans[p.biller_id] = (plain, period, issued, due)
    amount = billers.bill_amount
    if sqlite:
        dated = {b: (plain, period, issued.isoformat(), due.isoformat())
                 for b, (plain, period, issued, due) in spans.items()}
        quote = conn.dialect.identifier_preparer.quote
        rows = []
        for p in planned:
            plain, period, issued, due = dated[p.biller_id]
            rows.append((p.biller_id, p.reference, period,
                         amount(plain, p.reference, period), issued, due, billers.PENDIENTE, 1))
        conn.exec_driver_sql(
            f"INSERT INTO {quote(Bill.__table__.name)} ({', '.join(_BILL_COLUMNS)}) VALUES "
            f"({', '.join('?' * len(_BILL_COLUMNS))}) ON CONFLICT (biller_id, reference, "
            "period) DO NOTHING", rows)
        del rows
    else:
        bills = []
        for p in planned:
            plain, period, issued, due = spans[p.biller_id]
            bills.append({"biller_id": p.biller_id, "reference": p.reference,
                          "period": period, "amount": amount(plain, p.reference, period),
                          "issued_on": issued, "due_on": due, "status": billers.PENDIENTE,
                          "version": 1})
        billers.insert_bills(db, bills)
    bulk.inscribed = len(planned)
    db.add(bulk)
    audit.record(db, "carga_programacion_procesada", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"archivo:{bulk.id}",
                 after={"archivo": bulk.name, "filas": len(planned), "inscritas": len(planned)},
                 ip=actor.ip, channel=actor.channel)
    return len(planned)


_ENROLLMENT_COLUMNS = ("company_id", "biller_id", "reference", "alias", "account_id",
                       "created_by", "created_at", "updated_at", "deleted_at")
_RULE_COLUMNS = ("enrollment_id", "company_id", "account_id", "days_before", "max_amount",
                 "start_on", "end_on", "is_active", "created_by", "updated_at")
_BILL_COLUMNS = ("biller_id", "reference", "period", "amount", "issued_on", "due_on",
                 "status", "version")


class _Cells(dict):
    """Values as the column types store them (SQLAlchemy's bind processors), each value
    converted once: the constants given, and the rule values remembered by rule."""

    def __init__(self, conn, table, constants: dict) -> None:
        super().__init__()
        self.conn, self.table, self.rules = conn, table, {}
        for column, value in constants.items():
            self[column] = self.convert(column, value)

    def convert(self, column: str, value: object) -> object:
        process = self.table.c[column].type.bind_processor(self.conn.dialect)
        if process is not None and value is not None:
            value = process(value)
        # and then what the driver would do per row (datetime → text), done once here
        adapt = sqlite3.adapters.get((type(value), sqlite3.PrepareProtocol))
        return value if adapt is None else adapt(value)


def _rule_cells(cell: _Cells, rule: RuleInput) -> tuple:
    done = cell.rules.get(id(rule))
    if done is None:  # the planned rows share one RuleInput per distinct programming
        done = cell.rules[id(rule)] = (
            rule.account_id, rule.days_before, rule.max_amount,
            cell.convert("start_on", rule.start_on), cell.convert("end_on", rule.end_on),
            cell["is_active"], cell["created_by"], cell["updated_at"])
    return done


def _sqlite_insert(conn, table, columns: tuple[str, ...], items: Iterable,
                   make: Callable[[_Cells, object], tuple], constants: dict) -> None:
    """One executemany over ready tuples, without a dict per row in between."""
    cell = _Cells(conn, table, constants)
    quote = conn.dialect.identifier_preparer.quote
    conn.exec_driver_sql(
        f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) VALUES "
        f"({', '.join('?' * len(columns))})", [make(cell, item) for item in items])
