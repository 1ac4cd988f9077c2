"""Reading an uploaded file into rows of text: .csv/.txt separated by «;» (UTF-8 or
Latin-1) and .xlsx (refusing zip bombs and formulas). Only ValidationError escapes,
with a Spanish message, whatever the bytes."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from datetime import date, datetime
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook

from occireflex.domain.bulk import layout
from occireflex.domain.bulk.layout import (
    COLUMNS,
    DATA_SHEET,
    EMPTY,
    EXTENSIONS,
    HEADERS,
    LABEL,
    MAX_BYTES,
    MAX_UNZIPPED,
    NO_FILE,
    NUMERIC_REF,
    ROW,
    TOO_BIG,
    UNSUPPORTED,
    name_key,
)
from occireflex.domain.errors import ValidationError
from occireflex.domain.fields import SPACES


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
    return ValidationError(f"El archivo tiene más de {layout.MAX_ROWS:,} filas de datos; "
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
        if len(rows) >= layout.MAX_ROWS:
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
        raise ValidationError(EMPTY)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    try:
        header = next(reader)
        while not any(c.strip() for c in header):
            header = next(reader)
    except StopIteration as exc:
        raise ValidationError(EMPTY) from exc
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
        if sheet.height > 2 * layout.MAX_ROWS:
            raise _too_many()
        if sheet.height == 0 or sheet.width == 0:
            raise ValidationError(EMPTY)
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
        raise ValidationError(NO_FILE)
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in EXTENSIONS:
        raise ValidationError(UNSUPPORTED)
    if not data:
        raise ValidationError(EMPTY)
    if len(data) > MAX_BYTES:
        raise ValidationError(TOO_BIG)
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
