"""The friendly e-mails around a payment plan's instalments: a few days before each one is
due, and once after one was missed.

The daily check of arrangements decides them (``Instalment.reminded_on`` and
``missed_reminded_on``, once each); each outbox run writes the e-mail for every decision
that has none yet, in the debtor's language and with the link to the debtor's account,
through the path of the portal's confirmations (queued in a transaction, sent once: the
key names the instalment and the occasion). A decision older than ``RECENT_DAYS`` gets no
e-mail any more: a reminder of a date long past would only confuse.

The tone is the one of a person who agreed the plan with the customer: thanks for keeping
to it, and an open door when something has come up — never what happens if they do not pay.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from babel.dates import format_date
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from tact.arrangements.models import Instalment, PlanStatus
from tact.core.jobs import creditor_scope
from tact.core.templatetags.tact_format import babel_locale, money
from tact.ledger.models import Debtor
from tact.tenancy.models import Creditor

from .confirmations import confirmation_language, confirmation_queue
from .models import Message, MessageChannel

TEMPLATE_KEY = "plan_reminder"
RECENT_DAYS = 3


def _texts(
    occasion: str, *, number: int, amount: Decimal, currency: str, due_on: date
) -> tuple[str, str, str]:
    """(subject, text, link text) in the active language."""
    facts = {
        "number": number,
        "amount": money(amount, currency),
        "day": format_date(due_on, "long", locale=babel_locale()),
    }
    link = _("Your plan and its instalments are on your account page:")
    if occasion == "before":
        return (
            _("Your instalment of %(amount)s is due on %(day)s") % facts,
            _(
                "A short reminder: instalment %(number)s of your payment plan, %(amount)s, is due on "
                "%(day)s. Thank you for keeping to the plan so far."
            ) % facts + "\n\n" + _(
                "If the date no longer suits you, just answer this e-mail and we will find another one together."
            ),
            link,
        )  # fmt: skip
    return (
        _("Your instalment of %(amount)s is still open") % facts,
        _(
            "Instalment %(number)s of your payment plan, %(amount)s, was due on %(day)s and we have not "
            "received it yet. If it is already on its way, thank you, and please disregard this e-mail."
        ) % facts + "\n\n" + _(
            "If something has come up, answer this e-mail or call us: we would rather adjust the plan "
            "with you than let it lapse."
        ),
        link,
    )  # fmt: skip


def plan_reminders_queue(*, now: datetime, creditor_id: int | None = None) -> int:
    """Queue the e-mails of the instalment reminders decided in the last ``RECENT_DAYS`` days
    that have none yet; returns how many were queued. Debtors without a usable e-mail address
    get none (the plan's page and the timeline show the reminder)."""
    today = now.date()
    since = today - timedelta(days=RECENT_DAYS)
    due = Instalment.objects.filter(plan__status=PlanStatus.ACTIVE).filter(
        Q(reminded_on__gte=since) | Q(missed_reminded_on__gte=since)
    )
    if creditor_id is not None:
        due = due.filter(creditor_id=creditor_id)
    rows = list(
        due.values(
            "pk", "creditor_id", "number", "amount", "due_on", "reminded_on", "missed_reminded_on",
            "plan__debtor_id", "plan__currency",
        )
    )  # fmt: skip
    wanted = {}
    for row in rows:
        if row["reminded_on"] and row["reminded_on"] >= since:
            wanted[f"personal:{TEMPLATE_KEY}:{row['pk']}:before"] = ("before", row)
        if row["missed_reminded_on"] and row["missed_reminded_on"] >= since:
            wanted[f"personal:{TEMPLATE_KEY}:{row['pk']}:missed"] = ("missed", row)
    if not wanted:
        return 0
    for key in Message.objects.filter(key__in=list(wanted)).values_list("key", flat=True):
        del wanted[key]
    creditors = Creditor.objects.in_bulk({row["creditor_id"] for _occasion, row in wanted.values()})
    debtors = Debtor.objects.in_bulk({row["plan__debtor_id"] for _occasion, row in wanted.values()})
    queued = 0
    for key, (occasion, row) in wanted.items():
        creditor, debtor = creditors[row["creditor_id"]], debtors[row["plan__debtor_id"]]
        with creditor_scope(creditor), transaction.atomic():
            with translation.override(confirmation_language(debtor=debtor, creditor=creditor)):
                subject, text, link = _texts(
                    occasion, number=row["number"], amount=row["amount"], currency=row["plan__currency"],
                    due_on=row["due_on"],
                )  # fmt: skip
            message = confirmation_queue(
                creditor=creditor, debtor=debtor, key=key.split(":", 2)[2], subject=subject, text=text,
                today=today, template_key=TEMPLATE_KEY, link_text=link,
                channels=(MessageChannel.EMAIL,),  # its words ask the debtor to answer the e-mail
            )  # fmt: skip
            queued += message is not None
    return queued
