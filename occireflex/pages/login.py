"""Login, seed 000 «Cómo Ingresar»: usuario → número del token → condiciones → clave."""

import reflex as rx

from occireflex.components import theme
from occireflex.components.brand import logo
from occireflex.components.command import command_slot
from occireflex.components.routing import page
from occireflex.state.login import LoginState

STEPS = ("Usuario", "Token", "Condiciones", "Clave")

CONDITIONS = (
    "Verifique que la dirección del portal sea la del Banco y que el candado de seguridad "
    "esté activo.",
    "Nunca comparta su clave ni el número de su token; el Banco nunca se los solicitará por "
    "teléfono, correo o mensajes.",
    "Compruebe que la imagen propia mostrada sea la que usted eligió antes de escribir su clave.",
    "Cierre la sesión al terminar; tras 15 minutos de inactividad se cerrará automáticamente.",
)


def _stepper() -> rx.Component:
    items = []
    for i, name in enumerate(STEPS, start=1):
        active = LoginState.step >= i
        items.append(rx.hstack(
            rx.center(str(i), width="26px", height="26px", border_radius="50%",
                      background=rx.cond(active, theme.BRAND, "#E3E8F2"),
                      color=rx.cond(active, "white", theme.MUTED),
                      font_size="0.8rem", font_weight="700"),
            rx.text(name, font_size="0.8rem",
                    color=rx.cond(LoginState.step == i, theme.BRAND_DARK, theme.MUTED),
                    font_weight=rx.cond(LoginState.step == i, "700", "400"),
                    class_name="occi-step-name"),
            spacing="1", align="center",
        ))
    return rx.hstack(*items, justify="between", width="100%", aria_label="Pasos de ingreso")


def _submit(label: str, **props) -> rx.Component:
    return rx.button(label, type="submit", size="3", width="100%",
                     background=theme.BRAND, **props)


def _step_user() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("1. Ingrese su usuario", font_weight="600"),
            rx.el.label("Usuario", html_for="usuario", class_name="occi-label"),
            rx.input(id="usuario", name="usuario", placeholder="Usuario", size="3",
                     auto_complete="username", auto_focus=True, width="100%",
                     max_length=40, required=True),
            _submit("Siguiente"),
            spacing="3", width="100%",
        ),
        on_submit=LoginState.submit_username, reset_on_submit=False, width="100%",
    )


def _step_token() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("2. Ingrese el número del token", font_weight="600"),
            rx.text("Usuario: ", rx.text.span(LoginState.username, font_weight="600"),
                    color=theme.MUTED, font_size="0.85rem"),
            rx.el.label("Número del token", html_for="token", class_name="occi-label"),
            rx.input(id="token", name="token", placeholder="6 dígitos", size="3",
                     input_mode="numeric", auto_complete="one-time-code", max_length=6,
                     auto_focus=True, width="100%", required=True,
                     letter_spacing="0.3em", font_family="monospace"),
            _submit("Siguiente"),
            spacing="3", width="100%",
        ),
        on_submit=LoginState.submit_token, reset_on_submit=True, width="100%",
    )


def _step_conditions() -> rx.Component:
    return rx.vstack(
        rx.text("3. Acepte las condiciones de seguridad", font_weight="600"),
        rx.box(
            rx.el.ul(*[rx.el.li(c) for c in CONDITIONS], padding_left="1.1rem",
                     font_size="0.85rem", color=theme.TEXT, line_height="1.5"),
            background=theme.BRAND_LIGHT, border_radius="8px", padding="0.75rem 1rem",
        ),
        rx.checkbox("Acepto las condiciones de seguridad", checked=LoginState.accepted,
                    on_change=LoginState.set_accepted, size="3", id="condiciones"),
        rx.button("Continuar", on_click=LoginState.accept_conditions,
                  disabled=~LoginState.accepted, size="3", width="100%",
                  background=rx.cond(LoginState.accepted, theme.BRAND, "#AAB4C8")),
        spacing="3", width="100%",
    )


