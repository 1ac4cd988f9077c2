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

The date ranges and paging are ``domain/paging.py``; the export checks and renderers
``domain/exports.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from fpdf import FPDF
from sqlalchemy import case, func
from sqlmodel import Session, col, select

from occireflex import catalog
from occireflex.domain import audit
from occireflex.domain.access import Actor, company_row, require, valid_id
from occireflex.domain.bogota import day_text, local_moment
from occireflex.domain.errors import ValidationError
from occireflex.domain.exports import (
    EXPORT_MAX,
    TableExport,
    check_export_action,
    latin1,
)
from occireflex.domain.money import format_money
from occireflex.domain.paging import DateRange, Option, clamp_page, offset, page_size_of, parse_range
from occireflex.domain.payments.accounts import (
    account_label,
    account_option_label,
    company_account,
    company_accounts,
)
from occireflex.domain.payments.pay import EXITOSA, PROGRAMADO
from occireflex.models import Account, Bill, Biller, Enrollment, Payment, User

SERVICE = catalog.TRANSACCIONES_REALIZADAS

# a «fallida» payment never debited anything (the debit and the payment are one
# transaction): it was refused before any money moved, so the portal calls it «Rechazada»
STATUS_LABELS = {"exitosa": "Exitosa", "fallida": "Rechazada"}
CHANNEL_LABELS = {"manual": "Manual", "programado": "Programado"}

NOT_FOUND = "La transacción no existe."
NO_RECEIPT = "Una transacción fallida no tiene comprobante de pago."

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
        raise ValidationError("Seleccione un estado válido: Exitosa o Rechazada.")
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
    status: str  # Exitosa | Rechazada (refused before any debit; reason says why)
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


# a listed transaction as plain columns (no ORM objects): what ``_row`` reads
_ROW_COLUMNS = (Payment.id, Payment.created_at, Biller.name, Enrollment.reference,
                Enrollment.alias, Account.number, Payment.amount, Payment.channel,
                Payment.status, Payment.reason, Payment.receipt)


def _row(r) -> TxRow:
    return TxRow(
        id=r.id, when=local_moment(r.created_at), biller=r.name, reference=r.reference,
        alias=r.alias, account=r.number, amount=r.amount,
        channel=CHANNEL_LABELS.get(r.channel, r.channel),
        status=STATUS_LABELS.get(r.status, r.status), reason=r.reason, receipt=r.receipt or "")


def _payments(clean: _Clean, *columns):
    """Payments alone (``ix_payment_company_time`` covers every filter but the biller's,
    which needs the inscription): the count, the sum and the page's ids."""
    query = select(*columns).select_from(Payment)
    if clean.biller is not None:
        query = query.join(Enrollment, Enrollment.id == Payment.enrollment_id)
    return query


def search(db: Session, actor: Actor, filters: object = None, page: object = 1,
           page_size: object = 10, now: datetime | None = None) -> TxPage:
    """One page of the company's transactions, newest first; filters and paging in SQL.

    The count, the paid sum and the page's ids read the covering payment index; only the
    page's rows are joined to their inscription, biller and account."""
    require(db, actor, SERVICE, catalog.CONSULTAR)
    clean = _resolve(db, actor, filters, now)
    conditions = _conditions(actor, clean)
    size = page_size_of(page_size)
    paid = func.coalesce(func.sum(case((Payment.status == EXITOSA, Payment.amount), else_=0)), 0)
    total, paid_total = db.exec(_payments(clean, func.count(Payment.id), paid)
                                .where(*conditions)).one()
    number = clamp_page(page, total, size)
    newest_first = (Payment.created_at.desc(), Payment.id.desc())
    ids = db.exec(_payments(clean, Payment.id).where(*conditions).order_by(*newest_first)
                  .offset(offset(number, size)).limit(size)).all()
    rows = db.exec(_joined(*_ROW_COLUMNS).where(col(Payment.id).in_(ids))
                   .order_by(*newest_first)).all() if ids else []
    return TxPage([_row(r) for r in rows], total, number, size, int(paid_total), clean.range)


def filter_options(db: Session, actor: Actor) -> tuple[list[Option], list[Option]]:
    """(company accounts, convenios the company has inscribed) for the filter selects."""
    require(db, actor, SERVICE)
    accounts = [Option(a.id, account_option_label(a)) for a in company_accounts(db, actor)]
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
    return company_row(db, actor, Payment, payment_id, "transaccion", NOT_FOUND)


def _detail(db: Session, actor: Actor, payment: Payment) -> TxDetail:
    enrollment = db.get(Enrollment, payment.enrollment_id)
    biller = db.get(Biller, enrollment.biller_id)
    account = db.get(Account, payment.account_id)
    bill = db.get(Bill, payment.bill_id)
    user = db.get(User, payment.user_id) if payment.user_id else None
    paid_by = (user.full_name if user is not None
               else "Programación automática" if payment.channel == PROGRAMADO else "—")
    return TxDetail(
        id=payment.id, receipt=payment.receipt or "", when=local_moment(payment.created_at),
        status=STATUS_LABELS.get(payment.status, payment.status), reason=payment.reason,
        channel=CHANNEL_LABELS.get(payment.channel, payment.channel), amount=payment.amount,
        biller_name=biller.name, biller_code=biller.code, ref_label=biller.ref_label,
        reference=enrollment.reference, alias=enrollment.alias,
        account=account_label(account), account_name=account.name,
        period=bill.period if bill else "—",
        due_on=day_text(bill.due_on) if bill else "—", paid_by=paid_by,
        company_name=actor.company_name, company_nit=actor.company_nit)


