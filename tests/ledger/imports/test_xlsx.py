"""XLSX workbooks made with openpyxl: typed cells, Excel row numbers, unsafe ZIPs."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook

from .conftest import read

HEADER = ["Rechnungsnummer", "Kundennummer", "Name", "Rechnungsdatum", "Fällig am", "Betrag", "Offen"]


def _workbook(tmp_path, rows, name="ledger.xlsx"):
    book = Workbook()
    sheet = book.active
    sheet.title = "OP-Liste"
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def test_typed_cells_become_typed_values(tmp_path):
    path = _workbook(
        tmp_path,
        [
            ["Offene Posten per 15.12.2025"],
            [],
            HEADER,
            [10001, 501, "Müller GmbH", datetime(2025, 12, 1), datetime(2025, 12, 31), 1234.56, 0.1 + 0.2],
            ["R-2", "K-2", "Jansen B.V.", 45657, "31.01.2025", "1.234,50", 100],
        ],
    )

    result = read(path)

    assert result.errors == []
    assert result.parsed.file_format == "xlsx"
    assert result.parsed.header_line == 3
    assert result.conventions["sheet"] == "OP-Liste"
    first, second = result.rows
    assert (first.line, first.invoice_number, first.debtor_number) == (4, "10001", "501")
    assert first.issued_on == date(2025, 12, 1)
    assert first.amount == Decimal("1234.56")
    assert first.open_amount == Decimal("0.3")  # not 0.30000000000000004
    assert second.line == 5
    assert second.issued_on == date(2024, 12, 31)  # Excel serial 45657
    assert second.amount == Decimal("1234.50")


def test_errors_name_the_excel_row_and_the_header(tmp_path):
    path = _workbook(
        tmp_path,
        [
            HEADER,
            ["R-1", "K-1", "A", datetime(2025, 12, 1), datetime(2025, 12, 31), 10, 10],
            [],
            ["R-2", "K-1", "A", "morgen", datetime(2025, 12, 31), True, None],
        ],
    )

    result = read(path)

    assert len(result.rows) == 1
    assert {(e.row, e.column, e.value) for e in result.row_errors} == {
        (4, "Rechnungsdatum", "morgen"),
        (4, "Betrag", "TRUE"),
    }


def test_an_empty_sheet_is_a_file_error(tmp_path):
    result = read(_workbook(tmp_path, []))

    assert "empty" in result.parsed.file_errors[0].message


def test_a_zip_bomb_is_refused_before_it_is_opened(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * 30_000_000)

    result = read(path)

    assert result.rows == []
    assert "zip bomb" in result.parsed.file_errors[0].message


def test_a_zip_that_is_no_workbook_is_refused(tmp_path):
    path = tmp_path / "sheet.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")

    assert ".ods" in read(path).parsed.file_errors[0].message


def test_a_truncated_workbook_is_a_file_error(tmp_path):
    good = _workbook(
        tmp_path, [HEADER, ["R-1", "K-1", "A", datetime(2025, 12, 1), datetime(2025, 12, 31), 1, 1]]
    )
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good.read_bytes()[:2000])

    result = read(path)

    assert result.rows == []
    assert result.parsed.file_errors
