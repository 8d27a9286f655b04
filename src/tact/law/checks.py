"""Refuse what the law forbids: a charge above the cap, before the waiting period, or a
business-only charge on a consumer. Policies call this when a stage is saved, the cycle
when it runs; both store the refusal's code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from tact.core.money import to_decimal

from .errors import LawInputError
from .fees import ZERO, dunning_fee_cap, fees_for
from .jurisdictions import country_check, kind_check
from .notices import fees_allowed_from

CHARGES = ("interest", "collection_costs", "flat_compensation")


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str  # stable, snake_case; never renamed
    message: str
    facts: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "facts": {k: str(v) for k, v in self.facts.items()},
        }


def charge_check(
    *, country: str, kind: str, charge: str, amount: Decimal, stage_facts: dict[str, Any]
) -> Refusal | None:
    """None when the law allows charging ``amount`` as ``charge`` at this stage, else why not.

    ``stage_facts`` (all optional; a missing fact never allows what needs it):
    ``principal`` (Decimal, the open amount the charge is on), ``today`` (date),
    ``in_default`` (bool), ``reminders_sent`` (int, reminders before this one),
    ``reminders_in_default`` (int, of those, sent after default began),
    ``letter_sent_on`` (date) and ``letter_channel`` ("paper"|"electronic") of the
    reminder that started the waiting period, ``letter_states_costs`` (bool, NL),
    ``contract_clause`` (bool, BE consumers: the contract provides for damages/interest),
    ``already_charged`` ({"collection_costs": Decimal, "flat_compensation": Decimal}),
    ``interest_due`` (Decimal, what interest_for computed), ``obligation_on`` (date),
    ``is_holiday`` (callable date → bool for the debtor's country).

    A policy check passes the facts of the stage as planned (e.g. ``in_default=True``,
    ``reminders_sent`` = the stage's position); the cycle passes the real ones.
    """
    country, kind = country_check(country), kind_check(kind)
    if charge not in CHARGES:
        raise LawInputError(field="charge", detail=f"{charge!r} is not one of {', '.join(CHARGES)}")
    value = to_decimal(amount)
    if value < 0:
        return Refusal("negative_charge", f"A {charge} of {value} EUR is negative.", {"amount": value})
    if value == 0:
        return None  # charging nothing is always allowed
    facts = stage_facts
    if not facts.get("in_default", False):
        return Refusal(
            "before_default",
            f"No {charge.replace('_', ' ')} before the debtor is in default.",
            {"charge": charge},
        )
    if charge == "interest":
        return _interest(country, kind, value, facts)
    if charge == "flat_compensation":
        return _flat(country, kind, value, facts)
    return _costs(country, kind, value, facts)


def _interest(country: str, kind: str, value: Decimal, facts: dict[str, Any]) -> Refusal | None:
    if (country, kind) == ("BE", "b2c") and facts.get("contract_clause") is not True:
        return Refusal(
            "not_agreed",
            "Belgian consumers owe late-payment interest under Book XIX only if the contract provides for it.",
        )
    due = facts.get("interest_due")
    if due is not None and value > to_decimal(due):
        return Refusal(
            "above_cap",
            f"Interest of {value} EUR exceeds the statutory interest of {due} EUR.",
            {"amount": value, "cap": due},
        )
    return None


def _fees(country: str, kind: str, facts: dict[str, Any]):
    principal = facts.get("principal")
    if principal is None:
        raise LawInputError(field="principal", detail="stage_facts needs the principal to check a fee")
    return fees_for(
        country=country,
        kind=kind,
        principal=to_decimal(principal),
        obligation_on=facts.get("obligation_on"),
        dunning_fee=dunning_fee_cap(country),
    )


def _together(
    value: Decimal, other: str, allowed: Decimal, charge: str, facts: dict[str, Any]
) -> Refusal | None:
    charged = to_decimal((facts.get("already_charged") or {}).get(other, ZERO))
    if charged and value + charged > allowed:
        return Refusal(
            "not_cumulative",
            f"{charge.replace('_', ' ').capitalize()} of {value} EUR plus {other.replace('_', ' ')} already "
            f"charged ({charged} EUR) exceed the {allowed} EUR the law allows for both together.",
            {"amount": value, "already_charged": charged, "cap": allowed},
        )
    return None


def _flat(country: str, kind: str, value: Decimal, facts: dict[str, Any]) -> Refusal | None:
    if kind == "b2c":
        return Refusal(
            "business_only",
            "Flat compensation is owed only by business debtors, never by a consumer.",
            {"country": country},
        )
    result = _fees(country, kind, facts)
    if result.flat_compensation is None:
        why = next((c for c in result.conditions if c.startswith("No flat compensation")), "")
        return Refusal("not_owed", why or "No flat compensation is owed for this claim.")
    if value > result.flat_compensation:
        return Refusal(
            "above_cap",
            f"Flat compensation of {value} EUR exceeds the statutory {result.flat_compensation} EUR.",
            {"amount": value, "cap": result.flat_compensation},
        )
    return _together(value, "collection_costs", result.total, "flat_compensation", facts)


def _waiting(country: str, kind: str, facts: dict[str, Any]) -> Refusal | None:
    sent_on: date | None = facts.get("letter_sent_on")
    today: date | None = facts.get("today")
    if sent_on is None or today is None:
        return Refusal(
            "before_waiting_period",
            "Collection costs need a reminder whose waiting period has ended; none is recorded.",
        )
    allowed_from = fees_allowed_from(
        country=country,
        kind=kind,
        sent_on=sent_on,
        channel=facts.get("letter_channel", "paper"),
        is_holiday=facts.get("is_holiday"),
    )
    if allowed_from is not None and today < allowed_from:
        return Refusal(
            "before_waiting_period",
            f"Collection costs only from {allowed_from}: the waiting period of the reminder sent on {sent_on} "
            "has not ended.",
            {"allowed_from": allowed_from, "today": today},
        )
    return None


def _costs(country: str, kind: str, value: Decimal, facts: dict[str, Any]) -> Refusal | None:
    if country == "DE" and facts.get("reminders_in_default", 0) < 1:
        return Refusal(
            "first_reminder_free",
            "The reminder that puts the debtor in default (and any before it) may not carry a dunning fee.",
        )
    if (country, kind) == ("NL", "b2c"):
        if not facts.get("letter_states_costs", False):
            return Refusal(
                "no_fourteen_day_letter",
                "Dutch consumers owe collection costs only after a 14-day letter that stated their amount.",
            )
        if refusal := _waiting(country, kind, facts):
            return refusal
    if (country, kind) == ("BE", "b2c"):
        if facts.get("contract_clause") is not True:
            return Refusal(
                "not_agreed",
                "Belgian consumers owe damages only if the contract provides for them (Book XIX caps them).",
            )
        if facts.get("reminders_sent", 0) < 1:
            return Refusal(
                "first_reminder_free", "The first reminder to a Belgian consumer is free of charge."
            )
        if refusal := _waiting(country, kind, facts):
            return refusal
    result = _fees(country, kind, facts)
    if result.collection_costs is None:
        return Refusal(
            "not_quantified",
            "The law of this country gives no figure for collection costs (only proportionate or proven "
            "costs); tact does not charge them automatically.",
            {"country": country, "kind": kind},
        )
    if value > result.collection_costs:
        return Refusal(
            "above_cap",
            f"Collection costs of {value} EUR exceed the {result.collection_costs} EUR the law allows "
            f"({result.rule_code}).",
            {"amount": value, "cap": result.collection_costs},
        )
    return _together(value, "flat_compensation", result.total, "collection_costs", facts)
