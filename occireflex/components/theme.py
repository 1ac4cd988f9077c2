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

# Below 62em (992px) the compact header and menu are used.
DESKTOP_ONLY = {"display": ["none", "none", "none", "flex"]}
COMPACT_ONLY = {"display": ["flex", "flex", "flex", "none"]}
