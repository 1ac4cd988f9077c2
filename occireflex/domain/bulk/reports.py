"""The CSV reports of a bulk file: its errors (row, column, value, reason) or its summary."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from occireflex.domain.bulk.layout import MAX_REPORT_LINES, RowError
from occireflex.domain.exports import neutralise


def report_csv(lines: Iterable[tuple[object, ...]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for line in lines:
        writer.writerow([neutralise(v) for v in line])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel reads the accents


def error_report(errors: list[RowError]) -> bytes:
    lines: list[tuple[object, ...]] = [("Fila", "Columna", "Valor", "Motivo")]
    lines += [(e.row, e.column, e.value, e.reason) for e in errors[:MAX_REPORT_LINES]]
    if len(errors) > MAX_REPORT_LINES:
        lines.append(("", "", "", f"… y {len(errors) - MAX_REPORT_LINES} errores más."))
    return report_csv(lines)


def errors_summary(errors: list[RowError]) -> str:
    """«3 error(es). Fila 12, Cuenta débito: …»: the count and the first one, for a line."""
    first = errors[0]
    return f"{len(errors)} error(es). Fila {first.row}, {first.column}: {first.reason}"
