"""«Carga Programación Automática»: bulk enrollment and programming by file.

The flow: ``register`` keeps the uploaded bytes privately (state «Recibido»); ``process``
(the sidecar or a background task, never the user's event loop) runs ``parse`` →
``validate`` → ``enroll_all``: all or nothing. A file with any bad row is «Rechazado» with a
CSV report (row, column, value, reason); a good one is «Procesado», every inscription and
its programming created in one transaction. The name of a file can never be used again
by the company (case-, accent- and space-insensitive), whatever became of the upload.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import NamedTuple
from xml.etree import ElementTree

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from occireflex import catalog
from occireflex.domain import audit, billers, fields, security
from occireflex.domain.access import Actor, deny, grants_for, require, valid_id
from occireflex.domain.accounts import company_accounts
from occireflex.domain.autopay import MAX_DAYS_BEFORE, RuleInput, _insert_rows, validate_rule
from occireflex.domain.errors import AccessDenied, DomainError, ValidationError
from occireflex.domain.exports import neutralise
from occireflex.domain.fields import SPACES
from occireflex.models import (
    AutoPayRule,
    Bill,
    Biller,
    BulkFile,
    Company,
    Enrollment,
    User,
    utcnow,
)

SERVICE = "transacciones.pagos.servicios"
FILES_SERVICE = "consultas.archivos_cargados"  # Consultas > Archivos Cargados
TEMPLATE_NAME = "Macro Pagos Programados PSP"
DATA_SHEET = "Programación"
HELP_SHEET = "Instrucciones"
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_UNZIPPED = 400 * 1024 * 1024  # an .xlsx is a zip: refuse zip bombs before reading
MAX_REPORT_LINES = 50_000
PAGE_SIZES = (10, 25, 50)
EXTENSIONS = (".xlsx", ".csv", ".txt")

RECIBIDO, VALIDANDO, PROCESADO, RECHAZADO = "Recibido", "Validando", "Procesado", "Rechazado"
STATES = (RECIBIDO, VALIDANDO, PROCESADO, RECHAZADO)
VENCIMIENTO, DIAS_ANTES = "VENCIMIENTO", "DIAS_ANTES"

# (header as shown, key in the parsed rows)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Convenio", "convenio"),
    ("Referencia", "referencia"),
    ("Alias", "alias"),
    ("Cuenta débito", "cuenta"),
    ("Pago", "pago"),
    ("Días antes", "dias_antes"),
    ("Monto máximo", "monto_maximo"),
    ("Fecha inicio", "fecha_inicio"),
    ("Fecha fin", "fecha_fin"),
)
HEADERS = tuple(h for h, _ in COLUMNS)
LABEL = dict((k, h) for h, k in COLUMNS)
ROW = "_row"  # the row number as the user sees it in the file (header is row 1)
NUMERIC_REF = "_numeric_ref"  # the xlsx stored the reference as a number

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str


@dataclass(frozen=True)
class BulkFileRow:
    """One line of «Archivos Cargados»."""

    id: int
    name: str
    filename: str
    uploaded_at: datetime
    user_name: str
    rows: int
    inscribed: int
    state: str
    error_count: int
    message: str


# Names ---------------------------------------------------------------------------------

def name_key(name: str) -> str:
    """«Serv Públi» and «servpubli» are the same name: no case, accents or spaces."""
    return "".join(security.fold(name).split())


def _clean_name(name: object) -> tuple[str, str]:
    text = fields.file_name(name)
    return text, name_key(text)[:fields.MAX_FILE_NAME]


def _name_taken(db: Session, company_id: int, key: str) -> bool:
    return db.exec(select(BulkFile.id).where(BulkFile.company_id == company_id,
                                             BulkFile.name_key == key)).first() is not None


def _reused(name: str) -> str:
    return (f"Ya existe un archivo cargado con el nombre «{name}». El nombre no se puede "
            "volver a usar: elija otro.")


def name_available(db: Session, actor: Actor, name: object) -> bool:
    """For the form, before uploading; raises ValidationError for an invalid name."""
    require(db, actor, SERVICE)
    _, key = _clean_name(name)
    return not _name_taken(db, actor.company_id, key)


# The template --------------------------------------------------------------------------

def _example_reference(biller: Biller) -> str:
    size = max(biller.ref_min, min(10, biller.ref_max))
    return ("00" + "1234567890123456789")[:size]


def template_xlsx(db: Session, actor: Actor, today: date | None = None) -> bytes:
    """«Macro Pagos Programados PSP» from the live biller catalog and the company's
    accounts: the data sheet «Programación» (with dropdowns and one example row) and
    «Instrucciones» (which also holds the lists the dropdowns read)."""
    require(db, actor, SERVICE)
    today = today or billers.local_today(utcnow())
    catalog_rows = list(db.exec(select(Biller).where(Biller.is_active)
                                .order_by(Biller.code)).all())
    accounts = company_accounts(db, actor)
    wb = Workbook()
    data = wb.active
    data.title = DATA_SHEET
    data.append(list(HEADERS))
    header_font, header_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid",
                                                                            fgColor="0033A0")
    for cell in data[1]:
        cell.font, cell.fill = header_font, header_fill
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


# Parsing -------------------------------------------------------------------------------

def _header_key(text: object) -> str:
    value = re.sub(r"\(.*?\)", "", str(text))  # «Fecha inicio (AAAA-MM-DD)» → Fecha inicio
    return name_key(value)


_HEADER_KEYS = {_header_key(h): k for h, k in COLUMNS}


def _map_header(header: list[object]) -> list[str | None]:
    """Column index → row key; ValidationError naming missing/extra/repeated columns."""
    keys: list[str | None] = []
    extra, seen, repeated = [], set(), []
    for cell in header:
        text = "" if cell is None else str(cell).strip()
        key = _HEADER_KEYS.get(_header_key(text))
        if key is None:
            if text:
                extra.append(text[:40])
        elif key in seen:
            repeated.append(LABEL[key])
        else:
            seen.add(key)
        keys.append(key if key not in repeated else None)
    missing = [h for h, k in COLUMNS if k not in seen]
    problems = []
    if missing:
        problems.append("faltan las columnas " + ", ".join(f"«{m}»" for m in missing))
    if extra:
        problems.append("sobran las columnas " + ", ".join(f"«{e}»" for e in extra[:10]))
    if repeated:
        problems.append("se repiten las columnas " + ", ".join(f"«{r}»" for r in repeated))
    if problems:
        raise ValidationError(
            f"El encabezado (fila 1) no corresponde a la plantilla: {'; '.join(problems)}. "
            f"Columnas esperadas: {', '.join(HEADERS)}.")
    return keys


def _too_many() -> ValidationError:
    return ValidationError(f"El archivo tiene más de {MAX_ROWS:,} filas de datos; "
                           "divídalo en varios archivos.".replace(",", "."))


def _build_rows(cells: Iterable[tuple[int, list[object]]], keys: list[str | None],
                convert: Callable[[str, object], tuple[str, bool]]) -> list[dict]:
    rows: list[dict] = []
    width = len(keys)
    columns = [(i, key) for i, key in enumerate(keys) if key is not None]
    needed = max(i for i, _ in columns) + 1  # _map_header: every key has its column
    text_only = convert is _text_cell  # CSV: every value is already a str
    for number, values in cells:
        # any(values) is a shortcut: a truthy value is never "" or None
        if not any(values) and not any(v not in ("", None) for v in values):
            continue  # blank lines are skipped, the numbering is kept
        if len(values) > width and any(v not in ("", None) for v in values[width:]):
            raise ValidationError(f"La fila {number} tiene más columnas que el encabezado "
                                  f"({len(values)} en lugar de {width}).")
        if len(rows) >= MAX_ROWS:
            raise _too_many()
        row: dict = {ROW: number}
        size = len(values)
        if text_only:
            for index, key in columns:
                if index < size:
                    row[key] = values[index].strip(SPACES)
        else:
            for index, key in columns:
                if index >= size:
                    continue
                text, numeric = convert(key, values[index])
                row[key] = text
                if numeric and key == "referencia":
                    row[NUMERIC_REF] = True
        if size < needed:  # a short line: the missing columns are empty
            for key in LABEL:
                row.setdefault(key, "")
        rows.append(row)
    if not rows:
        raise ValidationError("El archivo no tiene filas de datos (solo el encabezado).")
    return rows


def _text_cell(_key: str, value: object) -> tuple[str, bool]:
    return ("" if value is None else str(value).strip(SPACES)), False


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise ValidationError("El archivo no es de texto: guárdelo como CSV separado por «;».")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")  # Latin-1 as Windows writes it (accents, ñ, €)
    except UnicodeDecodeError as exc:
        raise ValidationError(
            "No se pudo leer el texto del archivo: guárdelo en UTF-8 o Latin-1 "
            f"(byte no válido en la posición {exc.start}).") from exc


def _parse_text(data: bytes) -> list[dict]:
    text = _decode(data)
    if not text.strip():
        raise ValidationError("El archivo está vacío.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    try:
        header = next(reader)
        while not any(c.strip() for c in header):
            header = next(reader)
    except StopIteration as exc:
        raise ValidationError("El archivo está vacío.") from exc
    except csv.Error as exc:
        raise ValidationError("El archivo CSV está mal formado en la fila 1.") from exc
    if len(header) == 1 and ("," in header[0] or "\t" in header[0]):
        raise ValidationError("Las columnas deben ir separadas por punto y coma («;»).")
    keys = _map_header(header)

    def numbered() -> Iterable[tuple[int, list[object]]]:
        try:
            for values in reader:
                yield reader.line_num, values
        except csv.Error as exc:
            raise ValidationError(
                f"El archivo CSV está mal formado cerca de la fila {reader.line_num + 1} "
                "(revise las comillas).") from exc

    return _build_rows(numbered(), keys, _text_cell)


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_OPEN = re.compile(rb"<(?:\w+:)?c\b([^>]*)>")
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _sheet_xml_path(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The part of the workbook that holds the named sheet."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    for sheet in workbook.iter():
        if sheet.tag.endswith("}sheet") and sheet.get("name") == sheet_name:
            target = targets.get(sheet.get(f"{{{_REL_NS}}}id"), "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def _check_formulas(data: bytes, sheet_name: str) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED:
            raise ValidationError("El libro de Excel es demasiado grande al descomprimirlo.")
        path = _sheet_xml_path(archive, sheet_name)
        if path is None:
            return
        xml = archive.read(path)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, RuntimeError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            raise
        raise ValidationError("El archivo .xlsx está dañado o no es un libro de Excel.") from exc
    found = _FORMULA_TAG.search(xml)
    if found:
        start = max(xml.rfind(b"<c ", 0, found.start()), xml.rfind(b":c ", 0, found.start()))
        cell = _CELL_OPEN.search(xml, max(0, start - 10), found.start())
        ref = _CELL_REF.search(cell.group(1)) if cell else None
        where = ""
        if ref:
            column = ref.group(1).decode()
            index = _column_index(column)
            name = f" «{HEADERS[index]}»" if index < len(HEADERS) else ""
            where = f" en la fila {int(ref.group(2))}, columna {column}{name}"
        raise ValidationError(f"El archivo tiene fórmulas{where}: escriba los valores, "
                              "sin fórmulas.")


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def _number_text(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e18:
        return str(int(value))
    return repr(value)


def _xlsx_cell(_key: str, value: object) -> tuple[str, bool]:
    if type(value) is str:  # the common case first: text cells
        return value.strip(SPACES), False
    if value is None:
        return "", False
    if isinstance(value, bool):
        return ("VERDADERO" if value else "FALSO"), False
    if isinstance(value, int | float):
        return _number_text(value), True
    if isinstance(value, datetime):
        return (value.date().isoformat() if value.time() == datetime.min.time()
                else value.isoformat(sep=" ")), False
    if isinstance(value, date):
        return value.isoformat(), False
    return str(value).strip(SPACES), False


def _parse_xlsx(data: bytes) -> list[dict]:
    if not data.startswith(b"PK\x03\x04"):
        raise ValidationError("El archivo .xlsx no es un libro de Excel válido.")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(workbook.sheet_names)
    except Exception as exc:  # calamine raises its own errors and Rust panics
        raise ValidationError("El archivo .xlsx está dañado o no es un libro de Excel.") from exc
    if not names:
        raise ValidationError("El libro de Excel no tiene hojas.")
    by_key = {name_key(n): n for n in names}
    sheet_name = by_key.get(name_key(DATA_SHEET), names[0])
    _check_formulas(data, sheet_name)
    try:
        sheet = workbook.get_sheet_by_name(sheet_name)
        if sheet.height > 2 * MAX_ROWS:
            raise _too_many()
        if sheet.height == 0 or sheet.width == 0:
            raise ValidationError("El archivo está vacío.")
        if tuple(sheet.start) != (0, 0):
            raise ValidationError(
                f"El encabezado debe empezar en la celda A1 de la hoja «{sheet_name}».")
        table = iter(sheet.iter_rows())
        keys = _map_header(list(next(table)))
        return _build_rows(((i, list(values)) for i, values in enumerate(table, start=2)),
                           keys, _xlsx_cell)
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError("El archivo .xlsx está dañado o no es un libro de Excel.") from exc


def parse(data: bytes, filename: str) -> list[dict]:
    """The data rows of an uploaded file, as text (keys of ``COLUMNS`` plus ``_row``).

    Raises only ValidationError, with a Spanish message, whatever the bytes."""
    if not isinstance(data, bytes | bytearray) or not isinstance(filename, str):
        raise ValidationError("Seleccione un archivo para cargar.")
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in EXTENSIONS:
        raise ValidationError("Tipo de archivo no admitido: cargue la plantilla en Excel "
                              "(.xlsx) o un archivo de texto .csv o .txt separado por «;».")
    if not data:
        raise ValidationError("El archivo está vacío.")
    if len(data) > MAX_BYTES:
        raise ValidationError("El archivo supera el tamaño máximo de 20 MB.")
    try:
        if extension == ".xlsx":
            return _parse_xlsx(bytes(data))
        if data.startswith(b"PK\x03\x04"):
            raise ValidationError(f"El archivo {extension} parece un libro de Excel: "
                                  "cárguelo con la extensión .xlsx.")
        return _parse_text(bytes(data))
    except ValidationError:
        raise
    except Exception as exc:  # never a stack trace for the user
        raise ValidationError("No se pudo leer el archivo: revise que corresponda a la "
                              "plantilla.") from exc


# Validation ----------------------------------------------------------------------------

_DMY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")  # ASCII digits: never «١٢»
_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LOOKS_NUMERIC = re.compile(r"[0-9]+(?:[.,][0-9]*)?(?:[eE][+-]?[0-9]+)?")


def _as_text(value: object) -> str:
    if value is None:
        return ""
    return value.strip(SPACES) if isinstance(value, str) else str(value).strip(SPACES)


def _date(text: str) -> date | None:
    try:
        if _ISO.fullmatch(text):
            return date.fromisoformat(text)
        match = _DMY.fullmatch(text)
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None
    return None


def _number_like(text: str) -> bool:
    """«1.23E+09», «123456.0», «123456,0»: what a spreadsheet writes for a number."""
    return ("e" in text.lower() or "." in text or "," in text) and bool(
        _LOOKS_NUMERIC.fullmatch(text))


class _Planned(NamedTuple):
    row: int
    biller: Biller
    reference: str
    alias: str
    account_id: int
    rule: RuleInput
    biller_id: int


class _Catalog:
    def __init__(self, db: Session, actor: Actor) -> None:
        self.billers = {b.code: b for b in db.exec(select(Biller)).all()}
        self.accounts = {a.number: a for a in company_accounts(db, actor)}
        self.inscribed = set(db.exec(select(Enrollment.biller_id, Enrollment.reference).where(
            Enrollment.company_id == actor.company_id, Enrollment.deleted_at.is_(None))).all())


_MSG_NUMERIC_REF = ("La hoja de cálculo guardó la referencia como número (o en notación "
                    "científica): pudo perder los ceros a la izquierda. Escríbala como texto, "
                    "tal como aparece en la factura.")
_MSG_DATE = "Fecha no válida: use AAAA-MM-DD o DD/MM/AAAA."


def _text(row: dict, key: str) -> str:
    value = row.get(key)
    return value.strip(SPACES) if type(value) is str else _as_text(value)


def _fail(bad: list[RowError], number: int, key: str, value: str, reason: str) -> None:
    bad.append(RowError(number, LABEL[key], value[:100], reason))


def _check_rows(db: Session, actor: Actor, rows: object, today: date,
                progress: Progress | None = None) -> tuple[list[RowError], list[_Planned]]:
    """Every row checked once. The values that repeat from row to row (payment mode,
    days, amount, dates, the programming rule) are parsed once each and remembered."""
    if not isinstance(rows, list):
        raise ValidationError("Datos del archivo no válidos.")
    if not isinstance(today, date):
        raise ValidationError("Fecha no válida.")
    known = _Catalog(db, actor)
    # plain snapshots of the ORM rows: instrumented attribute reads cost ~0.5 µs each
    catalog = {code: (b, b.id, b.name, b.is_active, fields.reference_rule(b))
               for code, b in known.billers.items()}
    accounts = {number: a.id for number, a in known.accounts.items()}
    inscribed = known.inscribed
    modes: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    amounts: dict[str, int | str] = {}  # centavos, or why the text is refused
    rules: dict[tuple, RuleInput | str] = {}
    errors: list[RowError] = []
    planned: list[_Planned] = []
    first_seen: dict[tuple[int, str], int] = {}
    total = len(rows) or 1
    fail = _fail
    for index, raw in enumerate(rows):
        if progress is not None and index and index % 20_000 == 0:
            progress(0.1 + 0.4 * index / total, f"Validando fila {index:,}".replace(",", "."))
        row = raw if isinstance(raw, dict) else {}
        number = row.get(ROW)
        number = number if valid_id(number) else index + 2
        bad: list[RowError] = []

        code = _text(row, "convenio")
        entry = catalog.get(code)
        biller = biller_id = None
        if not code:
            fail(bad, number, "convenio", code, "Ingrese el código del convenio.")
        elif entry is None:
            fail(bad, number, "convenio", code, f"El convenio {code[:20]} no existe.")
        elif not entry[3]:
            fail(bad, number, "convenio", code,
                 f"El convenio {code} ({entry[2]}) no está activo.")
        else:
            biller, biller_id = entry[0], entry[1]

        reference_raw = _text(row, "referencia")
        reference = ""
        if reference_raw.isdigit() and reference_raw.isascii():
            numeric_like = False  # no «e», «.» or «,»: never what _number_like looks for
        else:
            numeric_like = _number_like(reference_raw)
        if row.get(NUMERIC_REF) is True or numeric_like:
            fail(bad, number, "referencia", reference_raw, _MSG_NUMERIC_REF)
        elif biller is not None:
            try:
                reference = fields.reference(reference_raw, entry[4])
            except ValidationError as exc:
                fail(bad, number, "referencia", reference_raw, exc.message)
        elif not reference_raw:
            fail(bad, number, "referencia", reference_raw, "Ingrese la referencia de pago.")

        alias = _text(row, "alias")
        try:
            alias = fields.alias(alias)
        except ValidationError as exc:
            fail(bad, number, "alias", alias, exc.message)

        account_text = _text(row, "cuenta").replace(" ", "")
        account_id = accounts.get(account_text)
        if account_id is None:
            fail(bad, number, "cuenta", account_text, "La cuenta no pertenece a su empresa."
                 if account_text else "Ingrese la cuenta débito.")

        pago = _text(row, "pago")
        mode = modes.get(pago)
        if mode is None:
            mode = modes[pago] = name_key(pago).upper().replace("_", "")
        days_text = _text(row, "dias_antes")
        days: int | None = None
        if mode == "VENCIMIENTO":
            if days_text not in ("", "0"):
                fail(bad, number, "dias_antes", days_text,
                     "Con pago al VENCIMIENTO deje «Días antes» vacío o en 0.")
            days = 0
        elif mode == "DIASANTES":
            value = fields.ascii_int(days_text, max_digits=3)
            if value is None or not 1 <= value <= MAX_DAYS_BEFORE:
                fail(bad, number, "dias_antes", days_text,
                     f"Con pago DIAS_ANTES indique entre 1 y {MAX_DAYS_BEFORE} días.")
            else:
                days = value
        else:
            fail(bad, number, "pago", pago, "Indique VENCIMIENTO o DIAS_ANTES.")

        amount_text = _text(row, "monto_maximo")
        max_amount = amounts.get(amount_text)
        if max_amount is None:
            try:
                max_amount = amounts[amount_text] = fields.amount(amount_text)
            except ValidationError as exc:
                max_amount = amounts[amount_text] = exc.message
        if type(max_amount) is str:
            fail(bad, number, "monto_maximo", amount_text, max_amount)

        start_text = _text(row, "fecha_inicio")
        if not start_text:
            start = today
        elif start_text in dates:
            start = dates[start_text]
        else:
            start = dates[start_text] = _date(start_text)
        if start is None:
            fail(bad, number, "fecha_inicio", start_text, _MSG_DATE)
        elif start < today:
            fail(bad, number, "fecha_inicio", start_text,
                 "La fecha de inicio no puede ser anterior a hoy.")
        end_text = _text(row, "fecha_fin")
        if not end_text:
            end = None
        elif end_text in dates:
            end = dates[end_text]
        else:
            end = dates[end_text] = _date(end_text)
        if end_text and end is None:
            fail(bad, number, "fecha_fin", end_text, _MSG_DATE)
        elif end is not None and start is not None and end < start:
            fail(bad, number, "fecha_fin", end_text,
                 "La fecha final debe ser posterior a la fecha de inicio.")

        if biller is not None and reference:
            pair = (biller_id, reference)
            if pair in inscribed:
                fail(bad, number, "referencia", reference_raw,
                     f"La referencia {reference} de {entry[2]} ya está inscrita en su "
                     "empresa.")
            elif pair in first_seen:
                fail(bad, number, "referencia", reference_raw,
                     f"Referencia repetida en el archivo (ya está en la fila "
                     f"{first_seen[pair]}).")
            else:
                first_seen[pair] = number
        if bad:
            errors.extend(bad)
            continue
        key = (account_id, days, max_amount, start, end)
        rule = rules.get(key)
        if rule is None:  # the same rules as the one-by-one programming, once per value set
            rule = RuleInput(account_id=account_id, days_before=days, max_amount=max_amount,
                             start_on=start, end_on=end)
            try:
                validate_rule(rule, today)
            except ValidationError as exc:
                rule = exc.message
            rules[key] = rule
        if type(rule) is str:
            errors.append(RowError(number, LABEL["pago"], "", rule))
            continue
        planned.append(_Planned(number, biller, reference, alias, account_id, rule,
                                biller_id))
    return errors, planned


def validate(db: Session, actor: Actor, rows: object, today: date) -> list[RowError]:
    """Every problem of every row (an empty list means the file can be enrolled)."""
    require(db, actor, SERVICE)
    errors, _ = _check_rows(db, actor, rows, today)
    return errors


# Enrollment ----------------------------------------------------------------------------

def _own_file(db: Session, actor: Actor, file_id: object) -> BulkFile:
    if valid_id(file_id):
        row = db.get(BulkFile, file_id)
        if row is not None and row.company_id == actor.company_id:
            return row
    deny(db, actor, f"archivo:{str(file_id)[:30]}", "El archivo no existe.")
    raise AssertionError  # deny always raises


def enroll_all(db: Session, actor: Actor, file_id: object, rows: object, now: datetime,
               progress: Progress | None = None) -> int:
    """Inscribe and program every row, with each current bill, in the caller's
    transaction; all or nothing. Returns how many were inscribed. The caller commits."""
    require(db, actor, SERVICE)
    bulk = _own_file(db, actor, file_id)
    today = billers.local_today(now)
    errors, planned = _check_rows(db, actor, rows, today, progress)
    if errors:
        raise ValidationError(f"El archivo tiene {len(errors):,} error(es): no se inscribió "
                              "nada.".replace(",", "."))
    return _enroll(db, actor, bulk, planned, now, progress)


def _enroll(db: Session, actor: Actor, bulk: BulkFile, planned: list[_Planned], now: datetime,
            progress: Progress | None) -> int:
    if not planned:
        raise ValidationError("El archivo no tiene filas de datos.")
    today = billers.local_today(now)
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
            _insert_rows(conn, e, [
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
        _insert_rows(conn, r, [
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
                         amount(plain, p.reference, period), issued, due, "pendiente", 1))
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
                          "issued_on": issued, "due_on": due, "status": "pendiente",
                          "version": 1})
        for start in range(0, len(bills), 5000):
            billers._insert_ignore(db, bills[start:start + 5000])
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


# Upload, processing and the list -------------------------------------------------------

def register(db: Session, actor: Actor, name: object, filename: object, data: object,
             now: datetime | None = None) -> BulkFile:
    """Keep the upload (state «Recibido») for ``process``; the caller commits."""
    require(db, actor, SERVICE)
    text, key = _clean_name(name)
    if not isinstance(filename, str) or not isinstance(data, bytes | bytearray):
        raise ValidationError("Seleccione un archivo para cargar.")
    original = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
    if not original.lower().endswith(EXTENSIONS):
        raise ValidationError("Tipo de archivo no admitido: cargue la plantilla en Excel "
                              "(.xlsx) o un archivo de texto .csv o .txt separado por «;».")
    if not data:
        raise ValidationError("El archivo está vacío.")
    if len(data) > MAX_BYTES:
        raise ValidationError("El archivo supera el tamaño máximo de 20 MB.")
    if _name_taken(db, actor.company_id, key):
        raise ValidationError(_reused(text))
    row = BulkFile(company_id=actor.company_id, name=text, name_key=key, filename=original,
                   user_id=actor.user_id, uploaded_at=now or utcnow(), state=RECIBIDO,
                   size=len(data), content=bytes(data))
    db.add(row)
    try:
        db.flush()
    except IntegrityError as exc:  # the same name, uploaded at the same moment
        db.rollback()
        raise ValidationError(_reused(text)) from exc
    audit.record(db, "carga_programacion_recibida", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"archivo:{row.id}",
                 after={"archivo": text, "nombre_original": original, "bytes": len(data)},
                 ip=actor.ip, channel=actor.channel)
    return row


def _report_csv(lines: Iterable[tuple[object, ...]]) -> bytes:
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
    return _report_csv(lines)


def _actor_for(db: Session, bulk: BulkFile) -> Actor:
    """The uploader, with the grants they hold now (a revoked grant stops the file)."""
    user = db.get(User, bulk.user_id)
    company = db.get(Company, bulk.company_id)
    if user is None or company is None or user.company_id != bulk.company_id \
            or not user.is_active:
        raise AccessDenied("El usuario que cargó el archivo ya no está activo.")
    return Actor(user_id=user.id, company_id=company.id, username=user.username,
                 full_name=user.full_name, company_name=company.name, company_nit=company.nit,
                 is_admin=user.is_admin, session_id=0, channel="programador", ip="",
                 grants=grants_for(db, user))


def _finish(db: Session, bulk: BulkFile, state: str, message: str, report: bytes,
            error_count: int, now: datetime) -> None:
    bulk.state, bulk.message, bulk.report = state, message[:300], report
    bulk.error_count, bulk.processed_at = error_count, now
    db.add(bulk)


def process(db: Session, file_id: int, progress: Progress | None = None,
            now: datetime | None = None) -> BulkFile | None:
    """Parse → validate → enroll or reject one «Recibido» file (sidecar or background
    task). Commits. Returns the file, or None if it was not waiting (someone took it)."""
    now = now or utcnow()
    note = progress or (lambda _fraction, _message: None)
    claimed = db.execute(update(BulkFile).where(BulkFile.id == file_id,
                                                BulkFile.state == RECIBIDO)
                         .values(state=VALIDANDO)).rowcount
    db.commit()
    if claimed != 1:
        return None
    bulk = db.get(BulkFile, file_id)
    db.refresh(bulk)
    note(0.05, "Leyendo el archivo")
    try:
        actor = _actor_for(db, bulk)
        rows = parse(bulk.content, bulk.filename)
        bulk.rows = len(rows)
        note(0.1, f"Validando {len(rows):,} filas".replace(",", "."))
        require(db, actor, SERVICE)
        errors, planned = _check_rows(db, actor, rows, billers.local_today(now), note)
        if errors:
            note(1.0, "Archivo rechazado")
            first = errors[0]
            _finish(db, bulk, RECHAZADO,
                    f"{len(errors)} error(es). Fila {first.row}, {first.column}: "
                    f"{first.reason}", error_report(errors), len(errors), now)
            audit.record(db, "carga_programacion_rechazada", company_id=bulk.company_id,
                         user_id=bulk.user_id, target=f"archivo:{bulk.id}", outcome="fallido",
                         after={"archivo": bulk.name, "filas": len(rows),
                                "errores": len(errors)}, channel="programador")
            db.commit()
            return bulk
        note(0.5, "Inscribiendo")
        del rows
        count = _enroll(db, actor, bulk, planned, now, note)
        summary = _report_csv([("Archivo", "Filas", "Inscritas y programadas", "Estado"),
                               (bulk.name, bulk.rows, count, PROCESADO)])
        _finish(db, bulk, PROCESADO, f"{count} inscripciones creadas y programadas.", summary,
                0, now)
        db.commit()
        note(1.0, "Archivo procesado")
        return bulk
    except DomainError as exc:
        db.rollback()
        bulk = db.get(BulkFile, file_id)
        _finish(db, bulk, RECHAZADO, exc.message,
                _report_csv([("Fila", "Columna", "Valor", "Motivo"), ("", "", "", exc.message)]),
                1, now)
        audit.record(db, "carga_programacion_rechazada", company_id=bulk.company_id,
                     user_id=bulk.user_id, target=f"archivo:{bulk.id}", outcome="fallido",
                     after={"archivo": bulk.name, "motivo": exc.message},
                     channel="programador")
        db.commit()
        note(1.0, "Archivo rechazado")
        return bulk
    except Exception:  # a bug, or the database went away: never stuck in «Validando»
        db.rollback()
        bulk = db.get(BulkFile, file_id)
        message = "Error interno al procesar el archivo; cárguelo de nuevo con otro nombre."
        _finish(db, bulk, RECHAZADO, message,
                _report_csv([("Fila", "Columna", "Valor", "Motivo"), ("", "", "", message)]),
                1, now)
        db.commit()
        raise


def pending_files(db: Session) -> list[int]:
    """Files waiting for ``process`` (for the sidecar), oldest first."""
    return list(db.exec(select(BulkFile.id).where(BulkFile.state == RECIBIDO)
                        .order_by(BulkFile.id)).all())


def list_files(db: Session, actor: Actor, page: object = 1, size: object = 10,
               ) -> tuple[list[BulkFileRow], int]:
    """«Archivos Cargados»: the company's uploads, newest first (without their bytes)."""
    require(db, actor, FILES_SERVICE, catalog.CONSULTAR)
    size = size if size in PAGE_SIZES else PAGE_SIZES[0]
    number = page if valid_id(page) and page < 10**6 else 1
    total = db.exec(select(func.count()).select_from(BulkFile).where(
        BulkFile.company_id == actor.company_id)).one()
    rows = db.exec(select(BulkFile.id, BulkFile.name, BulkFile.filename, BulkFile.uploaded_at,
                          User.full_name, BulkFile.rows, BulkFile.inscribed, BulkFile.state,
                          BulkFile.error_count, BulkFile.message)
                   .join(User, User.id == BulkFile.user_id)
                   .where(BulkFile.company_id == actor.company_id)
                   .order_by(BulkFile.uploaded_at.desc(), BulkFile.id.desc())
                   .offset((number - 1) * size).limit(size)).all()
    return [BulkFileRow(*row) for row in rows], total


def report_bytes(db: Session, actor: Actor, file_id: object) -> bytes:
    """The error report (Rechazado) or the summary (Procesado) as CSV; empty while the
    file waits. Another company's file is denied and audited."""
    require(db, actor, FILES_SERVICE, catalog.CONSULTAR)
    bulk = _own_file(db, actor, file_id)
    return bulk.report or b""


def first_errors(report: bytes, limit: int = 10) -> list[RowError]:
    """The first lines of a stored report, for the screen."""
    text = report.decode("utf-8-sig", errors="replace")
    result = []
    for line in list(csv.reader(io.StringIO(text), delimiter=";"))[1:limit + 1]:
        if len(line) == 4:
            row = fields.ascii_int(line[0]) or 0
            result.append(RowError(row, line[1], line[2].removeprefix("'"), line[3]))
    return result

