"""tact cycle, tact actions list and tact policy: the JSON contract and bad input."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tact.dunning.models import Action, Policy
from tests.dunning.conftest import MONDAY, debtor_with_items

THURSDAY = (MONDAY + timedelta(days=3)).isoformat()
KEYS = ["date", "debtors_considered", "actions", "by_stage", "by_channel", "held", "awaiting_approval",
        "refused_by_law", "elapsed_s"]  # fmt: skip


def tact(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_cycle_prints_exactly_the_documented_summary(presets):
    debtor_with_items(presets, due=[MONDAY])
    summary = json.loads(tact("cycle", "--creditor", "acme", "--date", THURSDAY, "--json"))
    assert list(summary) == KEYS
    assert summary["date"] == THURSDAY
    assert (summary["actions"], summary["by_stage"], summary["by_channel"]) == (
        1, {"friendly_reminder": 1}, {"email": 1},
    )  # fmt: skip
    assert summary["held"]["dispute"] == 0


def test_a_dry_run_prints_the_plan_and_writes_nothing(presets):
    debtor_with_items(presets, due=[MONDAY])
    summary = json.loads(tact("cycle", "--creditor", "acme", "--date", THURSDAY, "--dry-run", "--json"))
    assert summary["actions"] == 1
    assert not Action.objects.exists()


def test_without_a_creditor_the_cycle_runs_for_every_creditor(presets, other_creditor):
    debtor_with_items(presets, due=[MONDAY])
    summary = json.loads(tact("cycle", "--date", THURSDAY, "--json"))
    assert list(summary) == KEYS
    assert summary["actions"] >= 1


def test_the_plain_output_is_one_line_per_creditor(presets):
    debtor_with_items(presets, due=[MONDAY])
    line = tact("cycle", "--creditor", "acme", "--date", THURSDAY).strip()
    assert line.startswith("acme 2025-03-06: 1 debtors considered, 1 actions")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2025-02-30"], "--date: '2025-02-30' is not a date in the calendar"),
        (["--date", "06.03.2025"], "--date: '06.03.2025' is not a date as YYYY-MM-DD"),
        ([], "--date: is required, as YYYY-MM-DD"),
        (["--date", THURSDAY, "--creditor", "nobody"], "No creditor with slug 'nobody'."),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_code_2(presets, args, message):
    with pytest.raises(CommandError) as caught:
        tact("cycle", *args)
    assert str(caught.value) == message
    assert caught.value.returncode == 2
    assert not Action.objects.exists()


def test_actions_list_shows_debtor_items_stage_channel_amounts_and_explanation(presets):
    debtor, [item] = debtor_with_items(presets, due=[MONDAY])
    tact("cycle", "--creditor", "acme", "--date", THURSDAY)
    [row] = json.loads(tact("actions", "list", "--creditor", "acme", "--date", THURSDAY, "--json"))
    assert (row["debtor"], row["items"], row["stage"], row["channel"]) == (
        debtor.number, [item.number], "friendly_reminder", "email",
    )  # fmt: skip
    assert (row["open_amount"], row["interest"], row["fees"], row["flat_compensation"]) == (
        "1190.00", "0.00", "0.00", "0.00",
    )  # fmt: skip
    assert row["explanation"]["rule"] == "stage_due"
    assert row["rule_text"].startswith("Each item's next stage has come")


def test_actions_list_refuses_a_bad_date(presets):
    with pytest.raises(CommandError) as caught:
        tact("actions", "list", "--creditor", "acme", "--date", "tomorrow")
    assert caught.value.returncode == 2


def test_policy_install_presets_creates_the_three_policies_once(in_scope):
    first = json.loads(tact("policy", "install-presets", "--creditor", "acme", "--json"))
    second = json.loads(tact("policy", "install-presets", "--creditor", "acme", "--json"))
    assert len(first["created"]) == 3
    assert second["created"] == []
    assert Policy.objects.count() == 3


def test_policy_list_shows_stages_and_assignments(presets):
    policies = json.loads(tact("policy", "list", "--creditor", "acme", "--json"))
    web_shop = next(p for p in policies if p["preset"] == "b2c_webshop_nl_be")
    assert [s["key"] for s in web_shop["stages"]][:3] == ["pre_due", "payment_reminder", "formal_reminder"]
    assert {"segment": "", "country": "NL", "debtor_kind": "consumer"} in web_shop["assignments"]
