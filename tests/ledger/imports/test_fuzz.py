"""Any bytes end in file errors or row errors, never in an exception (hypothesis)."""

from __future__ import annotations

import io
import os
from datetime import datetime

import facturx
import pypdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from tact.ledger.imports.reading import parse_file
from tact.ledger.imports.rows import ImportRow, RowError

from .conftest import FILES

# TACT_FUZZ_EXAMPLES=5000 digs deeper than the suite has time for.
FUZZ = settings(
    max_examples=int(os.environ.get("TACT_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "input"


def _consume(path, name: str = "upload.bin") -> tuple[int, int]:
    """Parse and read every row; check the shape of what comes out."""
    parsed = parse_file(path, creditor_country="DE", filename=name, max_bytes=1 << 20)
    assert all(isinstance(e, RowError) for e in parsed.file_errors)
    rows = errors = 0
    for item in parsed.rows():
        if isinstance(item, ImportRow):
            rows += 1
        else:
            assert item and all(isinstance(e, RowError) and isinstance(e.row, int) for e in item)
            errors += len(item)
    return rows, errors + len(parsed.file_errors)


@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes_never_raise(target, data):
    target.write_bytes(data)
    rows, errors = _consume(target)
    assert rows + errors >= 0


HEADERS = [
    "Rechnungsnummer",
    "Kundennummer",
    "Kunde",
    "Rechnungsdatum",
    "Fällig am",
    "Betrag",
    "Offen",
    "Währung",
    "Land",
    "Telefon",
    "E-Mail",
]
CELL = st.one_of(
    st.sampled_from(
        [
            "",
            "1.234,56",
            "12,50-",
            "31.12.2025",
            "2025-12-31",
            "45657",
            "01/02/2025",
            "€ 5",
            "DE",
            "EUR",
            "x@y.de",
            "(3)",
            "0",
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
)


@FUZZ
@given(
    header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=11),
    rows=st.lists(st.lists(CELL, max_size=13), max_size=8),
    delimiter=st.sampled_from([";", ",", "\t"]),
    quote=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
)
def test_random_csv_like_text_never_raises(target, header, rows, delimiter, quote, encoding):
    def line(cells):
        return delimiter.join(f'"{c}"' if quote else c for c in cells)

    text = "\n".join([line(header)] + [line(r) for r in rows])
    target.write_bytes(text.encode(encoding, errors="replace"))
    rows_read, errors = _consume(target, "ledger.csv")
    assert rows_read <= len(rows)


def _xlsx_bytes() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS[:7])
    sheet.append(["R-1", "K-1", "A", datetime(2025, 12, 1), datetime(2025, 12, 31), 10.5, 10.5])
    sheet.append(["R-2", "K-1", "A", 45657, "31.12.2025", "1.234,56", None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _pdf_bytes() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return facturx.generate_from_binary(
        out.getvalue(), (FILES / "xrechnung_cii_invoice.xml").read_bytes(), check_xsd=False
    )


SAMPLES = {
    "xlsx": _xlsx_bytes(),
    "pdf": _pdf_bytes(),
    "ubl": (FILES / "xrechnung_ubl_invoice.xml").read_bytes(),
    "cii": (FILES / "xrechnung_cii_invoice.xml").read_bytes(),
    "csv": (FILES / "de_offene_posten_cp1252.csv").read_bytes(),
}


@FUZZ
@given(
    kind=st.sampled_from(sorted(SAMPLES)),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=4),
)
def test_truncated_or_damaged_files_never_raise(target, kind, cut, flips):
    data = bytearray(SAMPLES[kind][: max(1, int(len(SAMPLES[kind]) * cut))])
    for where, byte in flips:
        data[min(len(data) - 1, int(len(data) * where))] = byte
    target.write_bytes(bytes(data))
    rows, errors = _consume(target, f"upload.{kind}")
    assert rows <= SAMPLES[kind].count(b"\n")


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_the_undamaged_samples_parse_cleanly(target, kind):
    target.write_bytes(SAMPLES[kind])
    rows, errors = _consume(target, f"upload.{kind}")
    assert rows >= 1 and errors == 0
