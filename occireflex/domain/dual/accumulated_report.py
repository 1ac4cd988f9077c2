"""«Consulta Montos Acumulados por Usuario y Servicio» (Administración > Usuarios, issue 15
point 4): for each user of the company and each kind of operation, what counts against the
limits today and this month (the operations ``limits.COUNTING``: pendiente and autorizada)
beside the limits that apply to them, the user's own or the company's, and how much of each
is used.

Which rows: every active user × every kind (an auditor sees who may still operate and
under which limits, not only who already did), plus an inactive user who still has
operations counted this month. «Today» and «this month» are Bogotá days of ``now`` (the
domain clock), never the machine's date. One grouped query over ``PendingOperation`` for
the whole company (``ix_pendingop_preparer``: company, preparer, kind, day), one over
``UserLimit`` and one over ``User``: never one per user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from occireflex import catalog, clock
from occireflex.domain import audit
from occireflex.domain.access import Actor, company_row, require
from occireflex.domain.bogota import local_today
from occireflex.domain.dual.limits import COUNTING, FIELDS, Limits, day_key
from occireflex.domain.dual.rules import KINDS
from occireflex.domain.errors import ValidationError
from occireflex.domain.exports import TableExport, check_export_action
from occireflex.domain.money import format_money
from occireflex.domain.paging import Option, clamp_page, offset, page_size_of
from occireflex.models import PendingOperation, User, UserLimit

SERVICE = catalog.MONTOS_ACUMULADOS
NO_LIMIT = "Sin límite"
SOURCES = {"propio": "Propio del usuario", "empresa": "De la empresa", "ninguno": "Sin límites"}
# the accumulated figures measured against the limit of the same name
MEASURED = ("day_amount", "day_count", "month_amount", "month_count")


@dataclass(frozen=True)
class Filters:
    user_id: int | None = None
    kind: str | None = None  # a key of rules.KINDS, or None for all


@dataclass(frozen=True)
class Row:
    user_id: int
    username: str
    full_name: str
    active: bool
    kind: str
    kind_label: str
    day_amount: int  # centavos
    day_count: int
    month_amount: int  # centavos
    month_count: int
    limits: Limits
    source: str  # a key of SOURCES

    def used(self, field: str) -> int | None:
        """Percent of the limit ``field`` used (floor; over 100 when a limit was lowered
        after the operations), None when the limit is «Sin límite»."""
        ceiling = getattr(self.limits, field)
        return getattr(self, field) * 100 // ceiling if ceiling else None

    @property
    def highest(self) -> int | None:
        """The most used of the four limits, None when none applies."""
        values = [v for v in (self.used(f) for f in MEASURED) if v is not None]
        return max(values) if values else None


@dataclass(frozen=True)
class Report:
    rows: list[Row]
    day: str  # «2026/12/15», the Bogotá day the figures are of
    month: str  # «2026/12»


@dataclass(frozen=True)
class ReportPage:
    rows: list[Row]
    total: int
    page: int
    page_size: int
    day: str
    month: str


def limit_text(field: str, value: int) -> str:
    if not value:
        return NO_LIMIT
    return str(value) if field.endswith("count") else format_money(value)


def used_text(value: int | None) -> str:
    return "—" if value is None else f"{value} %"


def _clean(db: Session, actor: Actor, user_filter: object, kind_filter: object
           ) -> tuple[int | None, str | None]:
    if kind_filter is not None and (not isinstance(kind_filter, str)
                                    or kind_filter not in KINDS):
        raise ValidationError("Elija un servicio de la lista.")
    if user_filter is not None:  # a forged or another company's id: denied and audited
        company_row(db, actor, User, user_filter, "usuario", "El usuario no existe en su "
                                                             "empresa.")
    return user_filter, kind_filter  # type: ignore[return-value]


def _sums(db: Session, company_id: int, user_id: int | None, kind: str | None, today: str,
          month_from: str) -> dict[tuple[int, str], tuple[int, int, int, int]]:
    """(user, kind) → today's amount and count, the month's amount and count: one grouped
    query over the company's counting operations of the month."""
    is_today = PendingOperation.prepared_day == today
    query = select(
        PendingOperation.prepared_by, PendingOperation.kind,
        func.coalesce(func.sum(case((is_today, PendingOperation.amount), else_=0)), 0),
        func.coalesce(func.sum(case((is_today, 1), else_=0)), 0),
        func.coalesce(func.sum(PendingOperation.amount), 0), func.count(),
    ).where(PendingOperation.company_id == company_id,
            PendingOperation.prepared_day >= month_from, PendingOperation.prepared_day <= today,
            col(PendingOperation.state).in_(COUNTING))
    if user_id is not None:
        query = query.where(PendingOperation.prepared_by == user_id)
    if kind is not None:
        query = query.where(PendingOperation.kind == kind)
    query = query.group_by(PendingOperation.prepared_by, PendingOperation.kind)
    return {(u, k): (int(da), int(dc), int(ma), int(mc))
            for u, k, da, dc, ma, mc in db.exec(query).all()}


def _limits(db: Session, company_id: int, kind: str | None
            ) -> dict[tuple[int | None, str], UserLimit]:
    query = select(UserLimit).where(UserLimit.company_id == company_id)
    if kind is not None:
        query = query.where(UserLimit.kind == kind)
    return {(r.user_id, r.kind): r for r in db.exec(query).all()}


def _applying(rows: dict[tuple[int | None, str], UserLimit], user_id: int, kind: str
              ) -> tuple[Limits, str]:
    """The limits ``limits.limits_for`` applies: the user's own row, else the company's."""
    own = rows.get((user_id, kind))
    row = own or rows.get((None, kind))
    if row is None:
        return Limits(), "ninguno"
    return Limits(*(getattr(row, f) for f in FIELDS), own=own is not None), (
        "propio" if own is not None else "empresa")