def get_detail(db: Session, actor: Actor, payment_id: object) -> TxDetail:
    """One transaction of the actor's company with its receipt data (audited)."""
    require(db, actor, SERVICE, catalog.CONSULTAR)
    payment = _own_payment(db, actor, payment_id)
    detail = _detail(db, actor, payment)
    audit.record_read(actor, "transaccion_consultada", target=f"transaccion:{payment.id}")
    return detail


def receipt_pdf(db: Session, actor: Actor, payment_id: object) -> tuple[str, bytes]:
    """(file name, PDF bytes) of one successful payment's receipt; needs «Exportar PDF»."""
    require(db, actor, SERVICE, catalog.PDF)
    payment = _own_payment(db, actor, payment_id)
    if payment.status != EXITOSA or not payment.receipt:
        raise ValidationError(NO_RECEIPT)
    detail = _detail(db, actor, payment)
    audit.record_read(actor, "comprobante_exportado_pdf", target=f"transaccion:{payment.id}",
                      after={"comprobante": payment.receipt})
    return f"comprobante-{payment.receipt}.pdf", render_receipt(detail)


def authorize_print(db: Session, actor: Actor, payment_id: object = None) -> None:
    """«Imprimir» the list page or one receipt (the page itself, with the print
    stylesheet): grant check, the payment is the company's, audit."""
    require(db, actor, SERVICE, catalog.IMPRIMIR)
    target = "lista"
    if payment_id is not None:
        target = f"transaccion:{_own_payment(db, actor, payment_id).id}"
    audit.record_read(actor, "transacciones_impresas", target=target)


def render_receipt(detail: TxDetail) -> bytes:
    pdf = FPDF(orientation="P", format="A4")
    pdf.set_title(latin1(f"Comprobante {detail.receipt}"))
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    pdf.set_fill_color(0, 51, 160)
    pdf.rect(0, 0, 210, 22, style="F")
    pdf.set_xy(15, 7)
    pdf.set_font("Helvetica", "B", 14)
    pdf.set_text_color(255, 255, 255)
    pdf.cell(0, 8, latin1("Banco de Occidente · Portal Empresarial"))
    pdf.set_xy(15, 32)
    pdf.set_text_color(0, 34, 113)
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, latin1("Comprobante de pago"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.set_text_color(91, 100, 117)
    pdf.cell(0, 6, latin1("Servicios Públicos y Privados"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for i, (label, value) in enumerate(detail.lines()):
        pdf.set_fill_color(243, 245, 249) if i % 2 else pdf.set_fill_color(255, 255, 255)
        pdf.set_font("Helvetica", "B", 10)
        pdf.set_text_color(27, 35, 51)
        pdf.cell(55, 8, latin1(label), fill=True)
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(125, 8, latin1(value), fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "I", 8)
    pdf.set_text_color(91, 100, 117)
    pdf.multi_cell(180, 4.5, latin1(
        "Este comprobante fue generado por el portal empresarial. Verifique su pago con el "
        "número de comprobante en Consultas > Transacciones Realizadas."))
    return bytes(pdf.output())


# Exports -----------------------------------------------------------------------------------

EXPORT_HEADERS = ("Fecha y hora", "Convenio", "Referencia", "Alias", "Cuenta", "Valor",
                  "Canal", "Estado", "Motivo", "Comprobante")
PDF_WIDTHS = (28, 34, 24, 30, 20, 26, 19, 15, 48, 33)
PDF_RIGHT = (5,)


@dataclass(frozen=True)
class Export(TableExport):
    SHEET, TITLE = "Transacciones", "Transacciones Realizadas"
    HEADERS, PDF_WIDTHS, PDF_RIGHT = EXPORT_HEADERS, PDF_WIDTHS, PDF_RIGHT
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

    def file_name(self, ext: str) -> str:
        return f"transacciones-realizadas.{ext}"


def export(db: Session, actor: Actor, filters: object, action: object,
           now: datetime | None = None) -> Export:
    """Every transaction matching ``filters`` (not one page) for Excel, PDF or print."""
    check_export_action(db, actor, SERVICE, action)
    clean = _resolve(db, actor, filters, now)
    conditions = _conditions(actor, clean)
    total = db.exec(_payments(clean, func.count(Payment.id)).where(*conditions)).one()
    if total > EXPORT_MAX:
        raise ValidationError(
            f"La consulta tiene {total:,} transacciones; el máximo por exportación es "
            f"{EXPORT_MAX:,}. Acote el rango de fechas o los filtros.")
    rows = db.exec(_joined(*_ROW_COLUMNS).where(*conditions)
                   .order_by(Payment.created_at.desc(), Payment.id.desc())).all()
    audit.record_read(actor, f"transacciones_exportadas_{action}",
                      target=f"{len(rows)} transacciones",
                      after={"desde": str(clean.range.start), "hasta": str(clean.range.end)})
    paid = sum(r.amount for r in rows if r.status == EXITOSA)
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
    return Export([_row(r) for r in rows], clean.range, " · ".join(parts))
