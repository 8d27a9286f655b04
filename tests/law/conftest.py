"""The rate book built straight from the shipped files: pure tests need no database."""

import pytest

from tact.law.rates import RateBook, bundled_files, rates_parse


def bundled_book() -> RateBook:
    rows = []
    for path in bundled_files():
        rows += rates_parse(text=path.read_text(encoding="utf-8"), name=path.name)
    return RateBook(rows)


@pytest.fixture(scope="session")
def book() -> RateBook:
    return bundled_book()
