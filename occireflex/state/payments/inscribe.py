"""«Inscribir nuevo servicio»: the convenio picker and the inscription form."""

from __future__ import annotations

import reflex as rx

from occireflex.domain.access import Actor
from occireflex.domain.payments import inscriptions
from occireflex.domain.security import fold
from occireflex.state.handler import handler
from occireflex.state.inputs import to_id


def billers_fold(text: str) -> str:
    return fold(text) if isinstance(text, str) else ""


def reference_hint(minimum: int, maximum: int, numeric: bool) -> str:
    size = f"{minimum}" if minimum == maximum else f"{minimum} a {maximum}"
    kind = "dígitos" if numeric else "letras o dígitos"
    return f"{size} {kind}; los ceros a la izquierda cuentan"


class InscribeMixin(rx.State, mixin=True):
    biller_options: list[dict[str, str]] = []
    form_open: bool = False
    biller_search: str = ""
    biller_id: str = ""
    account_id: str = ""

    def _chosen_biller(self) -> dict[str, str] | None:
        return next((b for b in self.biller_options if b["id"] == self.biller_id), None)

    @rx.var
    def reference_hint(self) -> str:
        match = self._chosen_biller()
        return match["hint"] if match else "Seleccione primero el convenio"

    @rx.var
    def reference_label(self) -> str:
        match = self._chosen_biller()
        return match["ref_label"] if match else "Referencia de pago"

    @rx.var
    def visible_billers(self) -> list[dict[str, str]]:
        key = billers_fold(self.biller_search)
        return [b for b in self.biller_options if not key or key in b["search"]]

    @rx.event
    def open_form(self):
        self.form_open, self.error, self.message = True, "", ""
        self.biller_id = self.biller_search = ""

    @rx.event
    def close_form(self):
        self.form_open = False

    @rx.event
    def set_biller_search(self, value: str):
        self.biller_search = value[:40] if isinstance(value, str) else ""

    @rx.event
    def set_biller_id(self, value: str):
        self.biller_id = value if any(b["id"] == value for b in self.biller_options) else ""

    @rx.event
    def set_account_id(self, value: str):
        self.account_id = value if isinstance(value, str) else ""

    @handler
    def inscribe(self, actor: Actor, db, form_data: dict):
        self.error = ""
        data = form_data if isinstance(form_data, dict) else {}
        row = inscriptions.inscribe(db, actor, to_id(self.biller_id), data.get("referencia"),
                                   data.get("alias", ""), to_id(self.account_id))
        chosen = self._chosen_biller()
        label = chosen["label"] if chosen else ""
        self.message = f"Servicio inscrito: {label}, referencia {row.reference}."
        self._inscribed()
        db.flush()
        self._reload(actor, db)
