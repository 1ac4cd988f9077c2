"""Consultas > Transacciones Realizadas: what the company paid, with its receipts.

Rules:
- Only the actor's company's payments, ever: every query filters by ``company_id`` and
  every id from the browser (account, payment) is checked to belong to the company;
  another company's id is refused and audited (``access.deny``).
- Listing needs «Consultar»; «Exportar a Excel», «Exportar PDF» and «Imprimir» each need
  their own action, checked here (the page only hides the buttons).
- Filters come from the browser: dates must be real ``AAAA-MM-DD`` days (America/Bogota)
  within a bounded range; convenio, estado and canal must be known values. A bad value is
  refused with a Spanish message; nothing is guessed.
- Paging is SQL offset/limit, the page number clamped to the existing pages.
- Exports hold every row matching the filters (not only the page), up to ``EXPORT_MAX``.

The date-range and paging helpers here are shared with ``domain/movements.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from fpdf import FPDF, FontFace
from sqlalchemy import case, func
from sqlmodel import Session, select

from occireflex import catalog
from occireflex.domain import audit
from occireflex.domain.access import Actor, deny, require, valid_id
from occireflex.domain.accounts import company_account, company_accounts, format_money
from occireflex.domain.billers import BOGOTA, local_today
from occireflex.domain.errors import ValidationError
from occireflex.models import Account, Bill, Biller, Enrollment, Payment, User, utcnow

SERVICE = "consultas.transacciones_realizadas"
PAGE_SIZES = (10, 25, 50)
DEFAULT_DAYS = 30  # default range: the last 30 days, today included
MAX_RANGE_DAYS = 366
MIN_YEAR, MAX_YEAR = 2000, 2099
EXPORT_MAX = 20_000
EXPORT_ACTIONS = (catalog.EXCEL, catalog.PDF, catalog.IMPRIMIR)

STATUS_LABELS = {"exitosa": "Exitosa", "fallida": "Fallida"}
CHANNEL_LABELS = {"manual": "Manual", "programado": "Programado"}

NOT_FOUND = "La transacción no existe."
NO_RECEIPT = "Una transacción fallida no tiene comprobante de pago."

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


# Shared by the Consultas queries --------------------------------------------------------


@dataclass(frozen=True)
class DateRange:
    start: date  # first day, America/Bogota
    end: date  # last day, included

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware UTC instants: local midnight to the next local midnight."""
        first = datetime.combine(self.start, time.min, BOGOTA).astimezone(UTC)
        after = datetime.combine(self.end + timedelta(days=1), time.min, BOGOTA).astimezone(UTC)
        return first, after

    def label(self) -> str:
        return f"{self.start:%Y/%m/%d} a {self.end:%Y/%m/%d}"


def default_range(now: datetime | None = None) -> DateRange:
    today = local_today(now or utcnow())
    return DateRange(today - timedelta(days=DEFAULT_DAYS - 1), today)


def parse_day(value: object, label: str) -> date:
    """A day from the browser: a ``date`` or an ``AAAA-MM-DD`` string, years 2000–2099."""
    day: date | None = None
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    elif isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            day = None
    if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationError(f"La {label} no es válida. Use una fecha AAAA-MM-DD entre "
                              f"{MIN_YEAR} y {MAX_YEAR}.")
    return day


def parse_range(date_from: object, date_to: object, now: datetime | None = None) -> DateRange:
    """Both ends None → the default range; otherwise both must be valid and ordered."""
    if date_from in (None, "") and date_to in (None, ""):
        return default_range(now)
    start = parse_day(date_from, "fecha desde")
    end = parse_day(date_to, "fecha hasta")
    if start > end:
        raise ValidationError("La fecha desde no puede ser posterior a la fecha hasta.")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ValidationError(f"El rango de fechas no puede superar {MAX_RANGE_DAYS} días.")
    return DateRange(start, end)


def page_size_of(value: object) -> int:
    return value if value in PAGE_SIZES and not isinstance(value, bool) else PAGE_SIZES[0]


