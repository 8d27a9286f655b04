"""The account statement as a PDF (WeasyPrint), in the portal's language."""

from __future__ import annotations

from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from .selectors import Overview

# The statement is self-contained: its one image, the QR code, is a data: URI; no file or
# network access while rendering, and trying to fails the statement.
_FETCH = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def statement_pdf(*, overview: Overview, creditor, debtor) -> bytes:
    html = render_to_string(
        "portal/statement_pdf.html",
        {"o": overview, "ctx": overview.context, "creditor": creditor, "debtor": debtor},
    )
    return HTML(string=html, url_fetcher=_FETCH).write_pdf()
