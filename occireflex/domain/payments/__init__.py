"""Paying bills: the biller catalog and its bills, the company's accounts and ledger,
«Inscripciones», paying (manual and programmed), and the Consultas over what was paid.

Modules: ``billers`` (catalog and billing cycle), ``accounts`` (accounts and balances),
``inscriptions`` (Inscripciones), ``barcode`` (a bill's GS1-128 barcode: inscribe or pay
from it; ``barcode_image`` reads a photo of it), ``pay`` (paying bills), ``autopay``
(programación automática and the scheduler's sweep), ``transactions`` (Transacciones
Realizadas), ``movements`` (Detalles de Movimientos). Import them from here:
``from occireflex.domain.payments import pay``.
"""

from occireflex.domain.payments import (
    accounts,
    autopay,
    barcode,
    billers,
    inscriptions,
    movements,
    pay,
    transactions,
)

__all__ = ["accounts", "autopay", "barcode", "billers", "inscriptions", "movements", "pay",
           "transactions"]
