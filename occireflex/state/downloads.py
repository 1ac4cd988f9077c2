"""The files a screen hands to the browser (Excel, PDF), one shape for all."""

from __future__ import annotations

import reflex as rx

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_MIME = "application/pdf"


def xlsx(content: bytes, filename: str):
    return rx.download(data=content, filename=filename, mime_type=XLSX_MIME)


def pdf(content: bytes, filename: str):
    return rx.download(data=content, filename=filename, mime_type=PDF_MIME)
