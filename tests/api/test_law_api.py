"""The law calculators answer what `tact law interest|fees --json` prints, from the same functions."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from tact.tenancy.models import Role

from .conftest import assert_problem, fields_named, make_api


def _command(*args: str) -> dict:
    out = StringIO()
    call_command("law", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_interest_across_a_rate_change_is_the_published_figure_and_the_commands_json(api):
    # given the German business rate changing on 1 July 2024
    params = {
        "country": "DE",
        "kind": "b2b",
        "principal": "1000.00",
        "from": "2024-01-15",
        "to": "2024-07-15",
    }
    # when the calculator is asked
    response = api.get("/law/interest", params)
    # then it answers 62.82 EUR in two periods, exactly as the command prints it
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["interest"] == "62.82"
    assert [(p["from"], p["to"], p["days"], p["rate"]) for p in body["periods"]] == [
        ("2024-01-16", "2024-06-30", 167, "12.62"),
        ("2024-07-01", "2024-07-15", 15, "12.37"),
    ]
    assert body == _command(
        "interest", "--country", "DE", "--kind", "b2b", "--principal", "1000.00", "--from", "2024-01-15",
        "--to", "2024-07-15",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("country", "kind", "principal", "costs", "flat"),
    [("NL", "b2c", "3000.00", "425.00", None), ("DE", "b2b", "1000.00", "0.00", "40.00")],
)
def test_fees_are_the_commands_json(api, country, kind, principal, costs, flat):
    response = api.get("/law/fees", {"country": country, "kind": kind, "principal": principal})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["collection_costs"], body["flat_compensation"]) == (costs, flat)
    assert body == _command("fees", "--country", country, "--kind", kind, "--principal", principal)


def test_a_period_ending_before_it_starts_is_a_problem_naming_from(api):
    response = api.get(
        "/law/interest",
        {"country": "DE", "kind": "b2c", "principal": "100.00", "from": "2024-07-15", "to": "2024-01-15"},
    )
    body = assert_problem(response, 422, "law_bad_period")
    assert fields_named(body) == {"from"}


def test_an_unknown_country_or_a_bad_amount_names_the_field(api):
    body = assert_problem(api.get("/law/fees", {"country": "FR", "kind": "b2b", "principal": "1.00"}), 422)
    assert fields_named(body) == {"country"}
    body = assert_problem(api.get("/law/fees", {"country": "DE", "kind": "b2b", "principal": "1,00"}), 422)
    assert fields_named(body) == {"principal"}
    body = assert_problem(api.get("/law/fees", {"country": "DE", "kind": "b2b", "principal": "-1.00"}), 422)
    assert fields_named(body) == {"principal"}


def test_the_calculators_need_a_token_and_a_read_only_one_suffices(anonymous, creditor):
    params = {"country": "NL", "kind": "b2c", "principal": "3000.00"}
    assert_problem(anonymous.get("/law/fees", params), 401)
    assert make_api(creditor, Role.READ_ONLY).get("/law/fees", params).status_code == 200
