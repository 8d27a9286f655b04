"""`tact law …`: the JSON contracts and the exit code 2 for bad input."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("law", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_json(*args):
    return json.loads(run(*args, "--json")[0])


def refused(*args):
    with pytest.raises(CommandError) as err:
        run(*args)
    assert err.value.returncode == 2
    return str(err.value)


INTEREST = ["interest", "--country", "DE", "--kind", "b2b", "--principal", "1000.00"]


def test_interest_contract():
    data = run_json(*INTEREST, "--from", "2024-01-15", "--to", "2024-07-15")

    assert data == {
        "interest": "62.82",
        "currency": "EUR",
        "periods": [
            {"from": "2024-01-16", "to": "2024-06-30", "days": 167, "rate": "12.62", "amount": "57.74"},
            {"from": "2024-07-01", "to": "2024-07-15", "days": 15, "rate": "12.37", "amount": "5.08"},
        ],
        "rule": data["rule"],
        "day_count": "act/365",
        "warnings": [],
    }
    assert data["rule"].startswith("de_b2b_288_2: § 288(2) BGB")


def test_interest_in_text_shows_periods_and_total():
    out, _ = run(*INTEREST, "--from", "2024-01-15", "--to", "2024-07-15")

    assert "12.62 %" in out and "Interest: 62.82 EUR" in out


def test_fees_contract_for_a_dutch_consumer():
    data = run_json("fees", "--country", "NL", "--kind", "b2c", "--principal", "3000.00")

    assert data["collection_costs"] == "425.00"
    assert data["flat_compensation"] is None
    assert data["rule"].startswith("nl_bik_art_2: ")
    assert any("14-day letter" in c for c in data["conditions"])
    assert set(data) == {"collection_costs", "flat_compensation", "rule", "conditions"}


@pytest.mark.parametrize("country", ["DE", "NL", "BE", "AT"])
def test_fees_give_business_debtors_40_euro(country):
    data = run_json("fees", "--country", country, "--kind", "b2b", "--principal", "3000.00")

    assert data["flat_compensation"] == "40.00"


def test_rates_list_by_country():
    rows = run_json("rates", "list", "--country", "BE")

    assert {r["series"] for r in rows} == {"be_late_payment"}
    assert rows[0].keys() == {
        "series",
        "country",
        "valid_from",
        "valid_to",
        "rate",
        "status",
        "source",
        "note",
    }
    assert [r["rate"] for r in rows if r["valid_from"] == "2024-01-01"] == ["12.50"]


def test_rates_import_reports_and_refuses_bad_rows(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(
        "series,valid_from,valid_to,rate,source,status,note\n"
        "be_late_payment,2026-01-01,2026-06-30,10.50,embuild.be,derived,rule applied\n"
        "be_late_payment,2026-07-01,,10.50,FPS Finance,confirmed,\n"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "series,valid_from,valid_to,rate,source,status,note\nbe_late_payment,2026-07-01,,ten,x,confirmed,\n"
    )

    report = run_json("rates", "import", str(good))
    with pytest.raises(CommandError) as err:
        run("rates", "import", str(bad))

    assert (report["created"], report["updated"]) == (1, 1)
    assert err.value.returncode == 2
    assert "line 2, column 'rate'" in str(err.value)


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--country", "FR", "--kind", "b2b"], "--country"),
        (["--country", "DE", "--kind", "b2g"], "--kind"),
        (["--kind", "b2b"], "--country"),
    ],
)
def test_bad_country_or_kind_exits_2_naming_the_flag(args, flag):
    message = refused("interest", *args, "--principal", "1", "--from", "2024-01-15", "--to", "2024-07-15")

    assert message.startswith(f"{flag}: ")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--principal", "-1.00", "--from", "2024-01-15", "--to", "2024-07-15"], "--principal"),
        (["--principal", "1.000,00", "--from", "2024-01-15", "--to", "2024-07-15"], "--principal"),
        (["--principal", "1", "--from", "2024-08-15", "--to", "2024-07-15"], "--from"),
        (["--principal", "1", "--from", "15.01.2024", "--to", "2024-07-15"], "--from"),
        (["--principal", "1", "--from", "2000-01-01", "--to", "2024-07-15"], "--from"),
        (["--principal", "1", "--from", "2024-01-15"], "--to"),
    ],
)
def test_bad_amounts_and_dates_exit_2_naming_the_flag(args, flag):
    message = refused("interest", "--country", "DE", "--kind", "b2b", *args)

    assert message.startswith(f"{flag}: ")


def test_fees_refuse_a_negative_principal():
    assert refused("fees", "--country", "NL", "--kind", "b2c", "--principal", "-5").startswith(
        "--principal: "
    )


def test_json_errors_are_json_too():
    out = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "law", "fees", "--country", "XX", "--kind", "b2c", "--principal", "1", "--json", stdout=out
        )

    assert json.loads(out.getvalue())["error"]["message"].startswith("--country: ")


def test_notices_as_json():
    data = run_json("notices", "--country", "NL", "--kind", "b2c")

    assert data["fee_waiting_period"]["days"] == 14
