"""Balances of the home page and Consultas > Saldos > Por Producto."""

from __future__ import annotations

from occireflex.domain import money
from occireflex.domain.access import Actor
from occireflex.domain.payments import accounts
from occireflex.state.handler import handler
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

    def _no_balances(self, _exc) -> None:
        """Without the grant the home simply shows no balances."""

    @handler(error=_no_balances, redirect=False)
    def load_balances(self, actor: Actor, db):
        self.checking, self.savings, self.balances_allowed = [], [], False
        data = accounts.balances(db, actor)
        self.checking = _rows(data[accounts.CORRIENTE])
        self.savings = _rows(data[accounts.AHORROS])
        self.balances_allowed = True
