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
    raise ValueError(f"no confirmation text for {kind!r}")
