"""Open a ledger file of any kind and stream its rows: the entry point of the import parser.

`parse_file` tells the format from the content (XLSX, ZUGFeRD/Factur-X PDF, XRechnung UBL
or CII XML, else CSV text), finds the header, makes a first streaming pass that decides the
file's conventions (decimal separator, day or month first) from all of its values, and
returns a `ReadFile` whose ``rows()`` makes the second pass. Whatever the bytes, the outcome
is file errors or row errors, never an exception.

Required columns: invoice number, debtor number, debtor name, issue date, due date, and the
amount or the open amount (alone, it stands for both). The issue date has no default: taking
the due date would invent a fact that interest and dunning later rely on; a column mapping
can point it at any column the export has.
"""

from __future__ import annotations

import codecs
import csv
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from .columns import field_for_header, match_headers
from .rows import ImportRow, ParsedFile, RowError
from .tabular import AMOUNT_FIELDS, DATE_FIELDS, Evidence, RowBuilder, decide_conventions
from .values import fold

logger = logging.getLogger(__name__)

DELIMITERS = (";", ",", "\t")
HEADER_SEARCH_ROWS = 30  # an export may put a title or a date above the header
MAX_LINE_CHARS = 1 << 20
MAX_FIELD_CHARS = 1 << 20
CHUNK = 1 << 20

# csv refuses fields over 128 KiB by default; a long address or note field may be larger,
# but an unbounded limit would let one quote character swallow the whole file into memory.
if csv.field_size_limit() < MAX_FIELD_CHARS:
    csv.field_size_limit(MAX_FIELD_CHARS)


@dataclass
class ReadFile(ParsedFile):
    """A `ParsedFile` that also says which conventions were decided for the whole file.

    ``conventions``: ``{"decimal": "," | ".", "decimal_from": "values" | "country" |
    "option", "date_order": "dmy" | "mdy", "date_order_from": …}`` for tables, plus
    ``"encoding"`` and ``"delimiter"`` for CSV and ``"sheet"`` for XLSX; empty for
    e-invoices. ``header_line`` is the header's line (or Excel row) number; ``row_count``
    the number of non-blank data rows the first pass saw.
    """

    conventions: dict[str, str] = field(default_factory=dict)
    header_line: int = 0
    row_count: int = 0


def failed(file_format: str, message: str, *, line: int = 0, headers: list[str] | None = None) -> ReadFile:
    """A file that cannot be imported at all; ``line`` 0 stands for the file as a whole."""
    return ReadFile(file_format, headers or [], {}, [RowError(line, "", "", message)])


def parse_file(
    path: Path,
    *,
    creditor_country: str,
    default_currency: str = "EUR",
    mapping: dict[str, str] | None = None,
    options: dict | None = None,
    filename: str | None = None,
    max_bytes: int | None = None,
) -> ReadFile:
    """Open ``path`` for import. See the module docstring; ``options`` may force
    ``decimal`` ("," or "."), ``date_order`` ("dmy" or "mdy"), ``delimiter`` and
    ``encoding``. ``filename`` (the uploaded name) only improves messages."""
    path = Path(path)
    name = filename or path.name
    if max_bytes is None:
        from django.conf import settings

        max_bytes = settings.TACT_IMPORT_MAX_BYTES
    problem = check_settings(mapping, options)
    if problem:
        return failed("unknown", problem)
    options = dict(options or {})
    try:
        size = path.stat().st_size
        with path.open("rb") as stream:
            head = stream.read(8192)
    except OSError as exc:
        return failed("unknown", f"the file cannot be read: {exc.strerror or exc}")
    if size > max_bytes:
        return failed(
            "unknown",
            f"the file is {size_text(size)}; files up to {size_text(max_bytes)} can be imported: "
            "split it into smaller files",
        )
    if len(head) == size and not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        return failed("unknown", "the file is empty: expected a header line and rows")

    context = {
        "creditor_country": (creditor_country or "").upper(),
        "default_currency": default_currency,
    }
    kind = sniff(head)
    if kind == "zip":
        from .spreadsheet import read_xlsx

        return read_xlsx(path, size, mapping=mapping, options=options, **context)
    if kind == "pdf":
        from .einvoice import read_pdf

        return read_pdf(path, **context)
    if kind == "xml":
        from .einvoice import read_xml

        return read_xml(path, **context)
    if kind == "xls":
        return failed("unknown", "an Excel 97-2003 workbook (.xls): save it as .xlsx or as CSV")
    if name.lower().endswith((".xlsx", ".xlsm")):
        return failed("unknown", f"{name} is named like an Excel workbook but is not one (no ZIP)")
    if name.lower().endswith(".pdf"):
        return failed("unknown", f"{name} is named like a PDF but does not start like one")
    return _read_csv(path, head, mapping=mapping, options=options, **context)


