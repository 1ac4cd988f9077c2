"""Balances of the home page and Consultas > Saldos > Por Producto."""

from __future__ import annotations

import reflex as rx

from occireflex.db import session_scope
from occireflex.domain import money
from occireflex.domain.errors import AccessDenied
from occireflex.domain.payments import accounts
from occireflex.state.portal import PortalState


def _rows(rows: list[accounts.BalanceRow]) -> list[dict[str, str]]:
    return [
        {
            "number": r.number,
            "name": r.name,
            "available": money.format_money(r.available),
            "clearing": money.format_money(r.clearing),
            "current": money.format_money(r.current),
        }
        for r in rows
    ]


class BalancesState(PortalState):
    checking: list[dict[str, str]] = []
    savings: list[dict[str, str]] = []
    balances_allowed: bool = False

    @rx.event
    def load_balances(self):
        self.checking, self.savings, self.balances_allowed = [], [], False
        actor = self._actor()
        if actor is None:
            return
        try:
            with session_scope() as db:
                data = accounts.balances(db, actor)
        except AccessDenied:
            return
        self.checking = _rows(data[accounts.CORRIENTE])
        self.savings = _rows(data[accounts.AHORROS])
        self.balances_allowed = True
