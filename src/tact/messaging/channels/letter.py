"""Letters: a PDF in the DIN 5008 form B window-envelope layout, the daily print batch, and
the interface to a print-and-mail provider with a local file-drop implementation.

Layout (``templates/messaging/letter.html``): A4; letterhead; return line above the address
field; address field 45 mm from the top, 20 mm from the left, 85 x 45 mm; information
block on the right (customer number, date, contact); subject; text with the items table and
the payment block (QR code); folding marks at 105 and 210 mm and the hole mark; footer with
the creditor's company details; page numbers "Seite 1 von 2".
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from .. import labels as L
from ..context import COUNTRY_NAMES, MessageContext
from ..errors import AddressUnusable, ProviderError
from ..rendering import Rendered, date_short, iban_display, phone_display

# One font set for every letter of the process: WeasyPrint's font lookup is slow to set up.
_FONTS = FontConfiguration()


# A letter is self-contained: its one image, the QR code, is a data: URI. No other URL is
# ever loaded, and trying to fails the letter rather than printing it without.
_FETCH = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def _css_content(pattern: str) -> str:
    """CSS ``content`` for "Seite {page} von {pages}": strings and page counters."""
    out = []
    for piece in re.split(r"(\{page\}|\{pages\})", pattern):
        if piece == "{page}":
            out.append("counter(page)")
        elif piece == "{pages}":
            out.append("counter(pages)")
        elif piece:
            out.append('"' + piece.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(out)


def _join(*parts: str, sep: str = " · ") -> str:
    return sep.join(p for p in parts if p and p.strip())


def _style(*, language: str, creditor: dict) -> str:
    return render_to_string(
        "messaging/letter.css",
        {
            "page_css": _css_content(L.LABELS[language]["page"]),
            "creditor": {
                "primary_color": creditor["primary_color"],
                "accent_color": creditor["accent_color"],
            },
        },
    )


@lru_cache(maxsize=64)
def _stylesheet(text: str) -> CSS:
    """The letter's stylesheet parsed once per language and creditor colours, not per letter."""
    return CSS(string=text, font_config=_FONTS)


def letter_html(*, rendered: Rendered, context: MessageContext, with_style: bool = True) -> str:
    """The letter as HTML for WeasyPrint, or a browser with its stylesheet inline (the
    default). Raises AddressUnusable without a postal address."""
    address = context.address
    if not address.is_postal:
        raise AddressUnusable(
            channel="letter", detail=f"debtor {context.debtor['number']} has no postal address"
        )
    language = rendered.language
    words = L.LABELS[language]
    creditor = context.creditor
    phone = phone_display(creditor["phone"])
    place = f"{creditor['postal_code']} {creditor['city']}".strip()
    if creditor["country"] and address.country and address.country != creditor["country"]:
        place = _join(place, COUNTRY_NAMES.get(creditor["country"], creditor["country"]), sep=", ")
    info = [
        (words["customer_number"], context.debtor["number"]),
        (words["date"], date_short(context.today, language)),
    ]
    if creditor["signature_name"]:
        info.append((words["contact"], creditor["signature_name"]))
    if phone:
        info.append((words["phone"], phone))
    if creditor["email"]:
        info.append((words["email"], creditor["email"]))
    footer = [
        _join(creditor["name"], creditor["street"], place),
        _join(
            creditor["registration"],
            f"{words['enterprise_number']} {creditor['enterprise_number']}"
            if creditor["enterprise_number"]
            else "",
            f"{words['vat_id']} {creditor['vat_id']}" if creditor["vat_id"] else "",
            f"{words['managing_directors']}: {creditor['managing_directors']}"
            if creditor["managing_directors"]
            else "",
        ),
        _join(
            f"IBAN {iban_display(creditor['iban'])}" if creditor["iban"] else "",
            f"BIC {creditor['bic']}" if creditor["bic"] else "",
            creditor["website"],
        ),
    ]
    return render_to_string(
        "messaging/letter.html",
        {
            "language": language,
            "subject": rendered.subject,
            "body": rendered.html,
            "creditor": creditor,
            "letterhead_line": _join(creditor["street"], place, phone, creditor["email"]),
            "return_line": _join(creditor["name"], creditor["street"], place),
            "address_lines": address.lines(sender_country=creditor["country"])[:6],
            "info": info,
            "footer": [line for line in footer if line],
            "style": _style(language=language, creditor=creditor) if with_style else "",
        },
    )