def _users(db: Session, company_id: int, user_id: int | None, with_sums: set[int]
           ) -> list[User]:
    query = select(User).where(User.company_id == company_id)
    if user_id is not None:
        query = query.where(User.id == user_id)
    users = db.exec(query.order_by(User.username, User.id)).all()
    return [u for u in users if user_id is not None or u.is_active or u.id in with_sums]


def report(db: Session, actor: Actor, now: datetime | None, *, user_filter: object = None,
           kind_filter: object = None) -> Report:
    """Every row (user × kind) of the company matching the filters, by username and kind."""
    require(db, actor, SERVICE)
    require(db, actor, SERVICE, catalog.CONSULTAR)
    user_id, kind = _clean(db, actor, user_filter, kind_filter)
    day = local_today(now or clock.now())
    today, month_from = day_key(day), day_key(day.replace(day=1))
    sums = _sums(db, actor.company_id, user_id, kind, today, month_from)
    limits = _limits(db, actor.company_id, kind)
    users = _users(db, actor.company_id, user_id, {u for u, _k in sums})
    kinds = [kind] if kind is not None else list(KINDS)
    rows = []
    for user in users:
        for k in kinds:
            applying, source = _applying(limits, user.id, k)
            rows.append(Row(user.id, user.username, user.full_name, user.is_active, k,
                            KINDS[k], *sums.get((user.id, k), (0, 0, 0, 0)), applying,
                            source))
    return Report(rows, day.strftime("%Y/%m/%d"), day.strftime("%Y/%m"))


def search(db: Session, actor: Actor, filters: object, page: object = 1,
           page_size: object = 10, now: datetime | None = None) -> ReportPage:
    """One page of ``report`` (a company has tens of users: the rows are cut in Python,
    after the three queries)."""
    if not isinstance(filters, Filters):
        raise ValidationError("Los filtros de la consulta no son válidos.")
    whole = report(db, actor, now, user_filter=filters.user_id, kind_filter=filters.kind)
    size = page_size_of(page_size)
    number = clamp_page(page, len(whole.rows), size)
    first = offset(number, size)
    return ReportPage(whole.rows[first:first + size], len(whole.rows), number, size,
                      whole.day, whole.month)


def options(db: Session, actor: Actor) -> tuple[list[Option], list[tuple[str, str]]]:
    """The filters' choices: the company's users and the kinds of operation."""
    require(db, actor, SERVICE)
    users = db.exec(select(User.id, User.username).where(
        User.company_id == actor.company_id).order_by(User.username)).all()
    return [Option(i, n) for i, n in users], list(KINDS.items())


HEADERS = ("Usuario", "Nombre", "Servicio", "Monto hoy", "Operaciones hoy", "Monto del mes",
           "Operaciones del mes", "Máximo por operación", "Máximo diario",
           "Máx. operaciones diarias", "Máximo mensual", "Máx. operaciones mensuales",
           "Límite", "% usado")
PDF_WIDTHS = (22, 28, 26, 20, 15, 22, 15, 21, 21, 16, 21, 16, 20, 13)
PDF_RIGHT = (3, 4, 5, 6, 7, 8, 9, 10, 11, 13)


def _pesos(centavos: int) -> Decimal:
    return Decimal(centavos) / 100


@dataclass(frozen=True)
class Export(TableExport):
    SHEET, TITLE = "Montos acumulados", "Consulta Montos Acumulados por Usuario y Servicio"
    HEADERS, PDF_WIDTHS, PDF_RIGHT = HEADERS, PDF_WIDTHS, PDF_RIGHT
    rows: list[Row]
    subtitle: str

    def xlsx_rows(self) -> list[tuple[object, ...]]:
        """Amounts as pesos (Decimal, exact) so the sheet can add them up; a limit of 0 as
        «Sin límite»."""
        def ceiling(field: str, value: int) -> object:
            if not value:
                return NO_LIMIT
            return value if field.endswith("count") else _pesos(value)

        return [(r.username, r.full_name, r.kind_label, _pesos(r.day_amount), r.day_count,
                 _pesos(r.month_amount), r.month_count,
                 *(ceiling(f, getattr(r.limits, f)) for f in FIELDS), SOURCES[r.source],
                 used_text(r.highest)) for r in self.rows]

    def text_rows(self) -> list[tuple[str, ...]]:
        return [(r.username, r.full_name, r.kind_label, format_money(r.day_amount),
                 str(r.day_count), format_money(r.month_amount), str(r.month_count),
                 *(limit_text(f, getattr(r.limits, f)) for f in FIELDS), SOURCES[r.source],
                 used_text(r.highest)) for r in self.rows]

    def file_name(self, ext: str) -> str:
        return f"montos-acumulados.{ext}"


def export(db: Session, actor: Actor, filters: object, action: object,
           now: datetime | None = None) -> Export:
    """Every row matching ``filters`` (not one page) for Excel, PDF or print; audited."""
    check_export_action(db, actor, SERVICE, action)
    if not isinstance(filters, Filters):
        raise ValidationError("Los filtros de la consulta no son válidos.")
    whole = report(db, actor, now, user_filter=filters.user_id, kind_filter=filters.kind)
    audit.record_read(actor, f"montos_acumulados_exportados_{action}",
                      target=f"{len(whole.rows)} filas", after={"dia": whole.day})
    subtitle = (f"{actor.company_name} · NIT {actor.company_nit} · Hoy {whole.day} · "
                f"Mes {whole.month} · {len(whole.rows)} filas")
    return Export(whole.rows, subtitle)
