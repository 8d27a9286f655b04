"""A few weeks of dunning history for the demo portfolio, so today's plan looks like a
working day and not like a creditor's first one.

Without history, every overdue item enters its policy's first stage on the first day, the
approval queue is empty and no hold applies. With it:

- holds that follow the debtors' payment behaviour: a dispute on the item a *disputes*
  debtor keeps open, promises to pay (some kept running, some ended), a pause for the
  insolvent, a recent phone call with some customers who are late for the first time;
- the daily cycle replayed every few days over the past weeks, each day's messages sent
  through the outbox on that day (past approvals approved, a few skipped with a reason),
  which renders them, marks their actions sent and books what they charged, so items
  stand at the stages they would have reached and every debtor's timeline shows the
  reminders it got.

The holds are written directly (bulk, with one audit event); a real creditor gets them
from people. Deterministic for a seed, like the rest of the demo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.mail import get_connection
from django.db.models import Exists, OuterRef

from tact.arrangements.models import Dispute, DisputeReason, Source
from tact.audit.services import audit_record
from tact.dunning.cycle import cycle_run
from tact.dunning.models import Action, ActionStatus, Hold, HoldReason
from tact.ledger.models import Debtor, Invoice, InvoiceKind
from tact.messaging.sending import outbox_send
from tact.messaging.smtp import MailSession
from tact.tenancy.models import Creditor

from .plans import Profile, debtor_index_of, profile_of

HISTORY_DAYS = 42  # six weeks: long enough for the customer-centric preset's last stage
RUN_EVERY = 3  # days between replayed runs
SEND_AT = time(9, 30)  # when a replayed day's messages go out, in the creditor's time zone

SKIP_NOTES = (
    "Customer called back; settled on the phone.",
    "Waiting for the customer's purchasing department; agreed by e-mail.",
)


@dataclass
class HistoryReport:
    days_replayed: int = 0
    actions_sent: int = 0
    actions_skipped: int = 0
    charges_booked: int = 0
    holds: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "days_replayed": self.days_replayed,
            "actions_sent": self.actions_sent,
            "actions_skipped": self.actions_skipped,
            "charges_booked": self.charges_booked,
            "holds": dict(sorted(self.holds.items())),
        }


def demo_history(*, creditor: Creditor, seed: int, today: date, days: int = HISTORY_DAYS) -> HistoryReport:
    """Place the demo's holds, then replay the cycle over the ``days`` before ``today``.

    Runs inside the creditor's scope. Example: for 500 debtors and 42 days it replays 14
    days and leaves a few hundred sent actions, a dozen holds and, for today, final notices
    awaiting approval.
    """
    report = HistoryReport()
    report.holds = _holds_place(creditor=creditor, seed=seed, today=today)
    first = today - timedelta(days=days)
    for offset in range(0, days, RUN_EVERY):
        run_on = first + timedelta(days=offset)
        cycle_run(creditor=creditor, run_on=run_on, actor="demo")
        sent, skipped, charged = _day_sent(creditor=creditor, run_on=run_on)
        report.days_replayed += 1
        report.actions_sent += sent
        report.actions_skipped += skipped
        report.charges_booked += charged
    audit_record(
        creditor=creditor, actor="demo", action="demo_history", subject=creditor, facts=report.as_dict()
    )
    return report


def _day_sent(*, creditor: Creditor, run_on: date) -> tuple[int, int, int]:
    """Send a replayed day's messages through the outbox at 09:30 that day: approvals
    given, one in five skipped. The outbox renders each message with that day's facts,
    marks its action sent and books its charges, exactly as on a real day; the e-mails go
    to Django's dummy backend (they are on the timeline, not in anybody's mailbox)."""
    day = Action.objects.filter(creditor=creditor, run_on=run_on)
    waiting = list(day.filter(status=ActionStatus.AWAITING_APPROVAL).values_list("pk", flat=True))
    skip = [pk for pk in waiting if pk % 5 == 0]
    for i, note in enumerate(SKIP_NOTES):
        day.filter(pk__in=skip[i :: len(SKIP_NOTES)]).update(status=ActionStatus.SKIPPED, note=note)
    day.filter(status=ActionStatus.AWAITING_APPROVAL).update(status=ActionStatus.APPROVED)
    charges_before = Invoice.objects.filter(parent__isnull=False).count()
    moment = datetime.combine(run_on, SEND_AT, tzinfo=ZoneInfo(creditor.timezone))
    report = outbox_send(
        creditor_id=creditor.pk,
        now=lambda: moment,
        mail=MailSession(connection=get_connection("django.core.mail.backends.dummy.EmailBackend")),
    )
    charged = Invoice.objects.filter(parent__isnull=False).count() - charges_before
    return report.sent, len(skip), charged


def _holds_place(*, creditor: Creditor, seed: int, today: date) -> dict[str, int]:
    """Holds that follow each debtor's payment behaviour (bulk; the profile is a pure function
    of the seed and the debtor's number)."""
    overdue = Invoice.objects.filter(
        debtor=OuterRef("pk"), kind=InvoiceKind.INVOICE, due_on__lt=today
    ).exclude(open_amount=0)
    debtors = (
        Debtor.objects.filter(creditor=creditor)
        .filter(Exists(overdue))
        .values_list("pk", "number")
        .order_by("pk")
    )
    by_profile: dict[Profile, list[int]] = {}
    for pk, number in debtors:
        if not number.isdigit():
            continue
        profile = profile_of(seed, debtor_index_of(number))
        by_profile.setdefault(profile, []).append(pk)
    oldest = _oldest_overdue_items(by_profile.get(Profile.DISPUTES, []), today)
    holds: list[Hold] = []

    def hold(debtor_id: int, reason: str, starts: int, ends: int | None, note: str, invoice_id=None) -> None:
        holds.append(
            Hold(
                creditor=creditor, debtor_id=debtor_id, invoice_id=invoice_id, reason=reason, note=note,
                starts_on=today - timedelta(days=starts),
                ends_on=None if ends is None else today + timedelta(days=ends),
            )
        )  # fmt: skip

    for i, debtor_id in enumerate(by_profile.get(Profile.DISPUTES, [])):
        if debtor_id in oldest:
            hold(debtor_id, HoldReason.DISPUTE, 20 + i % 10, None,
                 "Customer reports part of the delivery missing; checking with the warehouse.",
                 invoice_id=oldest[debtor_id])  # fmt: skip
    for i, debtor_id in enumerate(by_profile.get(Profile.BREAKS_PROMISES, [])):
        if i % 2 == 0:
            hold(
                debtor_id, HoldReason.PROMISE, 4, 3 + i % 7, "Promised on the phone to pay the overdue items."
            )
        else:  # a promise that ran out unpaid: dunning went on
            hold(debtor_id, HoldReason.PROMISE, 25, -11, "Promised to pay by the end of the month; did not.")
    for debtor_id in by_profile.get(Profile.INSOLVENT, []):
        hold(debtor_id, HoldReason.MANUAL, 30, None,
             "Insolvency proceedings opened; claim filed with the administrator.")  # fmt: skip
    for i, debtor_id in enumerate(by_profile.get(Profile.FIRST_TIME_LATE, [])):
        if i % 3 == 0:
            hold(debtor_id, HoldReason.RECENT_CONTACT, 2, 5,
                 "Called the accounts payable team: invoice was stuck in approval, paying this week.")  # fmt: skip
    Hold.objects.bulk_create(holds)
    # Each dispute hold answers a dispute a person logged from the customer's call: the staff
    # review list shows it with its deadline, as it would a dispute sent from the portal.
    Dispute.objects.bulk_create(
        Dispute(creditor=creditor, debtor_id=h.debtor_id, invoice_id=h.invoice_id, reason=DisputeReason.NOT_RECEIVED,
                text=h.note, source=Source.PHONE, hold_id=h.pk)
        for h in holds
        if h.reason == HoldReason.DISPUTE
    )  # fmt: skip
    counts: dict[str, int] = {}
    for h in holds:
        counts[h.reason] = counts.get(h.reason, 0) + 1
    return counts


def _oldest_overdue_items(debtor_ids: list[int], today: date) -> dict[int, int]:
    """Each debtor's oldest overdue open invoice: the one a *disputes* debtor keeps open."""
    rows = (
        Invoice.objects.filter(debtor_id__in=debtor_ids, kind=InvoiceKind.INVOICE, due_on__lt=today)
        .exclude(open_amount=0)
        .order_by("debtor_id", "due_on", "pk")
        .values_list("debtor_id", "pk")
    )
    oldest: dict[int, int] = {}
    for debtor_id, pk in rows:
        oldest.setdefault(debtor_id, pk)
    return oldest
