"""What a printed list or receipt looks like: on paper always the table, never the cards."""

from __future__ import annotations

import reflex as rx

PRINT_CSS = """
@media print {
  .occi-print-table { display: block !important; overflow: visible !important; }
  .occi-print-cards { display: none !important; }
  .occi-print-table table { font-size: 8pt; }
  .occi-print-table th, .occi-print-table td { padding: 3px 5px !important; }
  .occi-card-print { box-shadow: none !important; border: none !important; padding: 0 !important; }
}
"""


def print_list_style() -> rx.Component:
    """Lists go on landscape paper."""
    return rx.el.style(PRINT_CSS + "@page { size: A4 landscape; margin: 10mm; }\n")


def print_receipt_style() -> rx.Component:
    """A receipt stays portrait."""
    return rx.el.style(PRINT_CSS + "@page { size: A4 portrait; margin: 12mm; }\n")
