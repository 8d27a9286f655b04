"""Rate files: checked row by row, imported all or nothing, idempotent."""

import json
from datetime import date
from decimal import Decimal

import pytest

from tact.law.errors import RateFileInvalid
from tact.law.models import ReferenceRate
from tact.law.rates import COLUMNS, bundled_files, rates_import_file, rates_load_bundled, rates_parse

HEADER = ",".join(COLUMNS) + "\n"
SRC = "Bundesbank"


def csv_file(tmp_path, *lines, name="rates.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def errors_of(excinfo):
    return [(e["line"], e["column"]) for e in excinfo.value.errors]


# --- parsing (no database) -------------------------------------------------------------------


def test_every_shipped_file_parses_and_flags_its_doubtful_rows():
    rows = [r for p in bundled_files() for r in rates_parse(text=p.read_text(encoding="utf-8"), name=p.name)]

    assert {r.series for r in rows} == {
        "de_basiszinssatz", "nl_wettelijke_rente", "nl_handelsrente", "be_late_payment", "at_basiszinssatz",
        "at_consumer",
    }  # fmt: skip
    assert all(r.note for r in rows if r.status != "confirmed")
    de = [r for r in rows if r.series == "de_basiszinssatz"]
    assert (de[0].valid_from, de[0].rate) == (date(2002, 1, 1), Decimal("2.57"))
    assert len(de) == 49  # every half-year 2002-H1 … 2026-H1


def test_overlapping_rows_are_refused_by_line_and_column():
    text = HEADER + (
        f"de_basiszinssatz,2024-01-01,2024-06-30,3.62,{SRC},confirmed,\n"
        f"de_basiszinssatz,2024-06-01,,3.37,{SRC},confirmed,\n"
    )

    with pytest.raises(RateFileInvalid) as err:
        rates_parse(text=text, name="x.csv")

    assert errors_of(err) == [(3, "valid_from")]
    assert "overlaps" in err.value.errors[0]["message"]


def test_rows_out_of_order_are_refused():
    text = HEADER + (
        f"de_basiszinssatz,2024-07-01,,3.37,{SRC},confirmed,\n"
        f"de_basiszinssatz,2024-01-01,2024-06-30,3.62,{SRC},confirmed,\n"
    )

    with pytest.raises(RateFileInvalid) as err:
        rates_parse(text=text, name="x.csv")

    assert errors_of(err) == [(3, "valid_from")]


def test_a_gap_inside_a_series_is_refused():
    text = HEADER + (
        f"de_basiszinssatz,2024-01-01,2024-06-29,3.62,{SRC},confirmed,\n"
        f"de_basiszinssatz,2024-07-01,,3.37,{SRC},confirmed,\n"
    )

    with pytest.raises(RateFileInvalid) as err:
        rates_parse(text=text, name="x.csv")

    assert "gap" in err.value.errors[0]["message"]


def test_every_bad_cell_is_named():
    text = HEADER + (
        "de_basiszins,2024-01-01,,3.62,x,confirmed,\n"
        f"de_basiszinssatz,2024-13-01,,3.62,{SRC},confirmed,\n"
        f'de_basiszinssatz,2024-01-01,,"3,62",{SRC},confirmed,\n'
        f"de_basiszinssatz,2024-01-01,,1e2,{SRC},confirmed,\n"
        "de_basiszinssatz,2024-01-01,,3.62,,confirmed,\n"
        f"de_basiszinssatz,2024-01-01,,3.62,{SRC},derived,\n"
        f"de_basiszinssatz,2024-01-01,2023-01-01,3.62,{SRC},confirmed,\n"
    )

    with pytest.raises(RateFileInvalid) as err:
        rates_parse(text=text, name="x.csv")

    assert errors_of(err) == [
        (2, "series"),
        (3, "valid_from"),
        (4, "rate"),
        (5, "rate"),
        (6, "source"),
        (7, "note"),
        (8, "valid_to"),
    ]


def test_a_wrong_header_is_refused_on_line_1():
    with pytest.raises(RateFileInvalid) as err:
        rates_parse(text="series,from,rate\n", name="x.csv")

    assert errors_of(err) == [(1, "")]
    assert "missing column(s): valid_from" in err.value.errors[0]["message"]


def test_json_rates_must_be_decimal_strings():
    data = [{"series": "at_consumer", "valid_from": "2002-01-01", "rate": 4.0, "source": "ABGB"}]

    with pytest.raises(RateFileInvalid) as err:
        rates_parse(text=json.dumps(data), name="x.json")

    assert errors_of(err) == [(1, "rate")]


# --- importing (database) --------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_reimporting_the_shipped_tables_changes_nothing():
    before = list(ReferenceRate.objects.values_list("series", "valid_from", "rate", "updated_at"))

    reports = rates_load_bundled()

    assert sum(r.created + r.updated for r in reports) == 0
    assert sum(r.unchanged for r in reports) == len(before) > 100
    assert list(ReferenceRate.objects.values_list("series", "valid_from", "rate", "updated_at")) == before


@pytestmark_db
def test_a_new_half_year_closes_the_open_row(tmp_path):
    path = csv_file(
        tmp_path,
        f"de_basiszinssatz,2026-01-01,2026-06-30,1.27,{SRC},confirmed,",
        f"de_basiszinssatz,2026-07-01,,1.02,{SRC},confirmed,",
    )

    first = rates_import_file(path=path)
    again = rates_import_file(path=path)

    assert (first.created, first.updated, first.unchanged) == (1, 1, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert ReferenceRate.objects.get(series="de_basiszinssatz", valid_from=date(2026, 7, 1)).rate == Decimal(
        "1.02"
    )


@pytestmark_db
def test_a_row_overlapping_a_stored_row_is_refused_and_nothing_is_written(tmp_path):
    """The stored 2026-01-01 row is open; a new half-year without closing it overlaps."""
    count = ReferenceRate.objects.count()
    path = csv_file(
        tmp_path,
        f"at_consumer,2002-01-01,,4.00,{SRC},confirmed,",
        f"de_basiszinssatz,2026-07-01,,1.02,{SRC},confirmed,",
    )

    with pytest.raises(RateFileInvalid) as err:
        rates_import_file(path=path)

    assert errors_of(err) == [(3, "valid_from")]
    assert "stored row" in err.value.errors[0]["message"]
    assert ReferenceRate.objects.count() == count
    assert not ReferenceRate.objects.filter(valid_from=date(2026, 7, 1)).exists()


@pytestmark_db
def test_a_corrected_rate_updates_its_row(tmp_path):
    path = tmp_path / "fix.json"
    path.write_text(
        json.dumps(
            [
                {
                    "series": "nl_wettelijke_rente",
                    "valid_from": "2025-07-01",
                    "valid_to": "2025-12-31",
                    "rate": "5.00",
                    "source": "Stb. 2025, …",
                    "status": "confirmed",
                }
            ]
        )
    )

    report = rates_import_file(path=path)

    assert (report.created, report.updated) == (0, 1)
    row = ReferenceRate.objects.get(series="nl_wettelijke_rente", valid_from=date(2025, 7, 1))
    assert (row.rate, row.status, row.note) == (Decimal("5.0000"), "confirmed", "")
