import reflex as rx

from occireflex.components import theme


def logo(inverted: bool = True) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.image(src="/logo.svg", width="34px", height="34px", alt=""),
            rx.text(
                "Occi", rx.text.span("Reflex", font_weight="400"),
                font_weight="800", font_size="1.35rem", letter_spacing="-0.02em",
                color="white" if inverted else theme.BRAND,
            ),
            spacing="2",
            align="center",
        ),
        href="/",
        underline="none",
        aria_label="OcciReflex inicio",
    )
