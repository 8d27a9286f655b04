"""Helpers for the parser tests: write a file, parse it, split rows from errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tact.ledger.imports.reading import ReadFile, parse_file
from tact.ledger.imports.rows import ImportRow, RowError

FILES = Path(__file__).parent / "files"


class Parsed:
    """A parsed file with its rows consumed: ``rows`` (ImportRow) and ``errors`` (all)."""

    def __init__(self, parsed: ReadFile) -> None:
        self.parsed = parsed
        self.rows: list[ImportRow] = []
        self.row_errors: list[RowError] = []
        for item in parsed.rows():
            if isinstance(item, ImportRow):
                self.rows.append(item)
            else:
                assert item and all(isinstance(e, RowError) for e in item)
                self.row_errors.extend(item)
        self.errors = list(parsed.file_errors) + self.row_errors

    @property
    def conventions(self) -> dict:
        return self.parsed.conventions

    def error_for(self, column: str) -> RowError:
        found = [e for e in self.errors if e.column == column]
        assert found, f"no error for column {column!r}: {self.errors}"
        return found[0]


def read(path: Path, *, country: str = "DE", **kwargs) -> Parsed:
    return Parsed(parse_file(path, creditor_country=country, **kwargs))


@pytest.fixture
def write(tmp_path):
    """``write("a;b\\n1;2", name="x.csv", encoding="cp1252")`` → the file's path."""

    def write(content: str | bytes, name: str = "ledger.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return write
