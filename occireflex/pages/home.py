import reflex as rx

from occireflex.components import theme
from occireflex.components.balances import balance_tables
from occireflex.components.layout import shell
from occireflex.components.routing import page
from occireflex.state.balances import BalancesState
from occireflex.state.portal import PortalState


@page("/", "Inicio · OcciReflex",
      on_load=[PortalState.guard_home, BalancesState.load_balances])
def home() -> rx.Component:
    return shell(rx.vstack(
        rx.box(
            rx.text("Bienvenido(a),", color="#C9D5F2", font_size="0.9rem"),
            rx.heading(PortalState.user_name, size="6", color="white"),
            rx.text(PortalState.company_name, " · NIT ", PortalState.company_nit,
                    color="#DCE5FA", font_size="0.9rem"),
            background=f"linear-gradient(120deg, {theme.BRAND}, #1F5FD1)",
            border_radius="14px", padding="1.25rem 1.5rem", width="100%",
        ),
        rx.cond(
            BalancesState.balances_allowed,
            balance_tables(),
            rx.callout("Su perfil no tiene habilitada la consulta de saldos. Use el menú para "
                       "acceder a los servicios autorizados.", icon="info", width="100%"),
        ),
        spacing="4", width="100%",
    ))