OPTION_VALUES = {"decimal": (",", "."), "date_order": ("dmy", "mdy")}


def check_settings(mapping: object, options: object) -> str:
    """A problem with a saved mapping or its options (they come from user data), else ""."""
    if mapping is not None and not isinstance(mapping, dict):
        return 'the column mapping must map fields to column names, like {"due_on": "Zahlbar bis"}'
    if options is None:
        return ""
    if not isinstance(options, dict):
        return 'the import options must be an object, like {"decimal": ","}'
    for key, allowed in OPTION_VALUES.items():
        value = options.get(key)
        if value not in (None, "") and value not in allowed:
            return f"the import option {key} is {value!r}: expected one of " + ", ".join(map(repr, allowed))
    return ""


def sniff(head: bytes) -> str:
    """The format the first bytes announce: zip, pdf, xls, xml or text."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    start = head
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            start = head[len(bom) :].decode(codec, errors="ignore").encode("utf-8")
            break
    if start.lstrip().startswith(b"<"):
        return "xml"
    return "text"


def size_text(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n} bytes"


# -----------------------------------------------------------------------------------------
# CSV


def detect_encoding(path: Path, head: bytes) -> tuple[str | None, str]:
    """``(encoding, problem)``: UTF-8 (with or without BOM) when every byte decodes as
    UTF-8, UTF-16 when it starts with its BOM, else Windows-1252. NUL bytes are refused:
    they mean a binary file, not text."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        decoder = codecs.getincrementaldecoder("utf-16")()
        with path.open("rb") as stream:
            while chunk := stream.read(CHUNK):
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError:
                    return (
                        None,
                        "the file starts like UTF-16 text but is not: expected UTF-8 or Windows-1252 text",
                    )
                if "\x00" in text:
                    return None, "the file contains NUL characters: expected a text (CSV) file"
        return "utf-16", ""
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    position = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            if b"\x00" in chunk:
                at = position + chunk.index(b"\x00")
                return None, f"the file contains NUL bytes (first at byte {at}): expected a text (CSV) file"
            if is_utf8:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
            position += len(chunk)
    if is_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    if is_utf8:
        return ("utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"), ""
    cp1252 = codecs.getincrementaldecoder("cp1252")()
    position = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            try:
                cp1252.decode(chunk)
            except UnicodeDecodeError as exc:
                at = position + exc.start
                return None, (
                    f"the file is neither UTF-8 nor Windows-1252 text (byte {chunk[exc.start]:#04x} "
                    f"at position {at}): save it as CSV in UTF-8"
                )
            position += len(chunk)
    return "cp1252", ""


@dataclass
class _Header:
    line: int
    delimiter: str
    cells: list[str]
    score: int


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])


def score_header(cells: list[str], mapped: set[str]) -> int:
    return sum(1 for c in cells if c.strip() and (fold(c) in mapped or field_for_header(c)))


def find_header(lines: list[tuple[int, str]], *, mapping: dict | None, delimiter: str | None) -> _Header:
    """The header among the first non-blank lines: the line (and delimiter) where most cells
    are names we know; on a tie the delimiter that splits the following lines into as many
    fields as the header has. Without any known name: the first line."""
    mapped = {fold(str(h)) for h in (mapping or {}).values() if h}
    candidates = (delimiter,) if delimiter else DELIMITERS
    best: _Header | None = None
    for number, line in lines:
        for d in candidates:
            cells = _split(line, d)
            score = score_header(cells, mapped)
            if score and (best is None or score > best.score):
                best = _Header(number, d, cells, score)
        if best is not None and best.score >= 4:
            break  # an early line with this many known names is the header
    if best is not None:
        ties = [
            d for d in candidates if score_header(_split(_line(lines, best.line), d), mapped) == best.score
        ]
        if len(ties) > 1:
            best.delimiter = max(ties, key=lambda d: _consistency(lines, best.line, d))
            best.cells = _split(_line(lines, best.line), best.delimiter)
        return best
    number, line = lines[0]
    d = delimiter or max(DELIMITERS, key=lambda d: (_consistency(lines, number, d), line.count(d)))
    return _Header(number, d, _split(line, d), 0)


def _line(lines: list[tuple[int, str]], number: int) -> str:
    return next(text for n, text in lines if n == number)


def _consistency(lines: list[tuple[int, str]], header: int, delimiter: str) -> int:
    """How many of the lines after the header split into as many fields as it does."""
    width = len(_split(_line(lines, header), delimiter))
    if width < 2:
        return 0
    return sum(1 for n, text in lines if n > header and len(_split(text, delimiter)) == width)


