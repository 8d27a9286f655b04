"""The demo's dunning history: holds by behaviour and a replayed cycle, so today's plan
looks like a working day (advanced stages, approvals waiting, holds applied)."""

import json
from datetime import timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from tact.arrangements.models import Dispute
from tact.core.jobs import creditor_scope
from tact.demo.history import demo_history
from tact.demo.plans import Profile, debtor_index_of, profile_of
from tact.demo.services import demo_load
from tact.dunning.cycle import cycle_run
from tact.dunning.models import Action, ActionStatus, Hold, HoldReason, StageHistory
from tact.ledger.models import Debtor
from tact.messaging.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(today):
    report = demo_load(slug="hist", debtors=160, months=8, seed=4, today=today)
    from tact.tenancy.models import Creditor

    creditor = Creditor.objects.get(slug=report.creditor)
    with creditor_scope(creditor):
        yield creditor


def test_holds_follow_the_payment_behaviour(demo, today):
    demo_history(creditor=demo, seed=4, today=today, days=21)

    for hold in Hold.objects.select_related("debtor"):
        profile = profile_of(4, debtor_index_of(hold.debtor.number))
        expected = {
            HoldReason.DISPUTE: Profile.DISPUTES,
            HoldReason.PROMISE: Profile.BREAKS_PROMISES,
            HoldReason.MANUAL: Profile.INSOLVENT,
            HoldReason.RECENT_CONTACT: Profile.FIRST_TIME_LATE,
        }[hold.reason]
        assert profile == expected, hold
        if hold.reason == HoldReason.DISPUTE:
            assert hold.invoice is not None and hold.invoice.open_amount > 0
    assert Hold.objects.filter(reason=HoldReason.DISPUTE).exists()


def test_replayed_days_leave_sent_actions_and_advanced_stages(demo, today):
    today += timedelta(days=1)  # a Monday: nothing goes out on the Sunday the demo ends on
    report = demo_history(creditor=demo, seed=4, today=today, days=21)

    assert report.days_replayed == 7
    past = Action.objects.filter(run_on__lt=today)
    assert past.count() == report.actions_sent + report.actions_skipped > 0
    assert not past.filter(status__in=(ActionStatus.PLANNED, ActionStatus.AWAITING_APPROVAL)).exists()
    assert past.filter(status=ActionStatus.SKIPPED).exclude(note="").count() == report.actions_skipped
    # every reminder went through the outbox on its day: its words are on the debtor's timeline
    sent = dict(past.filter(status=ActionStatus.SENT).values_list("pk", "run_on"))
    messages = Message.objects.filter(action_id__in=sent, status="sent").exclude(
        body_text="", channel="portal"
    )
    assert {m.action_id for m in messages} | set(
        Message.objects.filter(action_id__in=sent, channel="portal").values_list("action_id", flat=True)
    ) == set(sent)
    zone = ZoneInfo(demo.timezone)
    assert all(m.sent_at.astimezone(zone).date() >= sent[m.action_id] for m in messages)
    assert all(m.document for m in messages if m.channel == "letter")

    summary = cycle_run(creditor=demo, run_on=today).as_dict()
    first_stages = {"pre_due", "friendly_reminder", "payment_reminder", "reminder"}
    assert set(summary["by_stage"]) - first_stages, summary["by_stage"]  # items moved on
    assert summary["held"], summary
    # An item under dispute gets nothing today.
    disputed = set(Hold.objects.filter(reason=HoldReason.DISPUTE).values_list("invoice__number", flat=True))
    today_items = {i["number"] for a in Action.objects.filter(run_on=today) for i in a.items}
    assert not disputed & today_items
    # and each is a dispute a person can review, tied to its hold
    disputes = Dispute.objects.filter(status="open")
    assert {d.invoice.number for d in disputes} == disputed
    assert set(disputes.values_list("hold_id", flat=True)) == set(
        Hold.objects.filter(reason=HoldReason.DISPUTE).values_list("pk", flat=True)
    )
    assert StageHistory.objects.filter(entered_on__lt=today).exists()


def test_a_held_debtor_was_still_dunned_before_the_hold_began(demo, today):
    demo_history(creditor=demo, seed=4, today=today, days=42)
    insolvent = Hold.objects.filter(reason=HoldReason.MANUAL).values_list("debtor_id", "starts_on")
    for debtor_id, starts_on in insolvent:
        assert not Action.objects.filter(debtor_id=debtor_id, run_on__gte=starts_on).exists()
    assert Debtor.objects.count() == 160


def run(*args: str) -> str:
    out = StringIO()
    with time_machine.travel("2026-03-15 09:00 +01:00", tick=False):
        call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_the_command_replays_history_and_says_so():
    report = json.loads(
        run("--creditor", "h2", "--debtors", "60", "--months", "6", "--history-days", "9", "--json")
    )

    assert report["history"]["days_replayed"] == 3
    assert "holds" in report["history"]
    assert "history        the cycle replayed on 3 past days" in run(
        "--creditor", "h3", "--debtors", "20", "--months", "4", "--history-days", "9"
    )


def test_no_history_on_request_and_bad_values_refused():
    report = json.loads(
        run("--creditor", "h4", "--debtors", "20", "--months", "4", "--history-days", "0", "--json")
    )
    assert "history" not in report
    assert not Action.objects.exists()
    with pytest.raises(CommandError, match="--history-days"):
        run("--creditor", "h5", "--debtors", "5", "--history-days", "-1")


def test_the_history_is_the_same_for_the_same_seed(today):
    def load(slug):
        report = demo_load(slug=slug, debtors=60, months=6, seed=9, today=today)
        from tact.tenancy.models import Creditor

        creditor = Creditor.objects.get(slug=report.creditor)
        with creditor_scope(creditor):
            return demo_history(creditor=creditor, seed=9, today=today, days=12).as_dict()

    assert load("same-a") == load("same-b")
