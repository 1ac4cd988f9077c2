"""«Macro Pagos Programados PSP»: the styled .xlsx template, from the live biller catalog
and the company's accounts."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation
from sqlmodel import Session, select

from occireflex.domain.access import Actor, require
from occireflex.domain.bogota import local_today
from occireflex.domain.bulk.layout import (
    DATA_SHEET,
    DIAS_ANTES,
    HEADERS,
    HELP_SHEET,
    SERVICE,
    TEMPLATE_NAME,
    VENCIMIENTO,
)
from occireflex.domain.exports import style_header
from occireflex.domain.payments.accounts import company_accounts
from occireflex.domain.payments.autopay import MAX_DAYS_BEFORE
from occireflex.models import Biller, utcnow


def _example_reference(biller: Biller) -> str:
    size = max(biller.ref_min, min(10, biller.ref_max))
    return ("00" + "1234567890123456789")[:size]


def template_xlsx(db: Session, actor: Actor, today: date | None = None) -> bytes:
    """«Macro Pagos Programados PSP» from the live biller catalog and the company's
    accounts: the data sheet «Programación» (with dropdowns and one example row) and
    «Instrucciones» (which also holds the lists the dropdowns read)."""
    require(db, actor, SERVICE)
    today = today or local_today(utcnow())
    catalog_rows = list(db.exec(select(Biller).where(Biller.is_active)
                                .order_by(Biller.code)).all())
    accounts = company_accounts(db, actor)
    wb = Workbook()
    data = wb.active
    data.title = DATA_SHEET
    data.append(list(HEADERS))
    style_header(data[1])
    if catalog_rows and accounts:
        example = catalog_rows[0]
        data.append([example.code, _example_reference(example), "Ejemplo: sede principal",
                     accounts[0].number, DIAS_ANTES, "2", "1.500.000", today.isoformat(), ""])
    last = 1000
    text_columns = ("A", "B", "D", "E", "F", "G", "H", "I")  # all as text: nothing converted
    for column in text_columns:
        for row in range(2, last + 1):
            data[f"{column}{row}"].number_format = "@"
    for column, width in zip("ABCDEFGHI", (11, 22, 30, 16, 14, 11, 16, 14, 14), strict=True):
        data.column_dimensions[column].width = width
    data.freeze_panes = "A2"

    help_sheet = wb.create_sheet(HELP_SHEET)
    lines = [
        (TEMPLATE_NAME,),
        ("Inscriba y programe el pago automático de muchas facturas en una sola carga.",),
        ("1. Llene una fila por factura en la hoja «Programación» (la fila 2 es un ejemplo: "
         "reemplácela o bórrela; si la deja, se inscribirá).",),
        ("2. Convenio: código de la lista de convenios (abajo). Referencia: tal como aparece "
         "en la factura, con los ceros a la izquierda; la columna tiene formato texto, no la "
         "cambie a número.",),
        ("3. Cuenta débito: una cuenta de su empresa (abajo). Alias: opcional, hasta 60 "
         "caracteres.",),
        (f"4. Pago: VENCIMIENTO (el día del vencimiento) o DIAS_ANTES (entre 1 y "
         f"{MAX_DAYS_BEFORE} días antes, en «Días antes»).",),
        ("5. Monto máximo: en pesos (1500000 o 1.500.000; centavos opcionales tras una coma: "
         "1.500.000,50); las facturas por encima no se pagan.",),
        ("6. Fecha inicio y Fecha fin: AAAA-MM-DD (o DD/MM/AAAA). La fecha de inicio no puede "
         "ser anterior a hoy; la fecha fin es opcional.",),
        ("7. Guarde como .xlsx (o como CSV separado por «;») y cárguelo en «Carga "
         "Programación Automática» con un nombre que no haya usado antes.",),
        ("Si una sola fila tiene un error no se inscribe nada: descargue el reporte, "
         "corrija y cargue de nuevo con otro nombre.",),
        ("No use fórmulas: el archivo se rechaza.",),
        (),
        ("Convenios", "Nombre", "Referencia", "Longitud", "Tipo"),
    ]
    for line in lines:
        help_sheet.append(list(line))
    help_sheet["A1"].font = Font(bold=True, size=14, color="0033A0")
    first_biller = help_sheet.max_row + 1
    for biller in catalog_rows:
        size = (str(biller.ref_min) if biller.ref_min == biller.ref_max
                else f"{biller.ref_min} a {biller.ref_max}")
        help_sheet.append([biller.code, biller.name, biller.ref_label, size,
                           "solo dígitos" if biller.ref_numeric else "letras y dígitos"])
    last_biller = help_sheet.max_row
    help_sheet.append([])
    help_sheet.append(["Cuentas débito", "Nombre", "Tipo"])
    first_account = help_sheet.max_row + 1
    for account in accounts:
        help_sheet.append([account.number, account.name, account.kind])
    last_account = help_sheet.max_row
    for row in help_sheet.iter_rows(min_row=first_biller, max_col=1):
        row[0].number_format = "@"
        row[0].data_type = "s"
    for row in (13, first_account - 1):
        for cell in help_sheet[row]:
            cell.font = Font(bold=True)
    help_sheet.column_dimensions["A"].width = 16
    help_sheet.column_dimensions["B"].width = 40
    help_sheet.column_dimensions["C"].width = 26
    for row in help_sheet.iter_rows(max_row=11, max_col=1):
        row[0].alignment = Alignment(wrap_text=False)

    def dropdown(formula: str, column: str, title: str) -> None:
        rule = DataValidation(type="list", formula1=formula, allow_blank=True,
                              showErrorMessage=True, errorTitle=title,
                              error="Elija un valor de la lista.")
        rule.add(f"{column}2:{column}{last}")
        data.add_data_validation(rule)

    sheet_ref = f"'{HELP_SHEET}'"
    if catalog_rows:
        dropdown(f"{sheet_ref}!$A${first_biller}:$A${last_biller}", "A", "Convenio")
    if accounts:
        dropdown(f"{sheet_ref}!$A${first_account}:$A${last_account}", "D", "Cuenta débito")
    dropdown(f'"{VENCIMIENTO},{DIAS_ANTES}"', "E", "Pago")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
