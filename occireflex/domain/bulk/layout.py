"""The bulk file's layout and vocabulary: columns, sheets, limits, states, names.

Shared by the template, the reader, the row rules, the loader and the file registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from occireflex import catalog
from occireflex.domain import security

SERVICE = catalog.SERVICIOS_PUBLICOS
FILES_SERVICE = catalog.ARCHIVOS_CARGADOS  # Consultas > Archivos Cargados
TEMPLATE_NAME = "Macro Pagos Programados PSP"
DATA_SHEET = "Programación"
HELP_SHEET = "Instrucciones"
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_UNZIPPED = 400 * 1024 * 1024  # an .xlsx is a zip: refuse zip bombs before reading
MAX_REPORT_LINES = 50_000
EXTENSIONS = (".xlsx", ".csv", ".txt")
UNSUPPORTED = ("Tipo de archivo no admitido: cargue la plantilla en Excel (.xlsx) o un "
               "archivo de texto .csv o .txt separado por «;».")
EMPTY = "El archivo está vacío."
TOO_BIG = "El archivo supera el tamaño máximo de 20 MB."
NO_FILE = "Seleccione un archivo para cargar."

RECIBIDO, VALIDANDO, PROCESADO, RECHAZADO = "Recibido", "Validando", "Procesado", "Rechazado"
POR_AUTORIZAR = "Pendiente por autorizar"  # valid, waiting for Control dual (domain/dual)
STATES = (RECIBIDO, VALIDANDO, POR_AUTORIZAR, PROCESADO, RECHAZADO)
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


def name_key(name: str) -> str:
    """«Serv Públi» and «servpubli» are the same name: no case, accents or spaces."""
    return "".join(security.fold(name).split())
