"""Tabular exports: .xlsx (formula-safe) and PDF, as bytes for a download."""

from __future__ import annotations

import io
from collections.abc import Sequence

from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from occireflex.domain.fields import FORMULA_PREFIXES


def neutralise(value: object) -> object:
    """Cells starting like a formula are written as text with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_xlsx(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0033A0")
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


def to_pdf(title: str, subtitle: str, headers: Sequence[str],
           rows: Sequence[Sequence[object]], widths: Sequence[float]) -> bytes:
    pdf = FPDF(orientation="L" if sum(widths) > 190 else "P", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.set_text_color(0, 34, 113)
    pdf.cell(0, 9, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.set_text_color(91, 100, 117)
    pdf.cell(0, 6, _latin1(subtitle), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_fill_color(0, 51, 160)
    pdf.set_text_color(255, 255, 255)
    for header, width in zip(headers, widths, strict=True):
        pdf.cell(width, 7, _latin1(header), border=0, fill=True)
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    pdf.set_text_color(27, 35, 51)
    for i, row in enumerate(rows):
        pdf.set_fill_color(243, 245, 249) if i % 2 else pdf.set_fill_color(255, 255, 255)
        for value, width in zip(row, widths, strict=True):
            pdf.cell(width, 6, _latin1(str(value))[: int(width / 1.7)], border=0, fill=True)
        pdf.ln()
    return bytes(pdf.output())


def _latin1(text: str) -> str:
    """The core PDF fonts are Latin-1: keep Spanish accents, replace anything else."""
    return text.encode("latin-1", "replace").decode("latin-1")
