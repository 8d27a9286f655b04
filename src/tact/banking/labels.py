"""Explanations of matches for people: rule codes and facts are stored, the words made here."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

RULE_NAMES = {
    "reference": "Structured reference",
    "invoice_number": "Invoice number in the text",
    "amount_iban": "Amount and known IBAN",
    "amount_name": "Amount and payer name",
    "combination": "Combination of open items",
    "oldest": "Oldest open items",
    "paid_twice": "Paid twice",
    "return": "Returned payment",
    "manual": "Booked by hand",
    "none": "No match",
}


class _Facts(dict):
    """Facts for a message: a fact an older line lacks reads "?" instead of failing."""

    def __missing__(self, key: str) -> str:
        return "?"


AMOUNT_FACTS = ("amount", "open_total", "named_open", "credit")


def _amount(value):
    """An amount stored at ledger precision ("126.2000") as people write it ("126.20")."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value
    return (
        str(number.quantize(Decimal("0.01"))) if number == number.quantize(Decimal("0.01")) else str(number)
    )


def rule_name(rule: str) -> str:
    return _(RULE_NAMES.get(rule, rule))


def explain(rule: str, facts: dict) -> str:
    """One sentence (or two) on why a line was booked, suggested or left unmatched."""
    f = _Facts({k: (", ".join(v) if isinstance(v, list) and all(isinstance(x, str) for x in v) else v)
                for k, v in (facts or {}).items()})  # fmt: skip
    for key in AMOUNT_FACTS:
        if key in f and isinstance(f[key], str | int | Decimal):
            f[key] = _amount(f[key])
    if rule == "reference":
        text = _("Reference %(reference)s names %(debtor)s; %(open_total)s open.") % f
    elif rule == "invoice_number":
        text = _("The text names %(invoices)s of %(debtor)s (open %(named_open)s), paid %(amount)s.") % f
        if f.get("other_debtors"):
            text += " " + _("Other debtors have items with such numbers: %(other_debtors)s.") % f
    elif rule == "amount_iban":
        text = _("%(amount)s from IBAN %(iban)s, known for %(debtor)s.") % f
        if f.get("invoices"):
            text += " " + _("Equals the open amount of %(invoices)s.") % f
    elif rule == "amount_name":
        text = _("Payer %(payer)s is like %(debtor)s (score %(score)s); %(amount)s equals %(invoices)s.") % f
    elif rule == "combination":
        text = _("%(amount)s equals %(invoices)s together (%(debtor)s, known by %(by)s).") % f
    elif rule == "oldest":
        text = (
            _("%(debtor)s (known by %(by)s) paid %(amount)s of %(open_total)s open: oldest items first.") % f
        )
    elif rule == "paid_twice":
        return (
            _(
                "%(invoices)s of %(debtor)s was paid already (%(settled_on)s): %(amount)s looks like a second "
                "payment. Accepting keeps it as a credit on the debtor, to refund or to set against the next invoice."
            )
            % f
        )
    elif rule == "return":
        if f.get("why") == "return_payment_not_found":
            return _("Returned payment (%(reason)s) of %(amount)s: tact found no payment it takes back.") % f
        f["reopened"] = ", ".join(f"{n} {a}" for n, a in facts.get("reopened", []))
        return _("Returned payment (reason %(reason)s): reopened %(reopened)s.") % f
    elif rule == "manual":
        text = _("Booked by hand to %(debtor)s.") % f
    else:
        why = f.get("why")
        if why == "outgoing":
            return _("Money going out; not a payment of a debtor.")
        return _("No structured reference, no known invoice number, no known payer for this amount.")
    if f.get("credit"):
        text += " " + _("%(credit)s more than open stays as a credit on the debtor.") % f
    return text