def _document(*, rendered: Rendered, context: MessageContext):
    html = letter_html(rendered=rendered, context=context, with_style=False)
    style = _stylesheet(_style(language=rendered.language, creditor=context.creditor))
    return HTML(string=html, url_fetcher=_FETCH).render(font_config=_FONTS, stylesheets=[style])


def letter_pdf(*, rendered: Rendered, context: MessageContext) -> bytes:
    """The letter as PDF bytes. Raises AddressUnusable."""
    return _document(rendered=rendered, context=context).write_pdf()


@dataclass(frozen=True, slots=True)
class LetterInput:
    rendered: Rendered
    context: MessageContext


@dataclass(frozen=True, slots=True)
class BatchEntry:
    debtor_number: str
    first_page: int  # 1-based, within the batch
    pages: int
    country: str


@dataclass(frozen=True, slots=True)
class LetterBatch:
    pdf: bytes
    entries: tuple[BatchEntry, ...]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


def letter_batch_pdf(letters: list[LetterInput], *, duplex: bool = False) -> LetterBatch:
    """All of the day's letters in one PDF for printing, each with its own page numbers.

    With ``duplex`` every letter starts on a front side (a blank page after an odd count),
    so two letters never share a sheet. Raises AddressUnusable for a letter without address.
    """
    pages = []
    entries = []
    blank = None
    first = None
    for letter in letters:
        document = _document(rendered=letter.rendered, context=letter.context)
        entries.append(
            BatchEntry(
                letter.context.debtor["number"],
                len(pages) + 1,
                len(document.pages),
                letter.context.address.country,
            )
        )
        first = first or document
        pages.extend(document.pages)
        if duplex and len(document.pages) % 2:
            if blank is None:
                blank = HTML(string="<html><body></body></html>").render(font_config=_FONTS)
            pages.append(blank.pages[0])
    if first is None:
        return LetterBatch(pdf=b"", entries=())
    return LetterBatch(pdf=first.copy(pages).write_pdf(), entries=tuple(entries))


# --- print-and-mail providers -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrintReceipt:
    provider: str
    batch_id: str
    reference: str  # where the provider has it: a path, an order id
    letters: int
    extra: dict[str, str] = field(default_factory=dict)


class PrintMailProvider(Protocol):
    name: str

    def submit(self, *, batch_id: str, batch: LetterBatch, run_on: date) -> PrintReceipt:
        """Hand a batch to the printer. The same ``batch_id`` twice must not print twice.

        Raises ProviderError.
        """
        ...


@dataclass
class FileDropPrintProvider:
    """Writes ``<batch_id>.pdf`` and a ``<batch_id>.json`` manifest into a folder that a
    print service (or a person at the office printer) collects from.

    Each file is written to a temporary name and renamed, so a collector never sees half a
    file. Submitting the same batch again is a no-op; a different PDF under the same id is
    refused.
    """

    directory: Path
    name: str = "file_drop"

    def submit(self, *, batch_id: str, batch: LetterBatch, run_on: date) -> PrintReceipt:
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", batch_id):
            raise ProviderError(
                provider=self.name, detail=f"batch id {batch_id!r} is not a safe file name", transient=False
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        pdf_path = self.directory / f"{batch_id}.pdf"
        manifest_path = self.directory / f"{batch_id}.json"
        if pdf_path.exists():
            if hashlib.sha256(pdf_path.read_bytes()).hexdigest() != batch.sha256:
                raise ProviderError(
                    provider=self.name, detail=f"{pdf_path.name} exists with other content", transient=False
                )
            return PrintReceipt(self.name, batch_id, str(pdf_path), len(batch.entries), {"repeated": "true"})
        manifest = {
            "batch_id": batch_id,
            "run_on": run_on.isoformat(),
            "sha256": batch.sha256,
            "letters": [
                {
                    "debtor": e.debtor_number,
                    "first_page": e.first_page,
                    "pages": e.pages,
                    "country": e.country,
                }
                for e in batch.entries
            ],
        }
        _write_atomically(manifest_path, json.dumps(manifest, indent=2).encode("utf-8"))
        _write_atomically(pdf_path, batch.pdf)
        return PrintReceipt(self.name, batch_id, str(pdf_path), len(batch.entries))


def _write_atomically(path: Path, content: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def print_provider() -> PrintMailProvider:
    """The provider configured by ``TACT_PRINT_DROP_DIR`` (default ``var/print``)."""
    directory = getattr(settings, "TACT_PRINT_DROP_DIR", None) or Path(settings.VAR_DIR) / "print"
    return FileDropPrintProvider(directory=Path(directory))