def _first_lines(path: Path, encoding: str) -> tuple[list[tuple[int, str]], str]:
    lines: list[tuple[int, str]] = []
    with path.open(encoding=encoding, newline="") as stream:
        number = 0
        while len(lines) < HEADER_SEARCH_ROWS:
            text = stream.readline(MAX_LINE_CHARS)
            if not text:
                break
            number += 1
            if len(text) >= MAX_LINE_CHARS and not text.endswith(("\n", "\r")):
                return (
                    lines,
                    f"line {number} is longer than {MAX_LINE_CHARS} characters: expected a CSV file with one row per line",
                )
            if number == 1:
                # A UTF-8 BOM in a file that fell back to Windows-1252 reads as "ï»¿".
                text = text.lstrip("\ufeff").removeprefix("ï»¿")
            if text.strip():
                lines.append((number, text.rstrip("\r\n")))
    return lines, ""


def _read_csv(
    path: Path,
    head: bytes,
    *,
    mapping: dict | None,
    options: dict,
    creditor_country: str,
    default_currency: str,
) -> ReadFile:
    encoding = options.get("encoding")
    if encoding:
        try:
            encoding = codecs.lookup(str(encoding)).name
        except LookupError:
            return failed(
                "csv", f"unknown encoding {encoding!r} in the import options: expected utf-8 or cp1252"
            )
    else:
        encoding, problem = detect_encoding(path, head)
        if encoding is None:
            return failed("csv", problem)
    delimiter = options.get("delimiter")
    if delimiter is not None and (
        not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n'
    ):
        return failed("csv", "the delimiter in the import options must be one character such as ; , or a tab")
    try:
        lines, problem = _first_lines(path, encoding)
    except (UnicodeDecodeError, csv.Error) as exc:
        return failed("csv", f"the file cannot be read as {encoding} text: {exc}")
    if problem:
        return failed("csv", problem)
    if not lines:
        return failed("csv", "the file has no header line: expected a header line and rows")
    first = lines[0][1].strip()
    if first.lower().startswith("sep=") and len(first) == 5:
        # Excel's "sep=;" line names the delimiter; it is no header.
        delimiter = delimiter or first[4]
        lines = lines[1:] or lines
    header = find_header(lines, mapping=mapping, delimiter=delimiter)
    headers = [h.strip() for h in header.cells]
    columns = match_headers(headers, line=header.line, mapping=mapping)
    result = ReadFile("csv", headers, columns.headers, columns.errors, header_line=header.line)
    if columns.errors:
        return result

    evidence = Evidence()
    amount_at = [columns.index[n] for n in AMOUNT_FIELDS if n in columns.index]
    date_at = [columns.index[n] for n in DATE_FIELDS if n in columns.index]
    count = 0
    try:
        with path.open(encoding=encoding, newline="") as stream:
            for _row in islice(stream, header.line):
                pass
            reader = csv.reader(stream, delimiter=header.delimiter, skipinitialspace=True)
            add_amount, add_date = evidence.add_amount, evidence.add_date
            for row in reader:
                if not any(row) or _blank(row):
                    continue
                count += 1
                width = len(row)
                for i in amount_at:
                    if i < width:
                        add_amount(row[i])
                for i in date_at:
                    if i < width:
                        add_date(row[i])
    except csv.Error as exc:
        return failed(
            "csv",
            f"line {header.line + reader.line_num}: {exc}; expected CSV text",
            line=header.line + reader.line_num,
            headers=headers,
        )
    except UnicodeDecodeError as exc:
        return failed("csv", f"the file cannot be read as {encoding} text: {exc.reason}", headers=headers)

    conventions = decide_conventions(evidence, creditor_country=creditor_country, options=options)
    conventions["encoding"] = encoding
    conventions["delimiter"] = header.delimiter
    result.conventions = conventions
    result.row_count = count
    builder = RowBuilder(
        index=columns.index,
        headers=columns.headers,
        conventions=conventions,
        creditor_country=creditor_country,
        default_currency=default_currency,
        width=len(headers),
    )
    result._rows = _csv_rows(path, encoding, header, builder)
    return result


def _blank(row: list[str]) -> bool:
    """A row of empty or blank cells, like the ``;;;;`` spreadsheets export for empty rows."""
    return not row[0].strip() and not any(c.strip() for c in row)


def _csv_rows(
    path: Path, encoding: str, header: _Header, builder: RowBuilder
) -> Iterator[ImportRow | list[RowError]]:
    build = builder.build
    first = header.line
    with path.open(encoding=encoding, newline="") as stream:
        for _row in islice(stream, first):
            pass
        reader = csv.reader(stream, delimiter=header.delimiter, skipinitialspace=True)
        last = first
        try:
            for row in reader:
                start = last + 1  # a quoted value may span lines: name the record's first
                last = first + reader.line_num
                if any(row) and not _blank(row):
                    yield build(row, start)
        except (csv.Error, UnicodeDecodeError) as exc:
            # The first pass read the same bytes; only a file changed in between gets here.
            yield [RowError(last + 1, "", "", f"the file cannot be read from here on: {exc}")]
