"""What the portal says after each action — on the page and in the e-mail that confirms it.

One text per action, so the screen and the debtor's mailbox never disagree. Facts are
stored raw (amounts as strings, days as ISO dates) and formatted in the language active
when the text is made: the page's for the screen, the debtor's for the e-mail.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tact.core.templatetags.tact_format import ldate, money


def _day(value: Any) -> str:
    return ldate(date.fromisoformat(str(value))) if value else ""


def confirmation_text(kind: str, facts: dict[str, Any]) -> tuple[str, str]:
    """(title, text) of the confirmation of ``kind`` in the active language."""
    if kind == "promise":
        return _("Thank you for your promise"), _(
            "We have noted that you will pay %(amount)s by %(day)s. Until then we will not send "
            "you any reminders."
        ) % {"amount": money(Decimal(facts["amount"]), facts["currency"]), "day": _day(facts["promised_on"])}
    if kind == "dispute":
        return _("We have received your objection"), _(
            "A person will look at invoice %(number)s and answer you. Until then we will not send "
            "you reminders about it."
        ) % {"number": facts["number"]}
    if kind == "paid":
        return _("Thank you for letting us know"), _(
            "We will look for your payment. Meanwhile we will not send you reminders; if we cannot "
            "find it, we will contact you."
        )
    if kind == "preferences":
        text = (
            _("We will use them from our next message on.")
            if facts.get("changed")
            else _("Nothing needed to change.")
        )
        return _("Your details are saved"), text
    if kind == "contact":
        return _("Your message has been sent"), _("Thank you. A person will read it and answer you.")
    if kind == "cancellation":
        text = (
            _("We have received your cancellation request for invoice %(number)s.")
            % {"number": facts["number"]}
            if facts.get("number")
            else _("We have received your cancellation request.")
        )
        return _("Your cancellation request has been sent"), " ".join(
            (
                text,
                _("A person will decide on it and answer you by %(day)s.") % {"day": _day(facts["due_on"])},
            )
        )
    if kind == "mediation":
        return _("Your request for mediation has been sent"), " ".join(
            (
                _("We have received your request for mediation."),
                _("A person will decide on it and answer you by %(day)s.") % {"day": _day(facts["due_on"])},
            )
        )
    if kind == "plan_agreed":
        return _("Your payment plan is agreed"), _(
            "You pay %(total)s in %(count)s monthly instalments, the first of %(amount)s on %(day)s. Until the "
            "plan is paid, we will not send you reminders about these invoices."
        ) % {
            "total": money(Decimal(facts["total"]), facts["currency"]), "count": facts["count"],
            "amount": money(Decimal(facts["first_amount"]), facts["currency"]), "day": _day(facts["first_due_on"]),
        }  # fmt: skip
    if kind == "plan_proposed":
        days = int(facts["review_days"])
        return _("We have received your proposal"), ngettext(
            "A person will look at it and answer you within %(n)s day. Until then we will not send you "
            "reminders about these invoices.",
            "A person will look at it and answer you within %(n)s days. Until then we will not send you "
            "reminders about these invoices.",
            days,
        ) % {"n": days}
    if kind == "mandate":
        return _("Your direct debit mandate is in place"), _(
            "We will collect the instalments by SEPA Direct Debit from the account ending in %(iban)s "
            "(mandate %(reference)s)."
        ) % {"iban": facts["iban_end"], "reference": facts["reference"]}
    raise ValueError(f"no confirmation text for {kind!r}")


# The confirmations that point to the plan on the debtor's account page.
WITH_LINK = frozenset({"plan_agreed", "plan_proposed", "mandate"})


def confirmation_link_text(kind: str) -> str:
    """The words before the link to the account, in the active language ("" for none)."""
    return _("Your plan and its instalments are on your account page:") if kind in WITH_LINK else ""
