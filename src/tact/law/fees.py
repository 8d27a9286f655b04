"""Collection costs and flat compensation per country and debtor kind.

Figures come from ``data/fees.json`` (each block with its source and status); the rules
here say which figure applies and under which conditions. ``collection_costs`` and
``flat_compensation`` are never cumulative: in every country the flat sum is either the
minimum of the collection costs (NL art. 6:96(4) BW) or credited against them (DE § 288(5)
sentence 3 BGB, AT § 458 UGB, BE/Directive 2011/7/EU art. 6(3)), so the most a creditor may
claim for both is the larger of the two (``FeeResult.total``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from tact.core.money import quantize, to_decimal

from .errors import NegativePrincipal, UnsupportedCurrency
from .jurisdictions import country_check, kind_check
from .rates import DATA_DIR

FEE_CURRENCY = "EUR"  # every statutory amount below is in euro
ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class FeeResult:
    collection_costs: Decimal | None  # None: the law gives no figure (proportionate costs only)
    flat_compensation: Decimal | None  # None: not granted for this kind
    currency: str
    rule_code: str
    citation: str
    conditions: list[str] = field(default_factory=list)
    # Status of the figures used (confirmed | derived | weak | unconfirmed), for the UI.
    statuses: dict[str, str] = field(default_factory=dict)

    @property
    def rule(self) -> str:
        return f"{self.rule_code}: {self.citation}"

    @property
    def total(self) -> Decimal:
        """The most that may be claimed for costs and flat compensation together."""
        return max(self.collection_costs or ZERO, self.flat_compensation or ZERO)

    def as_dict(self) -> dict[str, Any]:
        def money(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "collection_costs": money(self.collection_costs),
            "flat_compensation": money(self.flat_compensation),
            "rule": self.rule,
            "conditions": list(self.conditions),
        }


@cache
def fee_table() -> dict[str, Any]:
    return json.loads((DATA_DIR / "fees.json").read_text(encoding="utf-8"))


def _d(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def scale_amount(*, scale: str, principal: Decimal) -> Decimal:
    """A statutory cost scale applied to ``principal`` (full precision, cap and minimum applied).

    ``nl_bik``: 15 % of the first 2,500 (at least 40), 10 % of the next 2,500, 5 % of the next
    5,000, 1 % of the next 190,000, 0.5 % of the rest, at most 6,775.
    ``be_consumer``: 20 up to 150; 30 + 10 % of the part above 150 up to 500; 65 + 5 % of the
    part above 500; at most 2,000.
    """
    spec = fee_table()["scales"][scale]
    if principal <= 0:
        return ZERO  # no debt, no costs of collecting it
    if spec["type"] == "marginal":
        total, rest = ZERO, principal
        for piece in spec["slices"]:
            width = _d(piece["width"])
            part = rest if width is None else min(rest, width)
            total += part * Decimal(piece["percent"]) / 100
            rest -= part
            if rest <= 0:
                break
    else:
        tier = next(t for t in spec["tiers"] if t["up_to"] is None or principal <= Decimal(t["up_to"]))
        total = Decimal(tier["fixed"]) + (principal - Decimal(tier["over"])) * Decimal(tier["percent"]) / 100
    if (minimum := _d(spec["minimum"])) is not None:
        total = max(total, minimum)
    if (maximum := _d(spec["maximum"])) is not None:
        total = min(total, maximum)
    return total


def dunning_fee_cap(country: str) -> Decimal | None:
    spec = fee_table()["dunning_fee"].get(country)
    return Decimal(spec["cap"]) if spec else None


def fees_for(
    *,
    country: str,
    kind: str,
    principal: Decimal,
    currency: str = FEE_CURRENCY,
    obligation_on: date | None = None,
    dunning_fee: Decimal | None = None,
) -> FeeResult:
    """The collection costs and flat compensation the law allows on an overdue ``principal``.

    ``dunning_fee`` (DE only) is the creditor's actual material cost of one reminder after
    default; it defaults to 0 and is capped at the court-accepted EUR 2.50.
    ``obligation_on`` (DE only) decides whether the EUR 40 of § 288(5) BGB applies at all.

    Example: NL b2c, 3,000.00 EUR → collection costs 425.00 (15 % of 2,500 + 10 % of 500),
    no flat compensation, only after a 14-day letter.

    Raises UnknownCountry, UnknownKind, NegativePrincipal, UnsupportedCurrency.
    """
    country, kind = country_check(country), kind_check(kind)
    amount = to_decimal(principal)
    if amount < 0:
        raise NegativePrincipal(field="principal", detail=f"{principal} is negative")
    if currency != FEE_CURRENCY:
        raise UnsupportedCurrency(
            field="currency", detail=f"statutory fees are fixed in EUR; {currency} claims get none computed"
        )
    fee = None if dunning_fee is None else to_decimal(dunning_fee)
    if fee is not None and fee < 0:
        raise NegativePrincipal(field="dunning_fee", detail=f"{dunning_fee} is negative")
    return _RULES[(country, kind)](amount, obligation_on, fee)


def _cents(value: Decimal | None) -> Decimal | None:
    return None if value is None else quantize(value, FEE_CURRENCY)


def _flat(country: str, obligation_on: date | None) -> tuple[Decimal | None, dict[str, Any], list[str]]:
    spec = fee_table()["flat_compensation"][country]
    notes = [f"EUR {spec['amount']} flat compensation per claim ({spec['citation']}). {spec['note']}"]
    starts = spec["obligations_from"]
    if starts and obligation_on is not None and obligation_on < date.fromisoformat(starts):
        notes = [
            f"No flat compensation: {spec['citation']} applies only to obligations arising from {starts}."
        ]
        return None, spec, notes
    if spec["status"] != "confirmed":
        notes.append(
            f"Status of the EUR {spec['amount']} figure: {spec['status']} (sources: {spec['source']})."
        )
    return Decimal(spec["amount"]), spec, notes


_NOT_CUMULATIVE = "Charge the larger of collection costs and flat compensation, not both."


def _de(kind: str):
    def rule(principal: Decimal, obligation_on: date | None, fee: Decimal | None) -> FeeResult:
        spec = fee_table()["dunning_fee"]["DE"]
        cap = Decimal(spec["cap"])
        costs = min(fee if fee is not None else ZERO, cap)
        conditions = [
            "Only once the debtor is in default (§ 286 BGB).",
            "Not for the reminder that puts the debtor in default; only for reminders sent after default began.",
            f"Only the actual material costs of a reminder (paper, envelope, postage), no staff or overhead; "
            f"courts accept EUR 1.00-{spec['cap']} ({spec['source']}).",
        ]
        if kind == "b2c":
            conditions[0] = (
                "Only once the consumer is in default (§ 286 BGB): by a reminder after the due date, or 30 days "
                "after due date and receipt of the invoice only if the invoice pointed to this consequence (§ 286(3))."
            )
            conditions.append("No flat compensation: the EUR 40 of § 288(5) BGB is not owed by consumers.")
            return FeeResult(_cents(costs), None, FEE_CURRENCY, spec["code"], spec["citation"], conditions,
                             {"dunning_fee": spec["status"]})  # fmt: skip
        flat, flat_spec, notes = _flat("DE", obligation_on)
        conditions += notes + [
            "The flat compensation is due on default, per claim, without proof of damage, also for claims under "
            "EUR 40; not owed if the debtor is not responsible for the delay (§ 286(4) BGB).",
            _NOT_CUMULATIVE,
        ]
        return FeeResult(
            _cents(costs), _cents(flat), FEE_CURRENCY, "de_b2b_288_5",
            "§ 288(5) BGB (EUR 40 flat) and §§ 280, 286 BGB (actual costs of reminders)", conditions,
            {"flat_compensation": flat_spec["status"], "dunning_fee": spec["status"]},
        )  # fmt: skip

    return rule


_NL_VAT = (
    "No VAT on top, unless the creditor uses a collection service charging VAT, cannot deduct that VAT "
    "and says so (Besluit art. 2(3))."
)


def _nl(kind: str):
    def rule(principal: Decimal, obligation_on: date | None, fee: Decimal | None) -> FeeResult:
        spec = fee_table()["scales"]["nl_bik"]
        costs = scale_amount(scale="nl_bik", principal=principal)
        if kind == "b2c":
            conditions = [
                "Only after a reminder sent after default (the 14-day letter, art. 6:96(6) BW) that states the "
                f"consequences of non-payment including this amount (EUR {_cents(costs)}).",
                "The letter gives 14 days to pay, counted from the day after it is received (HR 25-11-2016, "
                "ECLI:NL:HR:2016:2704); safe wording: 'binnen veertien dagen vanaf de dag nadat deze brief bij "
                "u is bezorgd' or 'binnen vijftien dagen nadat deze brief bij u is bezorgd'.",
                "The 14-day letter itself is free of charge.",
                "A wrong start or end date makes the letter ineffective; a later letter with a shorter deadline "
                "does not repair it.",
                "Several claims against one consumer: one letter, costs on the summed principals (art. 6:96(7) BW).",
                "Recurring claims with instalments under EUR 266.67: at most EUR 140 per 6 months (Wki, from "
                "1 Oct 2024).",
                _NL_VAT,
            ]
            return FeeResult(_cents(costs), None, FEE_CURRENCY, spec["code"], spec["citation"], conditions,
                             {"collection_costs": spec["status"]})  # fmt: skip
        flat, flat_spec, notes = _flat("NL", obligation_on)
        conditions = [
            "Owed without a reminder from the day after the payment deadline (art. 6:96(4) BW); the EUR 40 "
            "minimum cannot be excluded to the creditor's detriment.",
            "The scale of the Besluit applies unless other collection costs were agreed (only consumers are "
            "protected from that, art. 6:96(5) BW).",
            *notes,
            _NOT_CUMULATIVE,
            _NL_VAT,
        ]
        return FeeResult(
            _cents(costs), _cents(flat), FEE_CURRENCY, "nl_b2b_6_96_4",
            "art. 6:96(4) BW (at least EUR 40) and Besluit vergoeding voor buitengerechtelijke incassokosten art. 2",
            conditions, {"collection_costs": spec["status"], "flat_compensation": flat_spec["status"]},
        )  # fmt: skip

    return rule


def _be(kind: str):
    def rule(principal: Decimal, obligation_on: date | None, fee: Decimal | None) -> FeeResult:
        if kind == "b2c":
            spec = fee_table()["scales"]["be_consumer"]
            costs = scale_amount(scale="be_consumer", principal=principal)
            conditions = [
                "Only if the contract provides for a damages clause; Book XIX caps the amount, it does not grant it, "
                "and a higher clause is void.",
                "The first reminder is free of charge.",
                "Only after the waiting period of 14 calendar days from that reminder: starting on the 3rd business "
                "day after sending on paper, or the day after sending electronically.",
                "The reminder states: creditor name and enterprise number; the balance due and the amount claimed "
                "if unpaid; the product or service and its due date; a payment term of at least 14 days.",
                "A collection agency or lawyer may not charge its own costs to the consumer.",
                "Recurring-supply contracts: reminders for 3 due dates a year are free; further reminders at most "
                "EUR 7.50 plus postage.",
            ]
            return FeeResult(_cents(costs), None, FEE_CURRENCY, spec["code"], spec["citation"], conditions,
                             {"collection_costs": spec["status"]})  # fmt: skip
        flat, flat_spec, notes = _flat("BE", obligation_on)
        conditions = [
            "Owed automatically from the day after the payment term, without notice (Late Payment Act 2 Aug 2002).",
            *notes,
            "Recovery costs above the flat compensation only as reasonable, proven costs; no fixed figure.",
            _NOT_CUMULATIVE,
        ]
        return FeeResult(None, _cents(flat), FEE_CURRENCY, flat_spec["code"], flat_spec["citation"], conditions,
                         {"flat_compensation": flat_spec["status"]})  # fmt: skip

    return rule


def _at(kind: str):
    def rule(principal: Decimal, obligation_on: date | None, fee: Decimal | None) -> FeeResult:
        proportionate = (
            "Only the necessary costs of appropriate out-of-court collection, proportionate to the claim "
            "(§ 1333(2) ABGB); there is no fixed scale, so tact computes no figure."
        )
        if kind == "b2c":
            conditions = [
                proportionate,
                "Fixed dunning charges in terms and conditions that ignore the claim's size are void toward "
                "consumers (RS0129621; 7 Ob 84/12x; 1 Ob 105/14v).",
                "Collection agencies are capped by the Inkassokosten-Verordnung (BGBl 141/1996).",
                "No flat compensation: the EUR 40 of § 458 UGB applies between businesses only.",
            ]
            return FeeResult(None, None, FEE_CURRENCY, "at_b2c_1333_2_abgb", "§ 1333(2) ABGB", conditions, {})
        flat, flat_spec, notes = _flat("AT", obligation_on)
        conditions = [*notes, proportionate, _NOT_CUMULATIVE]
        return FeeResult(
            None, _cents(flat), FEE_CURRENCY, flat_spec["code"], "§ 458 UGB (EUR 40) and § 1333(2) ABGB",
            conditions, {"flat_compensation": flat_spec["status"]},
        )  # fmt: skip

    return rule


_RULES = {
    (country, kind): maker(kind)
    for country, maker in (("DE", _de), ("NL", _nl), ("BE", _be), ("AT", _at))
    for kind in ("b2b", "b2c")
}
