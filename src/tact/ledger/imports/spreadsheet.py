"""XLSX workbooks for import: the first sheet, read twice in openpyxl's read-only mode.

The ZIP is checked before openpyxl opens it (entry count, unpacked size, compression ratio),
so a zip bomb is refused unread. The first non-empty row with the most known header names
among the first rows is the header; row numbers are Excel's.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .columns import Columns, match_headers
from .reading import HEADER_SEARCH_ROWS, ReadFile, failed, score_header, size_text
from .rows import ImportRow, RowError
from .tabular import AMOUNT_FIELDS, DATE_FIELDS, Evidence, RowBuilder, cell_text, decide_conventions
from .values import fold

logger = logging.getLogger(__name__)

MAX_COLUMNS = 256
XLSX_MAX_ENTRIES = 10_000
XLSX_MAX_UNPACKED = 2 << 30  # bytes, whatever max_bytes says
XLSX_MAX_RATIO = 200  # unpacked/packed size of one zip entry; zip bombs reach thousands


def _blank_cells(cells: tuple) -> bool:
    return all(c is None or (c.__class__ is str and not c.strip()) for c in cells)


def check_zip(path: Path, size: int) -> str:
    """A problem that makes the ZIP unsafe or not a workbook, else ""."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        return f"the workbook is damaged and cannot be opened ({exc})"
    if len(entries) > XLSX_MAX_ENTRIES:
        return f"the workbook holds {len(entries)} parts, more than {XLSX_MAX_ENTRIES}: refused"
    names = {e.filename for e in entries}
    if "xl/workbook.xml" not in names:
        if "content.xml" in names:
            return "an OpenDocument spreadsheet (.ods): save it as .xlsx or as CSV"
        return "a ZIP file that is not an Excel workbook (.xlsx): expected .xlsx, CSV or an e-invoice"
    unpacked = sum(e.file_size for e in entries)
    limit = min(max(20 * size, 50_000_000), XLSX_MAX_UNPACKED)
    if unpacked > limit:
        return f"the workbook unpacks to {size_text(unpacked)}, more than {size_text(limit)}: refused"
    for e in entries:
        if e.file_size > 1_000_000 and e.file_size > XLSX_MAX_RATIO * max(e.compress_size, 1):
            return f"the workbook part {e.filename} is compressed {e.file_size // max(e.compress_size, 1)}:1, like a zip bomb: refused"
    return ""


@contextmanager
def _first_sheet(path: Path) -> Iterator:
    """The first worksheet in read-only mode; the workbook and file are closed after use.

    openpyxl gets an open file, not the path: given a path it refuses names that do not end
    in .xlsx, and a stored upload may be named anything.
    """
    from openpyxl import load_workbook

    with path.open("rb") as stream:
        workbook = load_workbook(stream, read_only=True, data_only=True, keep_links=False)
        try:
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # the stored dimension may be wrong; read what is there
            yield sheet
        finally:
            workbook.close()


def read_xlsx(
    path: Path,
    size: int,
    *,
    mapping: dict | None,
    options: dict,
    creditor_country: str,
    default_currency: str,
) -> ReadFile:
    problem = check_zip(path, size)
    if problem:
        return failed("xlsx", problem)
    try:
        with _first_sheet(path) as sheet:
            title = str(sheet.title)
            rows = enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1)
            header, buffered = _xlsx_header(rows, mapping)
            if header is None:
                return failed("xlsx", f"the first sheet ({title}) is empty: expected a header row and rows")
            headers = _header_cells(header[1])
            columns = match_headers(headers, line=header[0], mapping=mapping)
            result = ReadFile("xlsx", headers, columns.headers, columns.errors, header_line=header[0])
            if columns.errors:
                return result
            evidence, count = _xlsx_evidence(columns, buffered, rows)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises anything on a malformed workbook
        logger.info("xlsx unreadable: %s", exc, exc_info=True)
        return failed(
            "xlsx",
            f"the workbook cannot be read ({type(exc).__name__}): save it again from Excel or as CSV",
        )
    conventions = decide_conventions(evidence, creditor_country=creditor_country, options=options)
    conventions["sheet"] = title
    result.conventions = conventions
    result.row_count = count
    builder = RowBuilder(
        index=columns.index,
        headers=columns.headers,
        conventions=conventions,
        creditor_country=creditor_country,
        default_currency=default_currency,
        width=len(headers),
        typed=True,
    )
    result._rows = _xlsx_rows(path, header[0], len(headers), builder)
    return result


def _header_cells(cells: tuple) -> list[str]:
    texts = [cell_text(c) for c in cells]
    while texts and not texts[-1]:
        texts.pop()
    return texts


def _xlsx_header(rows: Iterator, mapping: dict | None) -> tuple[tuple[int, tuple] | None, list]:
    """The header row (number, cells) among the first non-empty rows, and the rows read
    after it on the way (they are data)."""
    mapped = {fold(str(h)) for h in (mapping or {}).values() if h}
    seen: list[tuple[int, tuple]] = []
    for number, cells in rows:
        if not _blank_cells(cells):
            seen.append((number, cells))
            if len(seen) >= HEADER_SEARCH_ROWS:
                break
    if not seen:
        return None, []
    scores = [score_header(_header_cells(cells), mapped) for _, cells in seen]
    best = max(range(len(seen)), key=lambda i: (scores[i], -i)) if max(scores) else 0
    return seen[best], seen[best + 1 :]


def _xlsx_evidence(columns: Columns, buffered: list, rows: Iterator) -> tuple[Evidence, int]:
    evidence = Evidence()
    amount_at = [columns.index[n] for n in AMOUNT_FIELDS if n in columns.index]
    date_at = [columns.index[n] for n in DATE_FIELDS if n in columns.index]
    count = 0
    for _number, cells in _chain(buffered, rows):
        if _blank_cells(cells):
            continue
        count += 1
        for i in amount_at:
            if cells[i].__class__ is str:
                evidence.add_amount(cells[i].strip())
        for i in date_at:
            if cells[i].__class__ is str:
                evidence.add_date(cells[i].strip())
    return evidence, count


def _chain(first: Iterable, rest: Iterable) -> Iterator:
    yield from first
    yield from rest


def _xlsx_rows(
    path: Path, header_row: int, width: int, builder: RowBuilder
) -> Iterator[ImportRow | list[RowError]]:
    build = builder.build
    number = header_row
    try:
        with _first_sheet(path) as sheet:
            for number, cells in enumerate(
                sheet.iter_rows(min_row=header_row + 1, max_col=width, values_only=True),
                start=header_row + 1,
            ):
                if not _blank_cells(cells):
                    yield build(cells, number)
    except Exception as exc:  # noqa: BLE001 - the first pass read it; a changed file ends here
        logger.info("xlsx unreadable in the second pass: %s", exc, exc_info=True)
        yield [
            RowError(number + 1, "", "", f"the workbook cannot be read from here on ({type(exc).__name__})")
        ]
