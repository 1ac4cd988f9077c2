"""Every list and count query of the portal's grids (and the sweep) goes through an index,
whatever other companies hold: each query the domain runs is captured and explained.

SQLite: ``EXPLAIN QUERY PLAN`` must not ``SCAN`` a large table. PostgreSQL: with
sequential scans disabled for the session, a ``Seq Scan`` left on a large table means no
index can serve the query. The plan does not depend on the table's size here, so the
demo database is enough to see it.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from occireflex.domain import bogota, profiles
from occireflex.domain.bulk import files as bulk_files
from occireflex.domain.dual import accumulated_report, inbox, limits
from occireflex.domain.payments import autopay, inscriptions, movements, transactions
from occireflex.domain.payments import pay as payments
from occireflex.domain.payments.autopay.sweep_limits import LimitGuard
from occireflex.domain.tokens import admin as token_admin
from occireflex.domain.tokens import history as token_history
from occireflex.domain.users import listing as users_listing
from occireflex.models import Account, Enrollment, User, UserLimit, utcnow
from tests.helpers import actor_at

# tables that grow with every company and every month
LARGE = {"bill", "payment", "movement", "auditevent", "enrollment", "autopayrule",
         "loginsession", "tokenevent", "tokenrequest", "bulkfile", "user", "profile",
         "grant", "favorite", "account", "token", "pendingoperation", "userlimit"}


@contextmanager
def captured(engine):
    """The SELECT statements (with their parameters) run inside the block."""
    seen: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", keep)


# The daily issue of bills reads every active inscription of every company once, by
# design (each one gets this period's bill); it walks the partial index, not the table.
BY_DESIGN = ("SELECT DISTINCT enrollment.biller_id, enrollment.reference FROM enrollment "
             "WHERE enrollment.deleted_at IS NULL",)


_PG_SEQ = re.compile(r"Seq Scan on (\w+)")
_PG_INDEX = re.compile(r"(?:Index Scan|Index Only Scan)(?: Backward)? using (\S+) on"
                       r"|Bitmap Index Scan on (\S+)")
_PG_INDEXES = """
    SELECT ic.relname, tc.relname, a.attname, i.indpred IS NOT NULL
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_class tc ON tc.oid = i.indrelid
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
    WHERE ic.relnamespace = current_schema()::regnamespace
"""


def _pg_full_scans(plan: list[str], indexes: dict[str, tuple[str, str, bool]]) -> list[str]:
    """Scans of a large table that nothing bounds: a Seq Scan, or a B-tree walked whole
    because no condition holds its leading column (PostgreSQL still calls that an «Index
    Cond»). A partial index is bounded by its own predicate (only the open requests)."""
    bad = []
    for i, line in enumerate(plan):
        if (m := _PG_SEQ.search(line)) and m.group(1).lower() in LARGE:
            bad.append(line.strip())
            continue
        if not (m := _PG_INDEX.search(line)):
            continue
        table, leading, partial = indexes.get(m.group(1) or m.group(2), ("", "", False))
        if table not in LARGE or partial:
            continue
        conditions = []
        for following in plan[i + 1:]:
            if "->" in following:
                break
            if "Index Cond" in following:
                conditions.append(following)
        if not any(re.search(rf"\b{leading}\b", c) for c in conditions):
            bad.append(line.strip())
    return bad


def full_scans(engine, statements) -> list[str]:
    found = []
    with engine.connect() as conn:
        indexes: dict[str, tuple[str, str, bool]] = {}
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
            indexes = {name: (table, leading, partial) for name, table, leading, partial
                       in conn.exec_driver_sql(_PG_INDEXES)}
        for statement, parameters in statements:
            if " ".join(statement.split()) in BY_DESIGN:
                continue
            if engine.dialect.name == "sqlite":
                plan = [row[-1] for row in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + statement, parameters)]
                bad = [p for p in plan if (m := re.match(r"SCAN (\w+)", p))
                       and m.group(1).lower() in LARGE]
            else:
                plan = [row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement,
                                                                parameters)]
                bad = _pg_full_scans(plan, indexes)
            if bad:
                found.append(f"{' '.join(statement.split())[:300]}\n    → {bad}")
    return found


def _grids(db, actor) -> None:
    """What the portal's grids, filters and counts run for one company."""
    account = db.query(Account).filter(Account.company_id == actor.company_id).first()
    enrollment = db.query(Enrollment).filter(Enrollment.company_id == actor.company_id).first()
    other = db.query(User).filter(User.company_id == actor.company_id,
                                  User.id != actor.user_id).first()
    inscriptions.list_page(db, actor, page=1, page_size=10)
    inscriptions.list_page(db, actor, reference="1234", state="Por vencer", page=1, page_size=10)
    inscriptions.list_page(db, actor, biller_id=enrollment.biller_id, page=1, page_size=10)
    payments.payable_lines(db, actor, [enrollment.id])
    transactions.filter_options(db, actor)
    transactions.search(db, actor, None, 1, 10)
    transactions.search(db, actor, transactions.TxFilters(
        date_from="", date_to="", account_id=account.id, biller_id=enrollment.biller_id,
        status=None, channel=None), 1, 10)
    movements.account_options(db, actor)
    movements.list_movements(db, actor, account.id, None, None, 1, 10)
    bulk_files.list_files(db, actor, 1, 10)
    profiles.list_profiles(db, actor, "", 1, 10)
    token_admin.list_users(db, actor, "", 1, 10)
    token_admin.pending_requests(db, actor)
    token_history.users(db, actor)
    token_history.history(db, actor, other.id, 1, 10)
    for service in users_listing.SERVICES:
        users_listing.list_users(db, actor, service, "", "", 1, 10)
    users_listing.list_users(db, actor, users_listing.SERVICES[0], "laura", "activo", 1, 10)
    users_listing.user_detail(db, actor, users_listing.SERVICES[0], other.id)
    accumulated_report.report(db, actor, utcnow())
    accumulated_report.report(db, actor, utcnow(), user_filter=other.id, kind_filter="pago")
    inbox.pending_page(db, actor, 1)
    inbox.badge_count(db, actor)
    limits.check(db, actor.company_id, actor.user_id, "pago", 100, utcnow())


