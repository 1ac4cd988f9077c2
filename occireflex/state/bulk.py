"""«Carga Programación Automática» and «Archivos Cargados» (issue 5).

The upload is kept privately in the database (never in Reflex's public upload folder) and
processed outside the server's process: a background task starts
``python -m occireflex.bulk_worker`` (its own interpreter, so 100,000 rows of Python never
hold the GIL other users' events need), reads its progress lines and reports them to the
page.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time

import reflex as rx

from occireflex.bulk_worker import Outcome, outcome_of
from occireflex.domain import bulk
from occireflex.domain.access import Actor
from occireflex.domain.bogota import local_moment
from occireflex.models import utcnow
from occireflex.state import downloads
from occireflex.state.handler import handler, off_loop
from occireflex.state.inputs import to_int
from occireflex.state.paging import PagedMixin
from occireflex.state.portal import PortalState

UPLOAD_ID = "carga-programacion"
PROGRESS_EVERY = 0.3  # seconds between progress updates sent to the page
FAILED: Outcome = (bulk.RECHAZADO, 0, 0,
                   "No fue posible procesar el archivo. Intente de nuevo más tarde.", [])
log = logging.getLogger(__name__)


class BulkUploadState(PagedMixin, PortalState):
    file_name: str = ""
    name_message: str = ""
    name_ok: bool = False
    error: str = ""
    busy: bool = False
    progress: int = 0
    progress_text: str = ""
    outcome: str = ""  # Procesado | Rechazado
    outcome_message: str = ""
    outcome_rows: int = 0
    outcome_inscribed: int = 0
    first_errors: list[dict[str, str]] = []
    files: list[dict[str, str]] = []
    _file_id: int = 0

    @rx.event
    def set_file_name(self, value: str):
        self.file_name = value[:60] if isinstance(value, str) else ""
        self.name_message, self.name_ok, self.error = "", False, ""

    @handler
    def check_name(self, actor: Actor, db, _value: str = ""):
        """Tell the user before uploading whether the name can be used."""
        if not self.file_name.strip():
            return
        self.name_ok = bulk.name_available(db, actor, self.file_name)
        self.name_message = ("Nombre disponible." if self.name_ok else
                             f"El nombre «{self.file_name}» ya fue usado por su empresa "
                             "en otra carga y no puede repetirse.")

    @handler
    def download_template(self, actor: Actor, db):
        return downloads.xlsx(bulk.template_xlsx(db, actor), f"{bulk.TEMPLATE_NAME}.xlsx")

    @rx.event
    async def handle_upload(self, files: list[rx.UploadFile]):
        self.error, self.outcome, self.first_errors = "", "", []
        if self.busy:
            self.error = "Ya hay un archivo en proceso. Espere a que termine."
            return
        if not isinstance(files, list) or len(files) != 1:
            self.error = "Seleccione un archivo para cargar."
            return
        upload = files[0]
        data = await upload.read(bulk.MAX_BYTES + 1)  # never read more than the limit
        filename = upload.filename or ""

        def work(actor: Actor, db):
            record = bulk.register(db, actor, self.file_name, filename, bytes(data))
            db.flush()
            self._file_id = record.id
            return True

        started = await off_loop(self._perform, work)
        if started is not True:
            return started
        self.busy, self.progress, self.progress_text = True, 0, "Archivo recibido."
        return [rx.clear_selected_files(UPLOAD_ID), BulkUploadState.process_file]

    @rx.event(background=True)
    async def process_file(self):
        async with self:
            file_id = self._file_id
        if not file_id:
            return
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "occireflex.bulk_worker", str(file_id),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE)
        outcome, shown = None, 0.0
        async for line in worker.stdout:
            try:
                message = json.loads(line)
            except ValueError:  # not a line of ours (its errors go to the server's log)
                log.warning("Salida inesperada del proceso de la carga %s: %r", file_id, line)
                continue
            outcome = outcome_of(message) or outcome
            if "progress" in message and time.monotonic() - shown >= PROGRESS_EVERY:
                shown = time.monotonic()
                async with self:
                    self.progress = int(message["progress"] * 100)
                    self.progress_text = message["text"]
        if await worker.wait() != 0 or outcome is None:
            outcome = FAILED  # the worker marked the file Rechazado unless it was killed
        async with self:
            self._apply_outcome(outcome)

    def _apply_outcome(self, outcome: Outcome) -> None:
        state, rows, inscribed, message, errors = outcome
        self.busy, self.progress = False, 100
        self.outcome, self.outcome_message = state, message
        self.outcome_rows, self.outcome_inscribed = rows, inscribed
        self.first_errors = [{"row": str(e.row), "column": e.column, "value": e.value,
                              "reason": e.reason} for e in errors]
        self.file_name, self.name_message, self._file_id = "", "", 0

    # «Archivos Cargados» ------------------------------------------------------------

    def _reload(self, actor: Actor, db, page_turn: bool = False) -> None:
        rows, total = bulk.list_files(db, actor, self.page, self.page_size)
        self.total = total
        self.files = [{
            "id": str(r.id), "name": r.name, "filename": r.filename,
            "date": local_moment(r.uploaded_at),
            "user": r.user_name, "rows": str(r.rows), "inscribed": str(r.inscribed),
            "state": r.state, "errors": str(r.error_count), "message": r.message,
        } for r in rows]

    @handler
    def load_files(self, actor: Actor, db):
        self.page, self.error = 1, ""
        self._reload(actor, db)

    @handler
    def download_report(self, actor: Actor, db, file_id: str):
        fid = to_int(file_id)
        if fid is None:
            return None
        data = bulk.report_bytes(db, actor, fid)
        if not data:
            self.error = "El archivo aún no tiene reporte: está en proceso."
            return None
        stamp = utcnow().strftime("%Y%m%d")
        return rx.download(data=data, filename=f"reporte-carga-{fid}-{stamp}.csv")
