"""Issue 6's "Done when", end to end, as the README's user and a debtor would do it.

The daily commands (``tact plans check``, ``tact cycle``, ``tact outbox send``) run through
``call_command`` against a real SMTP server (aiosmtpd); the debtor reads the e-mail that
arrives there, opens its link in Chromium, confirms the postcode, pays one invoice with the
test provider (its webhook path), promises to pay another, proposes a payment plan over a
third that is agreed at once, and disputes a fourth. The next day's cycle plans nothing for
any of them. Then the days pass: the plan's first instalment is missed, the friendly
reminder arrives by e-mail, and after the rule's days the plan defaults and the cycle takes
up the item again at the stage it had.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django_scopes import scope

from tact.arrangements.models import Dispute, InstalmentStatus, PaymentPlan, PlanStatus, Promise
from tact.dunning.models import StageHistory
from tact.dunning.presets import policy_presets_install
from tact.ledger.models import Invoice
from tact.messaging.defaults import shipped_sync
from tact.messaging.models import ContactRules, MessageTemplate
from tests.factories import ContactFactory, DebtorFactory, InvoiceFactory
from tests.messaging.outbox_support import smtp_peer  # noqa: F401  (the fixture)

from .conftest import TODAY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BERLIN = ZoneInfo("Europe/Berlin")
DUE = TODAY - timedelta(days=3)  # the friendly reminder (3 days after due) goes out TODAY
FIRST_INSTALMENT = TODAY + timedelta(days=7)


def at_ten(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=BERLIN)


def tact(*args: str) -> dict | list:
    """Run a ``tact`` command with ``--json`` and return what it printed."""
    out = StringIO()
    call_command(*args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def daily(day: date) -> dict:
    """What the README asks for every morning: the plans check, the cycle, the outbox."""
    check = tact("plans", "check", "--creditor", "acme", "--date", day.isoformat())
    cycle = tact("cycle", "--creditor", "acme", "--date", day.isoformat())
    sent = tact("outbox", "send", "--creditor", "acme")
    actions = tact("actions", "list", "--creditor", "acme", "--date", day.isoformat())
    return {"check": check, "cycle": cycle, "sent": sent, "actions": actions}


def items_acted_on(actions: list) -> set[str]:
    return {number for a in actions for number in a["items"]}


def plain_text(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def mails_to(peer, address: str) -> list:
    return [m for m in peer.inbox.messages() if m["To"] and address in m["To"]]


@pytest.fixture
def portfolio(creditor, other_creditor, settings, live_server):
    """A consumer with four open invoices due three days ago, and another debtor whose
    invoice falls due for its friendly reminder tomorrow (so tomorrow's cycle has work)."""
    settings.TACT_PORTAL_BASE_URL = f"{live_server.url}/p/"
    shipped_sync(model=MessageTemplate)  # a transactional test before this one may have emptied them
    with scope(creditor=creditor):
        policy_presets_install(creditor=creditor)
        # The commands run on the travelling clock: no quiet hour, Sunday or weekly cap may
        # hold back an e-mail this journey waits for.
        ContactRules.objects.create(creditor=creditor, quiet_start="00:00", quiet_end="00:00",
                                    max_per_week=0, skip_sundays_and_holidays=False)  # fmt: skip
        consumer = DebtorFactory(creditor=creditor, number="K-700", name="Mara Lindqvist", kind="consumer",
                                 country="DE", language="en")  # fmt: skip
        ContactFactory(debtor=consumer, name="Mara Lindqvist", email="mara@debtor.example", street="Am Markt 3",
                       postal_code="04109", city="Leipzig")  # fmt: skip
        items = {}
        for key, number, amount in (("pay", "RE-7001", "500.00"), ("promise", "RE-7002", "300.00"),
                                    ("plan", "RE-7003", "600.00"), ("dispute", "RE-7004", "150.00")):  # fmt: skip
            items[key] = InvoiceFactory(
                creditor=creditor, debtor=consumer, number=number, issued_on=DUE - timedelta(days=30), due_on=DUE,
                gross_amount=Decimal(amount), net_amount=None, vat_amount=None,
            )  # fmt: skip
        other = DebtorFactory(creditor=creditor, number="K-800", name="Nord Werkstatt GmbH", language="en")
        ContactFactory(
            debtor=other, email="ap@nord.example", street="Hafen 1", postal_code="20457", city="Hamburg"
        )
        InvoiceFactory(creditor=creditor, debtor=other, number="RE-8001", issued_on=DUE - timedelta(days=29),
                       due_on=DUE + timedelta(days=1), gross_amount=Decimal("80.00"), net_amount=None,
                       vat_amount=None)  # fmt: skip
    return consumer, items


def test_from_the_email_to_a_defaulted_plan(page, smtp_peer, creditor, portfolio):  # noqa: F811
    consumer, items = portfolio
    numbers = {key: item.number for key, item in items.items()}

    # -- today: the cycle plans the friendly reminder; the outbox e-mails it ------------------
    today = daily(TODAY)
    assert today["cycle"]["actions"] == 1
    assert items_acted_on(today["actions"]) == set(numbers.values())
    (reminder,) = mails_to(smtp_peer, "mara@debtor.example")
    found = re.search(r"(http://\S+?/p/[0-9A-Za-z_-]+/)", plain_text(reminder))
    assert found, plain_text(reminder)
    with scope(creditor=creditor):
        stage_before = {
            number: StageHistory.objects.filter(invoice__number=number)
            .order_by("-position")
            .first()
            .stage.key
            for number in numbers.values()
        }
    assert set(stage_before.values()) == {"friendly_reminder"}

    # -- the debtor opens the link: postcode first, then the four actions ---------------------
    page.goto(found.group(1))
    assert page.get_by_text("RE-7001").count() == 0
    page.fill("#id_answer", "04109")
    page.click("main button[type=submit]")
    page.wait_for_selector("#items-h")
    assert page.locator(".item-number").count() == 4

    # pay RE-7001 online with the test provider
    page.click("text=Pay now")
    page.wait_for_selector("#online-h")
    for key in ("promise", "plan", "dispute"):
        page.locator(f"input[name=items][value='{items[key].pk}']").uncheck()
    page.click("text=Continue to payment")
    page.wait_for_selector("text=Test payment provider")
    page.click("button[value=pay]")
    page.wait_for_selector("text=Thank you for your payment")
    page.click("text=Back to your overview")
    assert page.locator(".item-number").count() == 3

    # promise 300.00 for RE-7002 in five days
    page.click("text=Promise to pay by a date")
    page.fill("#id_promised_on", (TODAY + timedelta(days=5)).isoformat())
    page.fill("#id_amount", "300.00")
    page.click("main button[type=submit]")
    page.wait_for_selector(".confirmation")
    assert "Thank you for your promise" in page.locator("h1").inner_text()
    page.click("text=Back to your overview")

    # a plan over RE-7003 alone: three instalments of 200.00 from a week on, agreed at once
    page.click("text=Pay in instalments")
    page.wait_for_selector("#id_count")
    for key in ("promise", "dispute"):
        page.locator(f"input[name=items][value='{items[key].pk}']").uncheck()
    page.select_option("#id_count", "3")
    page.fill("#id_first_due_on", FIRST_INSTALMENT.isoformat())
    page.click("main button[type=submit]")
    page.wait_for_selector(".plan h1")
    assert "Your payment plan is agreed" in page.locator(".plan h1").inner_text()
    page.click("text=Back to your overview")

    # dispute RE-7004
    page.locator(f"#item-{items['dispute'].pk}").get_by_text("Something wrong?").click()
    page.wait_for_selector("#id_reason")
    page.select_option("#id_reason", "not_received")
    page.fill("#id_text", "The parcel never arrived.")
    page.click("main button[type=submit]")
    page.wait_for_selector(".confirmation")
    assert "RE-7004" in page.locator(".confirmation").inner_text()

    with scope(creditor=creditor):
        assert Invoice.objects.get(pk=items["pay"].pk).open_amount == 0
        assert Promise.objects.get(debtor=consumer).amount == Decimal("300.00")
        plan = PaymentPlan.objects.get(debtor=consumer)
        assert plan.status == PlanStatus.ACTIVE
        assert [i.invoice.number for i in plan.items.all()] == ["RE-7003"]
        assert Dispute.objects.get(debtor=consumer).invoice.number == "RE-7004"

    # -- tomorrow: nothing for any of the four; the other debtor's reminder still goes --------
    with time_machine.travel(at_ten(TODAY + timedelta(days=1)), tick=False):
        tomorrow = daily(TODAY + timedelta(days=1))
    assert tomorrow["check"]["promises_kept"] == 0 and tomorrow["check"]["holds_ended"] == 0
    assert items_acted_on(tomorrow["actions"]) == {"RE-8001"}
    assert not items_acted_on(tomorrow["actions"]) & set(numbers.values())
    # what reached the debtor since the reminder: the confirmations (the online payment's
    # too), once each, and no reminder
    subjects = [m["Subject"].strip() for m in mails_to(smtp_peer, "mara@debtor.example")][1:]
    assert sorted(subjects) == [
        "Thank you for your payment", "Thank you for your promise", "We have received your objection",
        "Your payment plan is agreed",
    ]  # fmt: skip

    # -- the days pass: the first instalment is missed ----------------------------------------
    days: dict[date, dict] = {}
    for offset in range(2, 22):
        day = TODAY + timedelta(days=offset)
        before = len(smtp_peer.inbox.messages())
        with time_machine.travel(at_ten(day), tick=False):
            days[day] = daily(day)
        days[day]["mails"] = smtp_peer.inbox.messages()[before:]
        acted = items_acted_on(days[day]["actions"])
        assert not acted & {numbers["pay"], numbers["dispute"]}, (day, acted)
        if day < TODAY + timedelta(days=21):
            assert numbers["plan"] not in acted, (day, acted)

    before_on = FIRST_INSTALMENT - timedelta(days=3)  # reminder_days_before
    assert [m["Subject"].strip() for m in days[before_on]["mails"]] == [
        "Your instalment of €200.00 is due on 8 December 2025"
    ]
    missed_on = FIRST_INSTALMENT + timedelta(days=1)
    assert days[missed_on]["check"]["instalments_missed"] == 1
    reminder_on = FIRST_INSTALMENT + timedelta(days=2)  # missed_reminder_after_days
    assert days[reminder_on]["check"]["reminders_missed"] == 1
    (friendly,) = [m for m in days[reminder_on]["mails"] if "is still open" in m["Subject"]]
    assert "mara@debtor.example" in friendly["To"]
    assert friendly["Subject"] == "Your instalment of €200.00 is still open"
    assert "rather adjust the plan" in plain_text(friendly)

    # the promise ran out unpaid (five days plus three of grace): its hold ends and RE-7002
    # takes the policy's next step, the plan and the dispute still hold theirs
    broken_on = TODAY + timedelta(days=9)
    assert days[broken_on]["check"]["promises_broken"] == 1
    assert [(a["stage"], a["items"]) for a in days[broken_on]["actions"]] == [
        ("personal_contact", ["RE-7002"])
    ]

    # -- after default_after_days the plan defaults; dunning takes RE-7003 up where it was ----
    default_on = FIRST_INSTALMENT + timedelta(days=14)
    assert days[default_on]["check"]["plans_defaulted"] == 1
    with scope(creditor=creditor):
        plan.refresh_from_db()
        assert plan.status == PlanStatus.DEFAULTED
        assert plan.instalments.get(number=1).status == InstalmentStatus.MISSED
        resumed = days[default_on]["actions"]
        assert [a["items"] for a in resumed] == [["RE-7003"]]
        history = list(
            StageHistory.objects.filter(invoice=items["plan"])
            .order_by("position")
            .values_list("stage__key", flat=True)
        )
    # the stage it had, then the policy's next one — not the first stage over again
    assert history == ["friendly_reminder", resumed[0]["stage"]]
    assert resumed[0]["stage"] == "personal_contact"
