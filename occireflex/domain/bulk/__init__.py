"""«Carga Programación Automática»: bulk inscription and programming by file.

Callers use this package's names: ``from occireflex.domain import bulk;
bulk.process(...)``. Its modules: ``layout`` (columns, sheets, limits, states),
``template`` (the .xlsx template), ``reader`` (reading .csv/.txt/.xlsx), ``rows`` (the
rules of a row), ``loader`` (the database-specific bulk inserts), ``files`` (the
registry of uploads, processing, reports and «Archivos Cargados»).
"""

from occireflex.domain.bulk.files import (
    enroll_all,
    error_report,
    first_errors,
    list_files,
    name_available,
    own_file,
    pending_files,
    process,
    register,
    report_bytes,
)
from occireflex.domain.bulk.layout import (
    COLUMNS,
    DATA_SHEET,
    DIAS_ANTES,
    EXTENSIONS,
    FILES_SERVICE,
    HEADERS,
    HELP_SHEET,
    LABEL,
    MAX_BYTES,
    MAX_REPORT_LINES,
    MAX_ROWS,
    MAX_UNZIPPED,
    NUMERIC_REF,
    POR_AUTORIZAR,
    PROCESADO,
    RECHAZADO,
    RECIBIDO,
    ROW,
    SERVICE,
    STATES,
    TEMPLATE_NAME,
    VALIDANDO,
    VENCIMIENTO,
    BulkFileRow,
    Progress,
    RowError,
    name_key,
)
from occireflex.domain.bulk.reader import parse
from occireflex.domain.bulk.rows import validate
from occireflex.domain.bulk.template import template_xlsx

__all__ = [
    "COLUMNS", "DATA_SHEET", "DIAS_ANTES", "EXTENSIONS", "FILES_SERVICE", "HEADERS",
    "HELP_SHEET", "LABEL", "MAX_BYTES", "MAX_REPORT_LINES", "MAX_ROWS", "MAX_UNZIPPED",
    "NUMERIC_REF", "POR_AUTORIZAR", "PROCESADO", "RECHAZADO", "RECIBIDO", "ROW", "SERVICE", "STATES",
    "TEMPLATE_NAME", "VALIDANDO", "VENCIMIENTO", "BulkFileRow", "Progress", "RowError",
    "enroll_all", "error_report", "first_errors", "list_files", "name_available", "name_key",
    "own_file", "parse", "pending_files", "process", "register", "report_bytes",
    "template_xlsx", "validate",
]