def _step_password() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("4. Ingrese su clave", font_weight="600"),
            rx.hstack(
                rx.image(src="/propia/" + LoginState.image + ".svg", width="84px",
                         height="84px", border_radius="12px", alt="Imagen propia",
                         border=f"3px solid {theme.BRAND_LIGHT}"),
                rx.vstack(
                    rx.text("Su imagen propia", font_weight="600"),
                    rx.text("Si no es la imagen que usted eligió, no escriba su clave y "
                            "comuníquese con el Banco.", font_size="0.8rem", color=theme.MUTED),
                    spacing="1",
                ),
                spacing="3", align="center",
            ),
            rx.el.label("Clave", html_for="clave", class_name="occi-label"),
            rx.input(id="clave", name="clave", type="password", placeholder="Clave",
                     size="3", auto_complete="current-password", auto_focus=True,
                     width="100%", max_length=128, required=True),
            _submit("Ingresar"),
            spacing="3", width="100%",
        ),
        on_submit=LoginState.submit_password, reset_on_submit=True, width="100%",
    )


def _messages() -> rx.Component:
    return rx.fragment(
        rx.cond(LoginState.notice != "",
                rx.callout(LoginState.notice, icon="info", color_scheme="blue", width="100%")),
        rx.cond(LoginState.error != "",
                rx.callout(LoginState.error, icon="triangle-alert", color_scheme="red",
                           role="alert", width="100%")),
    )


def _login_card() -> rx.Component:
    return rx.vstack(
        rx.heading("Ingreso al portal", size="6", color=theme.BRAND_DARK),
        _stepper(),
        _messages(),
        rx.cond(
            LoginState.entering,
            rx.hstack(rx.spinner(size="3"), rx.text("Ingresando de forma segura…"),
                      spacing="3", align="center", role="status", padding_y="1rem"),
            rx.match(
                LoginState.step,
                (1, _step_user()),
                (2, _step_token()),
                (3, _step_conditions()),
                _step_password(),
            ),
        ),
        rx.cond(LoginState.step > 1,
                rx.button("Empezar de nuevo", on_click=LoginState.restart, variant="ghost",
                          size="2", color_scheme="gray")),
        spacing="4", width="100%", max_width="420px", style=theme.CARD, padding="2rem",
    )


def _intro() -> rx.Component:
    return rx.vstack(
        logo(),
        rx.heading("Nuevo Portal Empresarial OcciRed", size="8", color="white",
                   line_height="1.15"),
        rx.text("Nos Renovamos para que su experiencia sea cada vez mejor",
                color="#DCE5FA", font_size="1.1rem"),
        rx.text("Te presentamos nuestra nueva imagen.", color="#C9D5F2"),
        rx.box(
            rx.text("Cómo Ingresar", font_weight="700", color=theme.ACCENT),
            rx.el.ol(
                rx.el.li("Ingresar el usuario"),
                rx.el.li("Ingresar el número del token"),
                rx.el.li("Hacer clic en la cajita para aceptar las condiciones de seguridad y "
                         "se habilite el botón «Continuar»"),
                rx.el.li("Ingresar la clave del usuario"),
                padding_left="1.2rem", color="white", line_height="1.7",
            ),
            margin_top="1rem",
        ),
        spacing="3", max_width="480px", align="start",
    )


@page("/login", "Ingreso · OcciReflex", on_load=LoginState.on_load)
def login() -> rx.Component:
    return rx.flex(
        rx.box(_intro(), padding=["1.5rem", "2.5rem", "3rem"],
               display=["none", "none", "flex"], align_items="center", flex="1"),
        rx.center(
            rx.vstack(
                rx.box(logo(), display=["block", "block", "none"]),
                _login_card(),
                align="center", width="100%", spacing="4",
            ),
            flex="1", padding=["1rem", "2rem"],
        ),
        command_slot(LoginState.command),
        min_height="100vh",
        background=f"linear-gradient(135deg, {theme.BRAND_DARK} 0%, {theme.BRAND} 55%, #2A6AE0 100%)",
        align="center",
    )