def clamp_page(value: object, total: int, size: int) -> int:
    """A page number from the browser, forced into 1..last page."""
    number = value if isinstance(value, int) and not isinstance(value, bool) else 1
    pages = max(1, -(-total // size))
    return min(max(1, number), pages)


def local_moment(moment: datetime) -> str:
    """«2026/11/22 08:15» in America/Bogota."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BOGOTA).strftime("%Y/%m/%d %H:%M")


def account_label(account: Account) -> str:
    kind = "Corriente" if account.kind == "corriente" else "Ahorros"
    return f"{kind} {account.number}"


def check_export_action(db: Session, actor: Actor, service: str, action: object) -> str:
    if action not in EXPORT_ACTIONS:
        deny(db, actor, f"{service}:exportar:{str(action)[:20]}")
    require(db, actor, service, action)
    return action  # type: ignore[return-value]


# Filters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TxFilters:
    """The filters as the browser sends them; ``resolve`` validates every field."""

    date_from: object = None
    date_to: object = None
    account_id: object = None  # None: todas
    biller_id: object = None  # None: todos
    status: object = None  # None | exitosa | fallida
    channel: object = None  # None | manual | programado


@dataclass(frozen=True)
class _Clean:
    range: DateRange
    account: Account | None
    biller: Biller | None
    status: str | None
    channel: str | None


def _resolve(db: Session, actor: Actor, filters: object, now: datetime | None) -> _Clean:
    if filters is None:
        filters = TxFilters()
    if not isinstance(filters, TxFilters):
        raise ValidationError("Los filtros de la consulta no son válidos.")
    dates = parse_range(filters.date_from, filters.date_to, now)
    account = (None if filters.account_id is None
               else company_account(db, actor, filters.account_id))
    biller = None
    if filters.biller_id is not None:
        if valid_id(filters.biller_id):
            biller = db.get(Biller, filters.biller_id)
        if biller is None:
            raise ValidationError("Seleccione un convenio válido.")
    status = filters.status or None
    if status is not None and status not in STATUS_LABELS:
        raise ValidationError("Seleccione un estado válido: Exitosa o Fallida.")
    channel = filters.channel or None
    if channel is not None and channel not in CHANNEL_LABELS:
        raise ValidationError("Seleccione un canal válido: Manual o Programado.")
    return _Clean(dates, account, biller, status, channel)  # type: ignore[arg-type]


def _conditions(actor: Actor, clean: _Clean) -> list:
    first, after = clean.range.bounds()
    conditions = [Payment.company_id == actor.company_id, Payment.created_at >= first,
                  Payment.created_at < after]
    if clean.account is not None:
        conditions.append(Payment.account_id == clean.account.id)
    if clean.biller is not None:
        conditions.append(Enrollment.biller_id == clean.biller.id)
    if clean.status is not None:
        conditions.append(Payment.status == clean.status)
    if clean.channel is not None:
        conditions.append(Payment.channel == clean.channel)
    return conditions


def _joined(*columns):
    return (select(*columns)
            .join(Enrollment, Enrollment.id == Payment.enrollment_id)
            .join(Biller, Biller.id == Enrollment.biller_id)
            .join(Account, Account.id == Payment.account_id))


# Listing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TxRow:
    id: int
    when: str  # YYYY/MM/DD HH:MM, America/Bogota
    biller: str
    reference: str
    alias: str
    account: str
    amount: int  # centavos
    channel: str  # Manual | Programado
    status: str  # Exitosa | Fallida
    reason: str
    receipt: str


@dataclass(frozen=True)
class TxPage:
    rows: list[TxRow]
    total: int
    page: int
    page_size: int
    paid_total: int  # centavos paid successfully, over every matching row
    range: DateRange


def _row(payment: Payment, enrollment: Enrollment, biller: Biller, account: Account) -> TxRow:
    return TxRow(
        id=payment.id, when=local_moment(payment.created_at), biller=biller.name,
        reference=enrollment.reference, alias=enrollment.alias, account=account.number,
        amount=payment.amount, channel=CHANNEL_LABELS.get(payment.channel, payment.channel),
        status=STATUS_LABELS.get(payment.status, payment.status), reason=payment.reason,
        receipt=payment.receipt or "")


def search(db: Session, actor: Actor, filters: object = None, page: object = 1,
           page_size: object = 10, now: datetime | None = None) -> TxPage:
    """One page of the company's transactions, newest first; filters and paging in SQL."""
    require(db, actor, SERVICE, catalog.CONSULTAR)
    clean = _resolve(db, actor, filters, now)
    conditions = _conditions(actor, clean)
    size = page_size_of(page_size)
    paid = func.coalesce(func.sum(case((Payment.status == "exitosa", Payment.amount), else_=0)), 0)
    total, paid_total = db.exec(_joined(func.count(Payment.id), paid).where(*conditions)).one()
    number = clamp_page(page, total, size)
    rows = db.exec(
        _joined(Payment, Enrollment, Biller, Account).where(*conditions)
        .order_by(Payment.created_at.desc(), Payment.id.desc())
        .offset((number - 1) * size).limit(size)
    ).all()
    return TxPage([_row(*r) for r in rows], total, number, size, int(paid_total), clean.range)


@dataclass(frozen=True)
class Option:
    id: int
    label: str


def filter_options(db: Session, actor: Actor) -> tuple[list[Option], list[Option]]:
    """(company accounts, convenios the company has inscribed) for the filter selects."""
    require(db, actor, SERVICE)
    accounts = [Option(a.id, f"{account_label(a)} · {a.name}" if a.name else account_label(a))
                for a in company_accounts(db, actor)]
    billers = db.exec(
        select(Biller).where(Biller.id.in_(
            select(Enrollment.biller_id).where(Enrollment.company_id == actor.company_id)))
        .order_by(Biller.name)).all()
    return accounts, [Option(b.id, b.name) for b in billers]


# Detail and receipt ------------------------------------------------------------------------


@dataclass(frozen=True)
class TxDetail:
    id: int
    receipt: str
    when: str
    status: str
    reason: str
    channel: str
    amount: int
    biller_name: str
    biller_code: str
    ref_label: str
    reference: str
    alias: str
    account: str
    account_name: str
    period: str
    due_on: str
    paid_by: str
    company_name: str
    company_nit: str

    def lines(self) -> list[tuple[str, str]]:
        """The receipt as (label, value) lines, shared by the page and the PDF."""
        lines = [("Comprobante", self.receipt or "—"), ("Fecha y hora", self.when),
                 ("Estado", self.status)]
        if self.reason:
            lines.append(("Motivo", self.reason))
        lines += [("Convenio", f"{self.biller_name} ({self.biller_code})"),
                  (self.ref_label, self.reference), ("Alias", self.alias or "—"),
                  ("Periodo facturado", self.period), ("Fecha de vencimiento", self.due_on),
                  ("Cuenta débito", self.account), ("Valor", format_money(self.amount)),
                  ("Canal", self.channel), ("Realizado por", self.paid_by),
                  ("Empresa", f"{self.company_name} · NIT {self.company_nit}")]
        return lines


def _own_payment(db: Session, actor: Actor, payment_id: object) -> Payment:
    if valid_id(payment_id):
        payment = db.get(Payment, payment_id)
        if payment is not None and payment.company_id == actor.company_id:
            return payment
    deny(db, actor, f"transaccion:{str(payment_id)[:30]}", NOT_FOUND)
    raise AssertionError


def _detail(db: Session, actor: Actor, payment: Payment) -> TxDetail:
    enrollment = db.get(Enrollment, payment.enrollment_id)
    biller = db.get(Biller, enrollment.biller_id)
    account = db.get(Account, payment.account_id)
    bill = db.get(Bill, payment.bill_id)
    user = db.get(User, payment.user_id) if payment.user_id else None
    paid_by = (user.full_name if user is not None
               else "Programación automática" if payment.channel == "programado" else "—")
    return TxDetail(
        id=payment.id, receipt=payment.receipt or "", when=local_moment(payment.created_at),
        status=STATUS_LABELS.get(payment.status, payment.status), reason=payment.reason,
        channel=CHANNEL_LABELS.get(payment.channel, payment.channel), amount=payment.amount,
        biller_name=biller.name, biller_code=biller.code, ref_label=biller.ref_label,
        reference=enrollment.reference, alias=enrollment.alias,
        account=account_label(account), account_name=account.name,
        period=bill.period if bill else "—",
        due_on=bill.due_on.strftime("%Y/%m/%d") if bill else "—", paid_by=paid_by,
        company_name=actor.company_name, company_nit=actor.company_nit)


def get_detail(db: Session, actor: Actor, payment_id: object) -> TxDetail:
    """One transaction of the actor's company with its receipt data (audited)."""
    require(db, actor, SERVICE, catalog.CONSULTAR)
    payment = _own_payment(db, actor, payment_id)
    detail = _detail(db, actor, payment)
    audit.record(db, "transaccion_consultada", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"transaccion:{payment.id}", ip=actor.ip,
                 channel=actor.channel)
    return detail


def receipt_pdf(db: Session, actor: Actor, payment_id: object) -> tuple[str, bytes]:
    """(file name, PDF bytes) of one successful payment's receipt; needs «Exportar PDF»."""
    require(db, actor, SERVICE, catalog.PDF)
    payment = _own_payment(db, actor, payment_id)
    if payment.status != "exitosa" or not payment.receipt:
        raise ValidationError(NO_RECEIPT)
    detail = _detail(db, actor, payment)
    audit.record(db, "comprobante_exportado_pdf", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"transaccion:{payment.id}",
                 after={"comprobante": payment.receipt}, ip=actor.ip, channel=actor.channel)
    return f"comprobante-{payment.receipt}.pdf", render_receipt(detail)


def authorize_print(db: Session, actor: Actor, payment_id: object = None) -> None:
    """«Imprimir» the list page or one receipt (the page itself, with the print
    stylesheet): grant check, the payment is the company's, audit."""
    require(db, actor, SERVICE, catalog.IMPRIMIR)
    target = "lista"
    if payment_id is not None:
        target = f"transaccion:{_own_payment(db, actor, payment_id).id}"
    audit.record(db, "transacciones_impresas", company_id=actor.company_id,
                 user_id=actor.user_id, target=target, ip=actor.ip, channel=actor.channel)


def _latin1(text: object) -> str:
    """The core PDF fonts are Latin-1: keep Spanish accents, replace anything else."""
    return str(text).encode("latin-1", "replace").decode("latin-1")


class _ListPDF(FPDF):
    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(91, 100, 117)
        self.cell(0, 5, f"Página {self.page_no()} de {{nb}}", align="R")


def render_table_pdf(title: str, subtitle: str, headers: tuple[str, ...],
                     rows: list[tuple[str, ...]], widths: tuple[float, ...],
                     right: tuple[int, ...] = ()) -> bytes:
    """A landscape A4 list whose cells wrap (nothing is cut), headings on every page."""
    pdf = _ListPDF(orientation="L", format="A4")
    pdf.set_title(_latin1(title))
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.set_margins(10, 10, 10)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.set_text_color(0, 34, 113)
    pdf.cell(0, 9, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.set_text_color(91, 100, 117)
    pdf.multi_cell(0, 5, _latin1(subtitle), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 8)
    pdf.set_text_color(27, 35, 51)
    pdf.set_draw_color(221, 227, 238)
    aligns = tuple("RIGHT" if i in right else "LEFT" for i in range(len(headers)))
    with pdf.table(col_widths=widths, width=sum(widths), text_align=aligns, line_height=4.5,
                   padding=1.2, cell_fill_color=(243, 245, 249), cell_fill_mode="ROWS",
                   borders_layout="HORIZONTAL_LINES",
                   headings_style=FontFace(emphasis="BOLD", color=(255, 255, 255),
                                           fill_color=(0, 51, 160))) as table:
        table.row([_latin1(h) for h in headers])
        for row in rows:
            table.row([_latin1(v) for v in row])
    if not rows:
        pdf.ln(3)
        pdf.cell(0, 6, "No existen registros")
    return bytes(pdf.output())


def render_receipt(detail: TxDetail) -> bytes:
    pdf = FPDF(orientation="P", format="A4")
    pdf.set_title(_latin1(f"Comprobante {detail.receipt}"))
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    pdf.set_fill_color(0, 51, 160)
    pdf.rect(0, 0, 210, 22, style="F")
    pdf.set_xy(15, 7)
    pdf.set_font("Helvetica", "B", 14)
    pdf.set_text_color(255, 255, 255)
    pdf.cell(0, 8, _latin1("Banco de Occidente · Portal Empresarial"))
    pdf.set_xy(15, 32)
    pdf.set_text_color(0, 34, 113)
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, _latin1("Comprobante de pago"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.set_text_color(91, 100, 117)
    pdf.cell(0, 6, _latin1("Servicios Públicos y Privados"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for i, (label, value) in enumerate(detail.lines()):
        pdf.set_fill_color(243, 245, 249) if i % 2 else pdf.set_fill_color(255, 255, 255)
        pdf.set_font("Helvetica", "B", 10)
        pdf.set_text_color(27, 35, 51)
        pdf.cell(55, 8, _latin1(label), fill=True)
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(125, 8, _latin1(value), fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "I", 8)
    pdf.set_text_color(91, 100, 117)
    pdf.multi_cell(180, 4.5, _latin1(
        "Este comprobante fue generado por el portal empresarial. Verifique su pago con el "
        "número de comprobante en Consultas > Transacciones Realizadas."))
    return bytes(pdf.output())


# Exports -----------------------------------------------------------------------------------

EXPORT_HEADERS = ("Fecha y hora", "Convenio", "Referencia", "Alias", "Cuenta", "Valor",
                  "Canal", "Estado", "Motivo", "Comprobante")
PDF_WIDTHS = (28, 34, 24, 30, 20, 26, 19, 15, 48, 33)
PDF_RIGHT = (5,)


@dataclass(frozen=True)
class Export:
    rows: list[TxRow]
    range: DateRange
    subtitle: str

    def xlsx_rows(self) -> list[tuple[object, ...]]:
        """Valor as a number of pesos (Decimal, exact) so the sheet can add it up."""
        return [(r.when, r.biller, r.reference, r.alias, r.account,
                 Decimal(r.amount) / 100, r.channel, r.status, r.reason, r.receipt)
                for r in self.rows]

    def text_rows(self) -> list[tuple[str, ...]]:
        return [(r.when, r.biller, r.reference, r.alias, r.account, format_money(r.amount),
                 r.channel, r.status, r.reason, r.receipt) for r in self.rows]


def export(db: Session, actor: Actor, filters: object, action: object,
           now: datetime | None = None) -> Export:
    """Every transaction matching ``filters`` (not one page) for Excel, PDF or print."""
    check_export_action(db, actor, SERVICE, action)
    clean = _resolve(db, actor, filters, now)
    conditions = _conditions(actor, clean)
    total = db.exec(_joined(func.count(Payment.id)).where(*conditions)).one()
    if total > EXPORT_MAX:
        raise ValidationError(
            f"La consulta tiene {total:,} transacciones; el máximo por exportación es "
            f"{EXPORT_MAX:,}. Acote el rango de fechas o los filtros.")
    rows = db.exec(_joined(Payment, Enrollment, Biller, Account).where(*conditions)
                   .order_by(Payment.created_at.desc(), Payment.id.desc())).all()
    audit.record(db, f"transacciones_exportadas_{action}", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"{len(rows)} transacciones",
                 after={"desde": str(clean.range.start), "hasta": str(clean.range.end)},
                 ip=actor.ip, channel=actor.channel)
    paid = sum(p.amount for p, *_ in rows if p.status == "exitosa")
    parts = [f"{actor.company_name} · NIT {actor.company_nit}", clean.range.label()]
    if clean.account is not None:
        parts.append(f"Cuenta {clean.account.number}")
    if clean.biller is not None:
        parts.append(clean.biller.name)
    if clean.status is not None:
        parts.append(STATUS_LABELS[clean.status])
    if clean.channel is not None:
        parts.append(CHANNEL_LABELS[clean.channel])
    parts.append(f"{len(rows)} transacciones · Pagado (exitosas): {format_money(paid)}")
    return Export([_row(*r) for r in rows], clean.range, " · ".join(parts))
