"""«Inscribir con código de barras» and «Pagar con código de barras» (issue 16, point 3):
the bill's GS1-128 line typed or pasted, or a photo/scan of it uploaded; the domain reads
it (the image decoded off the event loop) and inscribes the service, or opens «Pagar
facturas» with that bill."""

from __future__ import annotations

import reflex as rx

from occireflex.domain.access import Actor
from occireflex.domain.payments import barcode
from occireflex.domain.payments.barcode_image import MAX_BYTES
from occireflex.models import utcnow
from occireflex.state.handler import handler, off_loop
from occireflex.state.inputs import to_id

INSCRIBIR, PAGAR = "inscribir", "pagar"
UPLOAD_ID = "codigo-barras-imagen"


class BarcodeMixin(rx.State, mixin=True):
    barcode_mode: str = ""  # "" (closed) | inscribir | pagar
    barcode_line: str = ""
    barcode_alias: str = ""
    barcode_error: str = ""

    @rx.event
    def open_barcode(self, mode: str):
        self.barcode_mode = mode if mode in (INSCRIBIR, PAGAR) else ""
        self.barcode_line = self.barcode_alias = self.barcode_error = ""
        self.message = self.error = ""

    @rx.event
    def close_barcode(self):
        opener, self.barcode_mode = self.barcode_mode, ""
        if opener in (INSCRIBIR, PAGAR):  # the focus goes back to the button that opened it
            return rx.set_focus(f"barcode-{opener}")
        return None

    @rx.event
    def barcode_open_changed(self, is_open: bool):
        if is_open is not True:  # Escape or a click outside closes it
            return self.close_barcode()
        return None

    @rx.event
    def set_barcode_line(self, value: str):
        self.barcode_line = value[:300] if isinstance(value, str) else ""

    @rx.event
    def set_barcode_alias(self, value: str):
        self.barcode_alias = value[:40] if isinstance(value, str) else ""

    def _apply_barcode(self, actor: Actor, db, source: str | bytes) -> None:
        if self.barcode_mode == INSCRIBIR:
            row = barcode.inscribe_from_barcode(db, actor, source, to_id(self.account_id),
                                                self.barcode_alias)
            db.flush()
            self.barcode_mode = ""
            self.message = (f"Servicio inscrito con código de barras: referencia "
                            f"{row.reference}.")
            self._inscribed()
            self._reload(actor, db)
        elif self.barcode_mode == PAGAR:
            lines = barcode.payable_from_barcode(db, actor, source, utcnow())
            self.barcode_mode = ""
            self._start_payment(actor, db, [line.enrollment_id for line in lines])
        else:
            self.barcode_error = "Elija «Inscribir» o «Pagar» con código de barras."

    @handler(error="barcode_error")
    def submit_barcode(self, actor: Actor, db, _form: dict | None = None):
        """The typed or pasted line."""
        self.barcode_error = ""
        self._apply_barcode(actor, db, self.barcode_line)

    @rx.event
    async def upload_barcode(self, files: list[rx.UploadFile]):
        """A photo or scan of the bill: read up to the limit, decoded off the loop."""
        self.barcode_error = ""
        if not isinstance(files, list) or len(files) != 1:
            self.barcode_error = "Seleccione una imagen del código de barras."
            return
        data = await files[0].read(MAX_BYTES + 1)
        outcome = await off_loop(
            self._perform, lambda actor, db: self._apply_barcode(actor, db, bytes(data)),
            error="barcode_error")
        return outcome if outcome is not None else rx.clear_selected_files(UPLOAD_ID)
