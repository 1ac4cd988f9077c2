import reflex as rx

from occireflex import catalog
from occireflex.components.balances import balance_tables
from occireflex.components.layout import portal_page
from occireflex.state.balances import BalancesState


@portal_page(catalog.SALDOS_POR_PRODUCTO, on_load=[BalancesState.load_balances])
def saldos_por_producto() -> rx.Component:
    return rx.cond(
        BalancesState.balances_allowed,
        balance_tables(),
        rx.callout("Su perfil no tiene habilitada la acción «Consultar» en este servicio.",
                   icon="info", width="100%"),
    )