@pytest.mark.parametrize("part", ["grids", "sweep"])
def test_no_full_scan_of_a_large_table(demo, db, part):
    actor = actor_at(db, "admin.demo", utcnow())
    db.add(UserLimit(company_id=actor.company_id, user_id=None, kind="pago", day_amount=10**12))
    db.commit()  # a limit: the sweep's programmed payments and the checks read the totals
    with captured(demo) as statements:
        if part == "grids":
            _grids(db, actor)
        else:
            autopay.run_sweep(db, utcnow())
            inbox.expire_due(db, utcnow())
            guard = LimitGuard(db, {actor.company_id}, bogota.local_today(utcnow()))
            assert guard.refusal(actor.company_id, actor.user_id, 100) == ""
    db.rollback()
    assert len(statements) > (10 if part == "grids" else 2)
    assert full_scans(demo, statements) == []


@pytest.mark.clock("2026-12-15T09:00")
def test_accumulated_amounts_read_the_companys_month_once(demo, db):
    """«Consulta Montos Acumulados»: one grouped query over the company's operations of the
    month for every user and kind, on ``ix_pendingop_company_day`` bounded by the month
    (never one per user, never the company's whole history)."""
    actor = actor_at(db, "admin.demo", utcnow())
    db.commit()
    with captured(demo) as statements:
        accumulated_report.report(db, actor, utcnow())
    db.rollback()
    over_operations = [(s, p) for s, p in statements if "FROM pendingoperation" in s]
    assert len(over_operations) == 1
    statement, parameters = over_operations[0]
    with demo.connect() as conn:
        if demo.dialect.name == "sqlite":
            plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                            parameters)]
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = [row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters)]
    if demo.dialect.name == "sqlite":
        assert any("ix_pendingop_company_day" in line and "prepared_day>" in line
                   for line in plan), plan
    else:
        assert any("ix_pendingop_company_day" in line or "ix_pendingop_preparer" in line
                   for line in plan), plan
        assert any("prepared_day" in line for line in plan), plan  # the month bounds it


def _plans(engine, statements) -> list[list[str]]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return [[row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + s, p)]
                    for s, p in statements]
        conn.exec_driver_sql("SET enable_seqscan = off")
        return [[row[0] for row in conn.exec_driver_sql("EXPLAIN " + s, p)]
                for s, p in statements]


def test_the_inbox_reads_the_companys_waiting_and_the_sweep_the_expiry_index(demo, db):
    """bench/dual_inbox.py: the inbox and the badge read the company's waiting operations
    (not every company's), the expiry sweep the overdue ones in expiry order (not a walk
    of every company's history by id)."""
    actor = actor_at(db, "autoriza.demo", utcnow())
    db.commit()
    with captured(demo) as inbox_statements:
        inbox.pending_page(db, actor, 1)
        inbox.badge_count(db, actor)
    with captured(demo) as sweep_statements:
        inbox.expire_due(db, utcnow())
    db.rollback()
    on_operations = [(s, p) for s, p in inbox_statements
                     if "FROM pendingoperation" in s and "WHERE" in s]
    assert len(on_operations) == 3  # the count, the page, the badge
    if demo.dialect.name == "sqlite":
        for plan in _plans(demo, on_operations):
            assert any("ix_pendingop_company_waiting" in line for line in plan), plan
    overdue = [(s, p) for s, p in sweep_statements
               if "FROM pendingoperation" in s and "expires_at <=" in s]
    [plan] = _plans(demo, overdue)
    assert any("ix_pendingop_state_expiry" in line for line in plan), plan
    assert not any("pendingoperation_pkey" in line for line in plan), plan
