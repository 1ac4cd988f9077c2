"""Ayudas > Ayudas: «Consultar» shows «Herramientas Adicionales» (the bulk template)."""

from __future__ import annotations

import reflex as rx

from occireflex.state.bulk import BulkUploadState


class HelpState(BulkUploadState):
    shown: bool = False

    @rx.event
    def consult(self):
        self.shown = True
