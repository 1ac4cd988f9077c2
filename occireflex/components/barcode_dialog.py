"""«Inscribir con código de barras» / «Pagar con código de barras»: the dialog where the
bill's GS1-128 line is typed or pasted, or a photo/scan of the bill is uploaded."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.components.notice import notice
from occireflex.components.pay_panel import account_select
from occireflex.state.payments import PaymentsState as P
from occireflex.state.payments.barcode import INSCRIBIR, PAGAR, UPLOAD_ID

EXAMPLE = "(415)7709998010017(8020)0045123987(3900)985581(96)20261220"
_IMAGES = {"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"],
           "image/bmp": [".bmp"], "image/gif": [".gif"], "image/tiff": [".tif", ".tiff"]}


def barcode_buttons(mode: str) -> rx.Component:
    label = ("Inscribir con código de barras" if mode == INSCRIBIR
             else "Pagar con código de barras")
    return rx.button(rx.icon("scan-barcode", size=16), label, on_click=P.open_barcode(mode),
                     variant="soft", size="3" if mode == INSCRIBIR else "2",
                     id=f"barcode-{mode}")


def _inscription_fields() -> rx.Component:
    return rx.cond(P.barcode_mode == INSCRIBIR, rx.grid(
        rx.vstack(
            rx.el.label("Cuenta débito", class_name="occi-label"),
            account_select(P.account_id, P.set_account_id, "Cuenta débito del servicio"),
            spacing="1", width="100%"),
        rx.vstack(
            rx.el.label("Alias (opcional)", html_for="barcode-alias", class_name="occi-label"),
            rx.input(id="barcode-alias", value=P.barcode_alias, on_change=P.set_barcode_alias,
                     max_length=40, width="100%"),
            spacing="1", width="100%"),
        columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"))


def _image_upload() -> rx.Component:
    return rx.vstack(
        rx.upload(
            rx.vstack(rx.icon("camera", size=22, color=theme.BRAND),
                      rx.text("Foto o escaneo de la factura: arrastre la imagen o haga clic",
                              font_size="0.85rem", text_align="center"),
                      rx.text("PNG, JPEG, WebP, BMP, GIF o TIFF · máx. 10 MB",
                              font_size="0.75rem", color=theme.MUTED),
                      align="center", spacing="1"),
            id=UPLOAD_ID, accept=_IMAGES, max_files=1, multiple=False, width="100%",
            padding="1rem", border=f"1px dashed {theme.BORDER}", border_radius="8px"),
        rx.foreach(rx.selected_files(UPLOAD_ID),
                   lambda name: rx.text(name, font_size="0.85rem", font_weight="600")),
        rx.button(rx.icon("image", size=16), "Leer imagen", variant="soft",
                  on_click=P.upload_barcode(rx.upload_files(upload_id=UPLOAD_ID)),
                  id="barcode-read-image"),
        spacing="2", width="100%", align="start")


def barcode_dialog() -> rx.Component:
    title = rx.cond(P.barcode_mode == PAGAR, "Pagar con código de barras",
                    "Inscribir con código de barras")
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title(title),
        rx.dialog.description(
            "Escriba o pegue la línea que aparece bajo el código de barras de la factura "
            "(GS1-128), o cargue una foto o escaneo de la factura.", color=theme.MUTED,
            font_size="0.9rem", margin_bottom="0.75rem"),
        rx.form(rx.vstack(
            rx.el.label("Línea del código de barras", html_for="barcode-line",
                        class_name="occi-label"),
            rx.text_area(id="barcode-line", value=P.barcode_line,
                         on_change=P.set_barcode_line, placeholder=EXAMPLE, rows="3",
                         width="100%", max_length=300, font_family="monospace"),
            _inscription_fields(),
            notice(P.barcode_error),
            rx.hstack(
                rx.button("Cancelar", type="button", variant="soft", color_scheme="gray",
                          on_click=P.close_barcode),
                rx.button(rx.cond(P.barcode_mode == PAGAR, "Continuar al pago", "Inscribir"),
                          type="submit", id="barcode-submit"),
                justify="end", width="100%", spacing="2"),
            spacing="3", width="100%"), on_submit=P.submit_barcode, width="100%"),
        rx.separator(margin_y="1rem"),
        _image_upload(),
        max_width="560px"),
        open=P.barcode_mode != "",
        on_open_change=P.barcode_open_changed)
