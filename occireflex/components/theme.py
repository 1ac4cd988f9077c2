"""Colours and shared styles of the «nueva imagen»."""

BRAND = "#0033A0"  # Occidente blue
BRAND_DARK = "#002271"
BRAND_LIGHT = "#E8EEFB"
ACCENT = "#FFB81C"
PAGE_BG = "#F3F5F9"
TEXT = "#1B2333"
MUTED = "#5B6475"
BORDER = "#DDE3EE"

FONT_STACK = (
    "'Segoe UI', 'Liberation Sans', 'Helvetica Neue', Arial, system-ui, sans-serif"
)

CARD = {
    "background": "white",
    "border": f"1px solid {BORDER}",
    "border_radius": "12px",
    "box_shadow": "0 1px 2px rgba(16,24,40,.04), 0 1px 3px rgba(16,24,40,.06)",
    "padding": "1.25rem",
    "width": "100%",
}

# One breakpoint for the whole portal: from 62em (992 px) the wide layout (header menus,
# tables); below it the compact one (menu button, one card per row). WIDE_FROM is its index
# in Reflex's responsive lists (0, 30em, 48em, 62em, 80em, 96em).
WIDE_FROM = 3


def wide(wide_value: str, compact_value: str) -> list[str]:
    """A responsive value: ``compact_value`` below the breakpoint, ``wide_value`` from it."""
    return [compact_value] * WIDE_FROM + [wide_value]


DESKTOP_ONLY = {"display": wide("flex", "none")}
COMPACT_ONLY = {"display": wide("none", "flex")}
# Grids: the table from the breakpoint up, the cards (a list or a grid of them) below.
TABLE_DISPLAY = wide("block", "none")
CARDS_DISPLAY = wide("none", "flex")
CARD_GRID_DISPLAY = wide("none", "grid")
