"""Rate tables: reading and checking rate files, importing them, and the in-memory rate book.

A rate file (CSV with a header, or JSON: a list of objects) has the columns
``series, valid_from, valid_to, rate, source, status, note``. ``valid_to`` is the inclusive
last day, empty for the latest figure; ``rate`` is percent a year as a decimal string.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from .errors import NoRateForDate, RateFileInvalid
from .jurisdictions import SERIES
from .models import RateStatus, ReferenceRate

DATA_DIR = Path(__file__).resolve().parent / "data"
COLUMNS = ("series", "valid_from", "valid_to", "rate", "source", "status", "note")
_RATE = re.compile(r"^-?\d{1,3}(\.\d{1,4})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RateRow:
    series: str
    valid_from: date
    valid_to: date | None
    rate: Decimal
    source: str
    status: str
    note: str
    line: int = field(default=0, compare=False)

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def as_dict(self) -> dict[str, Any]:
        return {
            "series": self.series,
            "country": SERIES[self.series].country,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "rate": format_rate(self.rate),
            "status": self.status,
            "source": self.source,
            "note": self.note,
        }


def format_rate(rate: Decimal) -> str:
    """``Decimal('12.6200')`` → ``"12.62"``; at least two places, more only when they matter."""
    cents = rate.quantize(Decimal("0.01"))
    return str(cents) if cents == rate else str(rate.normalize())


# --- reading files -----------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, line: int, column: str, value: object, message: str) -> None:
        self.items.append({"line": line, "column": column, "value": value, "message": message})


def rates_parse(*, text: str, name: str, as_json: bool | None = None) -> list[RateRow]:
    """The checked rows of a rate file, in file order.

    Raises RateFileInvalid naming every bad row by line and column (for JSON, the "line" is
    the position of the object in the list, counting from 1).
    """
    if as_json is None:
        as_json = name.lower().endswith(".json") or text.lstrip().startswith("[")
    errors = _Errors()
    raw = _read_json(text, errors) if as_json else _read_csv(text, errors)
    rows = [row for line, record in raw if (row := _row(line, record, errors)) is not None]
    if not errors.items:
        _check_order(rows, errors)
    if errors.items:
        raise RateFileInvalid(file=name, errors=errors.items)
    return rows


def _read_csv(text: str, errors: _Errors) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        errors.add(1, "", "", "the file is empty")
        return []
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    unknown = [h for h in names if h not in COLUMNS]
    if missing or unknown:
        problem = "; ".join(
            part
            for part in (
                f"missing column(s): {', '.join(missing)}" if missing else "",
                f"unknown column(s): {', '.join(unknown)}" if unknown else "",
            )
            if part
        )
        errors.add(1, "", ",".join(header), f"{problem}; expected: {', '.join(COLUMNS)}")
        return []
    out = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(names):
            errors.add(line, "", ",".join(cells), f"{len(cells)} cells, the header has {len(names)}")
            continue
        out.append((line, dict(zip(names, cells, strict=True))))
    return out


def _read_json(text: str, errors: _Errors) -> list[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        errors.add(exc.lineno, "", "", f"not JSON: {exc.msg}")
        return []
    if not isinstance(data, list):
        errors.add(1, "", "", "a JSON rate file is a list of objects")
        return []
    out = []
    for index, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            errors.add(index, "", record, "not an object")
            continue
        unknown = [k for k in record if k not in COLUMNS]
        if unknown:
            errors.add(index, unknown[0], record[unknown[0]], f"unknown key; expected: {', '.join(COLUMNS)}")
            continue
        out.append((index, record))
    return out


def _date(value: object, line: int, column: str, errors: _Errors, *, optional: bool = False) -> date | None:
    text = "" if value is None else str(value).strip()
    if not text and optional:
        return None
    if _DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    errors.add(line, column, value, "not a date YYYY-MM-DD" + (" (or empty)" if optional else ""))
    return None


def _row(line: int, record: dict[str, Any], errors: _Errors) -> RateRow | None:
    before = len(errors.items)
    series = str(record.get("series") or "").strip()
    if series not in SERIES:
        errors.add(line, "series", series, f"unknown series; known: {', '.join(sorted(SERIES))}")
    valid_from = _date(record.get("valid_from"), line, "valid_from", errors)
    valid_to = _date(record.get("valid_to"), line, "valid_to", errors, optional=True)
    raw_rate = record.get("rate")
    if isinstance(raw_rate, float):
        # JSON numbers arrive as floats with binary noise; the file must say the decimal.
        errors.add(line, "rate", raw_rate, 'write the rate as a decimal string, e.g. "3.62"')
        rate = None
    else:
        text = "" if raw_rate is None else str(raw_rate).strip()
        rate = Decimal(text) if _RATE.match(text) else None
        if rate is None:
            errors.add(line, "rate", raw_rate, "not a percentage like 3.62 or -0.88 (at most 4 decimals)")
    source = str(record.get("source") or "").strip()
    if not source:
        errors.add(line, "source", "", "every row names its source")
    status = str(record.get("status") or "").strip().lower() or RateStatus.CONFIRMED
    if status not in RateStatus.values:
        errors.add(line, "status", status, f"status is one of {', '.join(RateStatus.values)}")
    note = str(record.get("note") or "").strip()
    if status != RateStatus.CONFIRMED and not note:
        errors.add(line, "note", "", f"a {status} row says why in its note")
    if valid_from and valid_to and valid_to < valid_from:
        errors.add(line, "valid_to", valid_to.isoformat(), f"before valid_from {valid_from.isoformat()}")
    if len(errors.items) > before or valid_from is None or rate is None:
        return None
    return RateRow(series, valid_from, valid_to, rate, source, status, note, line)


def _check_order(rows: list[RateRow], errors: _Errors) -> None:
    """Rows of one series in date order, contiguous, not overlapping."""
    last: dict[str, RateRow] = {}
    for row in rows:
        prev = last.get(row.series)
        if prev is not None:
            _check_follows(prev, row, errors, prev_where=f"line {prev.line}")
        last[row.series] = row


def _check_follows(prev: RateRow, row: RateRow, errors: _Errors, *, prev_where: str) -> None:
    frm = row.valid_from.isoformat()
    if row.valid_from <= prev.valid_from:
        errors.add(
            row.line,
            "valid_from",
            frm,
            f"not after {prev.valid_from} ({prev_where}); rows of a series go in date order",
        )
    elif prev.valid_to is None or row.valid_from <= prev.valid_to:
        ends = prev.valid_to.isoformat() if prev.valid_to else "open"
        errors.add(
            row.line, "valid_from", frm, f"overlaps the row from {prev.valid_from} to {ends} ({prev_where})"
        )
    elif row.valid_from != prev.valid_to + timedelta(days=1):
        errors.add(row.line, "valid_from", frm, f"leaves a gap after {prev.valid_to} ({prev_where})")


# --- importing ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportReport:
    file: str
    rows: int
    created: int
    updated: int
    unchanged: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


def _fields(row: RateRow) -> dict[str, Any]:
    return {
        "valid_to": row.valid_to,
        "rate": row.rate,
        "source": row.source,
        "status": row.status,
        "note": row.note,
    }


@transaction.atomic
def rates_import_rows(*, rows: list[RateRow], name: str, model: Any = ReferenceRate) -> ImportReport:
    """Write checked rows: a row with a known (series, valid_from) replaces that row, a new one
    is added, rows not in the file stay. The merged table is checked again; all or nothing.

    ``model`` lets a data migration pass its historical model.
    """
    series = sorted({r.series for r in rows})
    existing = {
        (r.series, r.valid_from): r for r in model.objects.select_for_update().filter(series__in=series)
    }
    merged: dict[str, dict[date, RateRow]] = defaultdict(dict)
    for (code, frm), r in existing.items():
        merged[code][frm] = RateRow(code, frm, r.valid_to, r.rate, r.source, r.status, r.note, 0)
    for row in rows:
        merged[row.series][row.valid_from] = row
    errors = _Errors()
    for code in series:
        ordered = [merged[code][k] for k in sorted(merged[code])]
        for prev, row in zip(ordered, ordered[1:], strict=False):
            if row.line or prev.line:
                # Name the file's line; the stored neighbour is described by its dates.
                where = f"line {prev.line}" if prev.line else "stored row"
                target = row if row.line else prev
                probe = _Errors()
                _check_follows(prev, row, probe, prev_where=where)
                for e in probe.items:
                    errors.add(target.line, e["column"], e["value"], e["message"])
    if errors.items:
        raise RateFileInvalid(file=name, errors=errors.items)

    created = updated = unchanged = 0
    for row in rows:
        stored = existing.get((row.series, row.valid_from))
        wanted = _fields(row)
        if stored is None:
            model.objects.create(series=row.series, valid_from=row.valid_from, **wanted)
            created += 1
        elif all(getattr(stored, k) == v for k, v in wanted.items()):
            unchanged += 1
        else:
            for k, v in wanted.items():
                setattr(stored, k, v)
            stored.save()
            updated += 1
    return ImportReport(name, len(rows), created, updated, unchanged)


def rates_import_file(*, path: Path, as_json: bool | None = None) -> ImportReport:
    """Check and import one rate file (CSV or JSON). Raises RateFileInvalid; writes nothing then."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise RateFileInvalid(
            file=path.name,
            errors=[{"line": 0, "column": "", "value": "", "message": "file larger than 2 MB"}],
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RateFileInvalid(
            file=path.name, errors=[{"line": 0, "column": "", "value": "", "message": "not UTF-8 text"}]
        ) from exc
    rows = rates_parse(text=text, name=path.name, as_json=as_json)
    return rates_import_rows(rows=rows, name=path.name)


