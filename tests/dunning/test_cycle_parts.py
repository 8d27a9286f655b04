"""The cycle in parts: on PostgreSQL, outside a transaction, the debtors are planned and
written in parts at once, each on its own connection — with the same result as in one part,
all parts committed or none."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django_scopes import scopes_disabled

import tact.dunning.cycle as cycle
from tact.audit.models import AuditEvent
from tact.dunning.models import Action, Decision, StageHistory
from tact.dunning.presets import policy_presets_install
from tests.dunning.conftest import MONDAY, run
from tests.dunning.test_queries import portfolio
from tests.factories import CreditorFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="parts need PostgreSQL"),
]

DAY = MONDAY + timedelta(days=3)


@pytest.fixture
def creditor():
    with scopes_disabled():
        creditor = CreditorFactory(slug="parts", country="DE")
        policy_presets_install(creditor=creditor)
        portfolio(creditor, 40)
    return creditor


def written(creditor) -> list[tuple]:
    """Every action and stage-history row of the day, as comparable values."""
    with scopes_disabled():
        actions = sorted(
            (a.debtor.number, a.currency, a.stage.key, a.channel, a.status, a.item_count, str(a.open_amount),
             [(i["number"], i["stage"], i["open_amount"]) for i in a.items],
             {k: v for k, v in a.explanation.items()})
            for a in Action.objects.filter(creditor=creditor, run_on=DAY).select_related("debtor", "stage")
        )  # fmt: skip
        history = sorted(
            (h.invoice.number, h.stage.key, h.position, h.round)
            for h in StageHistory.objects.filter(creditor=creditor).select_related("invoice", "stage")
        )
    return actions, history


def forget(creditor) -> None:
    with scopes_disabled():
        StageHistory.objects.filter(creditor=creditor).delete()
        Action.objects.filter(creditor=creditor).delete()
        Decision.objects.filter(creditor=creditor).delete()


def test_three_parts_write_exactly_what_one_part_writes(creditor, settings):
    # given the day's plan written in one part
    settings.TACT_CYCLE_WORKERS = 1
    one = run(creditor, DAY)
    assert one.parts == 1 and one.actions > 30
    expected = written(creditor)
    forget(creditor)
    # when the same day runs in three parts
    settings.TACT_CYCLE_WORKERS = 3
    three = run(creditor, DAY)
    # then the same actions (items, explanations) and stage history, and the same summary
    assert three.parts == 3
    assert written(creditor) == expected
    assert three.as_dict() | {"elapsed_s": 0} == one.as_dict() | {"elapsed_s": 0}
    assert three.items_advancing == one.items_advancing
    # and one decision and one audit event for the run, as in one part
    with scopes_disabled():
        assert Decision.objects.filter(creditor=creditor, subject_id=DAY.isoformat()).count() == 1
        assert AuditEvent.objects.filter(creditor=creditor, action="cycle_run").count() == 2
    # and running the day again in parts writes nothing more
    assert run(creditor, DAY).actions == 0
    with scopes_disabled():
        assert Action.objects.filter(creditor=creditor).count() == one.actions


def test_when_one_part_fails_no_part_writes_anything(creditor, settings, monkeypatch):
    # given the second of two parts fails while writing its actions
    settings.TACT_CYCLE_WORKERS = 2
    append = cycle.actions_append

    def failing(plan, **kwargs):
        if plan.shard == (1, 2):
            raise RuntimeError("disk full")
        return append(plan, **kwargs)

    monkeypatch.setattr(cycle, "actions_append", failing)
    # when the cycle runs, the error reaches the caller
    with pytest.raises(RuntimeError, match="disk full"):
        run(creditor, DAY)
    # and the first part, done before the failure, was rolled back too
    with scopes_disabled():
        assert not Action.objects.filter(creditor=creditor).exists()
        assert not StageHistory.objects.filter(creditor=creditor).exists()
        assert not Decision.objects.filter(creditor=creditor).exists()
    # and a later run writes the whole day
    monkeypatch.setattr(cycle, "actions_append", append)
    assert run(creditor, DAY).actions > 30


def test_parts_take_a_fixed_number_of_statements(settings):
    # given a small and a larger portfolio under the same policies
    settings.TACT_CYCLE_WORKERS = 2
    counts = []
    for slug, size in (("small", 10), ("large", 200)):
        with scopes_disabled():
            creditor = CreditorFactory(slug=slug, country="DE")
            policy_presets_install(creditor=creditor)
            portfolio(creditor, size)
        summary = run(creditor, DAY)
        assert summary.parts == 2 and summary.actions > 0
        counts.append(summary.statements)
    # then the parts ran as many statements for 200 debtors as for 10
    assert counts[0] == counts[1]
