"""The account statement as a PDF (WeasyPrint), in the portal's language."""

from __future__ import annotations

from django.template.loader import render_to_string
from weasyprint import HTML

from .selectors import Overview


def _refuse_fetch(url: str, *args, **kwargs):
    # The statement is self-contained: no file or network access while rendering.
    raise ValueError(f"statement refuses to fetch {url!r}")


def statement_pdf(*, overview: Overview, creditor, debtor) -> bytes:
    html = render_to_string(
        "portal/statement_pdf.html",
        {"o": overview, "ctx": overview.context, "creditor": creditor, "debtor": debtor},
    )
    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