def bundled_files() -> list[Path]:
    return sorted(DATA_DIR.glob("*.csv"))


def rates_load_bundled(*, model: Any = ReferenceRate) -> list[ImportReport]:
    """Import every rate file shipped in ``data/`` (what the data migration runs)."""
    reports = []
    for path in bundled_files():
        rows = rates_parse(text=path.read_text(encoding="utf-8"), name=path.name, as_json=False)
        reports.append(rates_import_rows(rows=rows, name=path.name, model=model))
    return reports


# --- reading the stored tables -------------------------------------------------------------


class RateBook:
    """All stored rate rows, read once. The cycle loads one book and computes many claims."""

    def __init__(self, rows: list[RateRow]) -> None:
        self._by_series: dict[str, list[RateRow]] = defaultdict(list)
        for row in sorted(rows, key=lambda r: (r.series, r.valid_from)):
            self._by_series[row.series].append(row)

    @classmethod
    def load(cls) -> RateBook:
        return cls(
            [
                RateRow(r.series, r.valid_from, r.valid_to, r.rate, r.source, r.status, r.note)
                for r in ReferenceRate.objects.all()
            ]
        )

    def rows(self, series: str) -> list[RateRow]:
        return list(self._by_series.get(series, []))

    def first_day(self, series: str) -> date | None:
        rows = self._by_series.get(series)
        return rows[0].valid_from if rows else None

    def row_on(self, series: str, day: date, *, field: str = "from") -> RateRow:
        for row in self._by_series.get(series, []):
            if row.covers(day):
                return row
        first = self.first_day(series)
        title = SERIES[series].title
        if first is None:
            detail = f"no rates stored for {title}; run the migrations or tact law rates import"
        elif day < first:
            detail = f"interest day {day} is before the first row of {title} ({first})"
        else:
            detail = f"{title} has no rate for interest day {day}"
        raise NoRateForDate(field=field, detail=detail, series=series, day=day)

    def segments(self, series: str, start: date, end: date) -> list[tuple[date, date, RateRow]]:
        """(first day, last day, row) pieces covering start..end inclusive, in order."""
        out = []
        day = start
        while day <= end:
            row = self.row_on(series, day, field="from" if day == start else "to")
            last = end if row.valid_to is None else min(row.valid_to, end)
            out.append((day, last, row))
            day = last + timedelta(days=1)
        return out
