"""Exports: who may export, one .xlsx writer (formula-safe) and one PDF table renderer.

Every list with «Exportar a Excel», «Exportar PDF» and «Imprimir» checks the action with
``check_export_action`` and holds at most ``EXPORT_MAX`` rows.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from fpdf import FPDF, FontFace
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from sqlmodel import Session

from occireflex import catalog
from occireflex.domain.access import Actor, deny, require
from occireflex.domain.fields import FORMULA_PREFIXES

EXPORT_MAX = 20_000
EXPORT_ACTIONS = (catalog.EXCEL, catalog.PDF, catalog.IMPRIMIR)
HEADER_FILL = "0033A0"


def check_export_action(db: Session, actor: Actor, service: str, action: object) -> str:
    """The export ``action`` (Excel, PDF, Imprimir) if the actor holds it on ``service``;
    anything else is denied and audited."""
    if action not in EXPORT_ACTIONS:
        deny(db, actor, f"{service}:exportar:{str(action)[:20]}")
    require(db, actor, service, action)
    return action  # type: ignore[return-value]


def neutralise(value: object) -> object:
    """Cells starting like a formula are written as text with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def style_header(cells) -> None:
    """White bold text on the bank's blue: the header row of every sheet."""
    font, fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor=HEADER_FILL)
    for cell in cells:
        cell.font, cell.fill = font, fill


def to_xlsx(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(list(headers))
    style_header(ws[1])
    for row in rows:
        ws.append([neutralise(v) for v in row])
        for cell in ws[ws.max_row]:
            cell.data_type = "s" if isinstance(cell.value, str) else cell.data_type
    for column in ws.columns:
        width = max(len(str(c.value or "")) for c in column)
        ws.column_dimensions[column[0].column_letter].width = min(max(12, width + 2), 60)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def latin1(text: object) -> str:
    """The core PDF fonts are Latin-1: keep Spanish accents, replace anything else."""
    return str(text).encode("latin-1", "replace").decode("latin-1")


class _ListPDF(FPDF):
    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(91, 100, 117)
        self.cell(0, 5, f"Página {self.page_no()} de {{nb}}", align="R")


def render_table_pdf(title: str, subtitle: str, headers: Sequence[str],
                     rows: Sequence[Sequence[object]], widths: Sequence[float],
                     right: tuple[int, ...] = ()) -> bytes:
    """An A4 list whose cells wrap (nothing is cut), headings on every page; landscape
    when the columns are wider than a portrait page."""
    pdf = _ListPDF(orientation="L" if sum(widths) > 190 else "P", format="A4")
    pdf.set_title(latin1(title))
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.set_margins(10, 10, 10)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.set_text_color(0, 34, 113)
    pdf.cell(0, 9, latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.set_text_color(91, 100, 117)
    pdf.multi_cell(0, 5, latin1(subtitle), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 8)
    pdf.set_text_color(27, 35, 51)
    pdf.set_draw_color(221, 227, 238)
    aligns = tuple("RIGHT" if i in right else "LEFT" for i in range(len(headers)))
    with pdf.table(col_widths=tuple(widths), width=sum(widths), text_align=aligns,
                   line_height=4.5, padding=1.2, cell_fill_color=(243, 245, 249),
                   cell_fill_mode="ROWS", borders_layout="HORIZONTAL_LINES",
                   headings_style=FontFace(emphasis="BOLD", color=(255, 255, 255),
                                           fill_color=(0, 51, 160))) as table:
        table.row([latin1(h) for h in headers])
        for row in rows:
            table.row([latin1(v) for v in row])
    if not rows:
        pdf.ln(3)
        pdf.cell(0, 6, "No existen registros")
    return bytes(pdf.output())


class TableExport:
    """An export that renders itself: subclasses give ``SHEET``, ``TITLE``, ``HEADERS``,
    ``PDF_WIDTHS``, ``PDF_RIGHT``, a ``subtitle``, ``xlsx_rows()`` and ``text_rows()``."""

    SHEET = TITLE = ""
    HEADERS: tuple[str, ...] = ()
    PDF_WIDTHS: tuple[int, ...] = ()
    PDF_RIGHT: tuple[int, ...] = ()
    subtitle: str

    def xlsx(self) -> bytes:
        return to_xlsx(self.SHEET, self.HEADERS, self.xlsx_rows())

    def pdf(self) -> bytes:
        return render_table_pdf(self.TITLE, self.subtitle, self.HEADERS, self.text_rows(),
                                self.PDF_WIDTHS, self.PDF_RIGHT)
