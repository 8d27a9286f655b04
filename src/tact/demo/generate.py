"""Deterministic generation of demo debtors with their contacts, items and payments.

Pure Python, no database: ``debtor_plan(seed=…, index=…)`` depends only on its arguments.
Each debtor draws from its own ``random.Random`` seeded with ``(seed, index)``, so a debtor
looks the same whatever the chunk size or the number of debtors loaded, and any later
feature can re-derive it; ``profile_of(seed, index)`` re-derives its payment behaviour.

Calendar (documented choice): invoice volume per month is scaled by a seasonal factor.
Businesses order most in spring (Mar–May) and autumn (Sep–Nov) and little in August and
over Christmas; consumers (web shop) peak in November and early December (Black Friday,
gifts) and dip in August. In December, invoices dated after the 21st are mostly moved
earlier (the Christmas lull). Debtors tagged "seasonal" follow a garden/building season
(strong March–June, almost nothing in winter). Businesses invoice on working days.

Amounts: consumers tens to hundreds of euros (median 65, gross prices), businesses by size
(median net 600, 2,500 or 9,000 euros), up to 75,000. About 3 % of invoices get a credit
note of 10–50 %. Terms: consumers 14 days, businesses 14, 30 or 60.

Taxes (documented choice): domestic sales and sales to consumers abroad carry the
debtor's country's standard rate (DE 19 %, NL 21 %, BE 21 %, AT 20 %; consumers abroad
under the EU one-stop shop); sales to businesses in another EU country are intra-community
supplies under reverse charge, so they carry no VAT.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from random import Random

from . import data, people
from .behaviour import group_payments, payment_events
from .plans import (
    CENT,
    GOOD_PAYERS,
    ZERO,
    DebtorPlan,
    ItemPlan,
    Profile,
    debtor_index_of,
    debtor_number,
    profile_of,
    rng,
)

__all__ = ["DebtorPlan", "Profile", "debtor_index_of", "debtor_number", "debtor_plan", "profile_of"]

COUNTRY_WEIGHTS = (("DE", 45), ("NL", 25), ("BE", 15), ("AT", 15))
BUSINESS_SHARE = 0.6
VAT_RATE = {"DE": Decimal("0.19"), "NL": Decimal("0.21"), "BE": Decimal("0.21"), "AT": Decimal("0.20")}
LANGUAGE = {"DE": "de", "AT": "de", "NL": "nl", "BE-nl": "nl", "BE-fr": "fr"}

# Monthly volume factors, January to December.
BUSINESS_SEASON = (0.9, 1.0, 1.15, 1.2, 1.15, 1.05, 0.9, 0.6, 1.15, 1.2, 1.15, 0.75)
CONSUMER_SEASON = (0.8, 0.85, 1.0, 1.05, 1.0, 0.95, 0.9, 0.7, 1.0, 1.1, 1.35, 1.3)
GARDEN_SEASON = (0.2, 0.6, 2.0, 2.4, 2.2, 1.6, 0.8, 0.4, 0.9, 0.6, 0.3, 0.2)

# Business size: share, median net amount of an invoice in cents, invoices per month, limits.
SIZES = {
    "small": (60, 60_000, 0.58, (Decimal("5000"), Decimal("10000"))),
    "medium": (30, 250_000, 0.95, (Decimal("25000"), Decimal("50000"))),
    "large": (10, 900_000, 1.9, (Decimal("100000"), Decimal("250000"))),
}
SIZE_WEIGHTS = tuple((size, spec[0]) for size, spec in SIZES.items())
CONSUMER_MEDIAN_CENTS = 6_500
CONSUMER_RATE = 0.22
CONSUMER_METHODS = {
    "NL": (("ideal", 60), ("transfer", 15), ("direct_debit", 15), ("paypal", 10)),
    "BE": (("bancontact", 55), ("transfer", 25), ("card", 10), ("paypal", 10)),
    "DE": (("paypal", 30), ("direct_debit", 30), ("transfer", 30), ("card", 10)),
    "AT": (("transfer", 40), ("direct_debit", 25), ("paypal", 25), ("card", 10)),
}
BUSINESS_ACQUISITION = (
    ("direct", 30),
    ("field_sales", 30),
    ("partner", 15),
    ("tender", 10),
    ("web_shop", 15),
)
CREDIT_NOTE_SHARE = 0.03
MAX_ITEMS = 999  # per debtor; the item number has three digits for the running count


@dataclass(slots=True)
class _Traits:
    """A debtor's master data and habits, drawn before its items."""

    country: str
    region: str
    is_business: bool
    first: str
    last: str
    name: str = ""
    domain_slug: str = ""
    language: str = ""
    vat_id: str = ""
    credit_limit: Decimal | None = None
    terms: int = 14
    acquisition: str = ""
    channel: str = "email"
    method: str = "transfer"
    monthly: float = 0.0  # expected invoices per month
    median_cents: int = CONSUMER_MEDIAN_CENTS
    seasonal: bool = False
    pay_run: bool = False  # pays once a week in a payment run (Friday)
    tags: list[str] = field(default_factory=list)


def debtor_plan(*, seed: int, index: int, today: date, months: int, home_country: str = "DE") -> DebtorPlan:
    """Everything about demo debtor ``index``: master data, contacts, items and payments,
    over the ``months`` before ``today``. ``home_country`` is the creditor's (for VAT)."""
    r = rng(seed, index, "debtor")
    profile = profile_of(seed, index)
    t = _traits(r, profile=profile)
    city, base_code, area = r.choice(data.CITIES[t.region])
    address = {
        "street": f"{r.choice(data.STREETS[t.region])} {r.randint(1, 180)}",
        "postal_code": people.postal_code(r, t.region, base_code),
        "city": city,
        "country": t.country,
    }
    dates, insolvent_on = _issue_dates(r, t, profile=profile, today=today, months=months)
    if dates[0] >= today - timedelta(days=90):
        t.tags.append("new customer")
    if t.seasonal:
        t.tags.append("seasonal")
    number = debtor_number(index)
    items, credit_notes = _items(r, t, dates, number=number, today=today, home_country=home_country)
    invoices = [item for item in items if item.kind == "invoice"]
    events = payment_events(
        r,
        invoices,
        profile=profile,
        today=today,
        method=t.method,
        pay_run=t.pay_run,
        insolvent_on=insolvent_on,
    )
    payments = group_payments(events, items, credit_notes, today=today, method=t.method)
    for payment in payments:
        for item_index, amount in payment.allocations:
            item = items[item_index]
            item.paid += amount
            if item.paid == item.gross:
                item.settled_on = payment.value_on
    contacts = people.contacts(
        r,
        region=t.region,
        country=t.country,
        is_business=t.is_business,
        name=t.name,
        first=t.first,
        last=t.last,
        domain_slug=t.domain_slug,
        address=address,
        area=area,
    )
    return DebtorPlan(
        index=index,
        number=number,
        kind="business" if t.is_business else "consumer",
        name=t.name,
        country=t.country,
        language=t.language,
        vat_id=t.vat_id,
        acquisition_channel=t.acquisition,
        preferred_channel=t.channel,
        preferred_payment_method=t.method,
        credit_limit=t.credit_limit,
        tags=t.tags,
        profile=profile,
        # Card and PayPal payments reach the creditor from the provider, not the payer's bank.
        payer_iban=people.iban(r, t.country) if t.method not in ("card", "paypal") else "",
        contacts=contacts,
        items=items,
        payments=payments,
    )


def _traits(r: Random, *, profile: Profile) -> _Traits:
    country = people.weighted(r, COUNTRY_WEIGHTS)
    region = ("BE-nl" if r.random() < 0.6 else "BE-fr") if country == "BE" else country
    t = _Traits(
        country=country,
        region=region,
        is_business=r.random() < BUSINESS_SHARE,
        first=r.choice(data.FIRST_NAMES[region]),
        last=r.choice(data.LAST_NAMES[region]),
        language=LANGUAGE[region],
    )
    # A direct-debit mandate collects on the due date, which only fits good payers.
    good = profile in GOOD_PAYERS
    if t.is_business:
        t.name, t.domain_slug = people.company_name(r, region, t.first, t.last)
        if country == "NL" and r.random() < 0.05:
            t.language = "en"
        t.vat_id = people.vat_id(r, country) if r.random() < 0.95 else ""
        size = people.weighted(r, SIZE_WEIGHTS)
        _, t.median_cents, rate, limits = SIZES[size]
        t.credit_limit = r.choice(limits)
        t.terms = int(people.weighted(r, (("14", 25), ("30", 55), ("60", 20))))
        t.acquisition = people.weighted(r, BUSINESS_ACQUISITION)
        t.channel = people.weighted(r, (("email", 68), ("einvoice", 12), ("portal", 8), ("letter", 12)))
        t.method = "direct_debit" if good and r.random() < 0.25 else "transfer"
        t.monthly = rate * math.exp(r.gauss(0, 0.5))
        if size == "large" or (size == "medium" and r.random() < 0.15):
            t.tags.append("key account")
        t.seasonal = r.random() < 0.12
        t.pay_run = r.random() < 0.35
    else:
        t.name = f"{t.first} {t.last}"
        t.acquisition = people.weighted(r, (("web_shop", 70), ("marketplace", 20), ("direct", 10)))
        age = r.randint(19, 88)
        if age >= 68 and r.random() < 0.6:
            t.channel = "letter"
        else:
            t.channel = people.weighted(r, (("email", 85), ("sms", 15)))
        t.method = people.weighted(r, CONSUMER_METHODS[country])
        if t.method == "direct_debit" and not good:
            t.method = "transfer"
        t.monthly = CONSUMER_RATE * math.exp(r.gauss(0, 0.5))
    return t


def _issue_dates(
    r: Random, t: _Traits, *, profile: Profile, today: date, months: int
) -> tuple[list[date], date | None]:
    """The debtor's invoice dates, month by month with seasonal volume, and the date of its
    insolvency if it has one."""
    start = add_months(today, -months)
    span = (today - start).days
    # Most debtors were customers for the whole window; some joined later, some left.
    active_from = start
    if r.random() < 0.3:
        active_from = start + timedelta(days=r.randint(0, max(0, span - 14)))
    active_to = today
    if r.random() < 0.1:
        active_to = active_from + timedelta(days=r.randint(0, (today - active_from).days))
    insolvent_on = None
    if profile is Profile.INSOLVENT:
        insolvent_on = today - timedelta(days=r.randint(60, min(240, max(60, span - 30))))
        active_from = max(start, min(active_from, insolvent_on - timedelta(days=120)))
        active_to = min(today, insolvent_on + timedelta(days=r.randint(0, 21)))
    active_from = min(active_from, active_to)

    season = GARDEN_SEASON if t.seasonal else BUSINESS_SEASON if t.is_business else CONSUMER_SEASON
    lull = 0.75 if t.is_business else 0.5
    dates: list[date] = []
    year, month = active_from.year, active_from.month
    while (year, month) <= (active_to.year, active_to.month):
        days_in_month = _days_in_month(year, month)
        for _ in range(_poisson(r, t.monthly * season[month - 1])):
            day = r.randint(1, days_in_month)
            if month == 12 and day > 21 and r.random() < lull:
                day = r.randint(1, 21)
            issued = date(year, month, day)
            if t.is_business:
                issued = _working_day_before(issued)
            if active_from <= issued <= active_to:
                dates.append(issued)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    forced = None
    if profile is Profile.FIRST_TIME_LATE:
        forced = today - timedelta(days=t.terms + r.randint(3, 25))  # fell due a few weeks ago
    elif insolvent_on is not None:
        forced = insolvent_on - timedelta(days=r.randint(0, t.terms))  # the last, unpaid delivery
    if forced is not None and forced >= start:
        dates.append(_working_day_before(forced) if t.is_business else forced)
    if not dates:
        lo = max(active_from, active_to - timedelta(days=120))
        dates.append(lo + timedelta(days=r.randint(0, (active_to - lo).days)))
    dates.sort()
    return dates[:MAX_ITEMS], insolvent_on


def _items(
    r: Random, t: _Traits, dates: list[date], *, number: str, today: date, home_country: str
) -> tuple[list[ItemPlan], list[int]]:
    """Invoices on ``dates``, then a few credit notes; returns the items and the indexes of
    the credit notes."""
    rate = VAT_RATE[t.country] if (t.country == home_country or not t.is_business) else ZERO
    items: list[ItemPlan] = []
    for k, issued in enumerate(dates, 1):
        # A lognormal draw, turned into whole cents at once: Decimal money from here on.
        cents = int(t.median_cents * math.exp(r.gauss(0, 0.8 if t.is_business else 0.75)))
        if t.is_business:
            net = Decimal(min(max(cents, 15_000), 7_500_000)).scaleb(-2)
            vat = (net * rate).quantize(CENT, ROUND_HALF_UP)
            gross = net + vat
            reference = f"4500{r.randint(100000, 999999)}" if r.random() < 0.75 else ""
        else:
            gross = Decimal(min(max(cents, 990), 150_000)).scaleb(-2)
            net = (gross / (1 + rate)).quantize(CENT, ROUND_HALF_UP)
            vat = gross - net
            reference = f"WS-{issued:%y}{r.randint(100000, 999999)}"
        items.append(
            ItemPlan(
                number=f"RE-{issued.year}-{number}-{k:03d}",
                kind="invoice",
                issued_on=issued,
                due_on=issued + timedelta(days=t.terms),
                gross=gross,
                net=net,
                vat=vat,
                order_reference=reference,
            )
        )
    credit_notes: list[int] = []
    for invoice in items[: len(dates)]:
        if r.random() >= CREDIT_NOTE_SHARE:
            continue
        issued = invoice.issued_on + timedelta(days=r.randint(2, 21))
        if issued > today:
            continue
        share = Decimal(r.choice((10, 15, 20, 25, 50))) / 100
        net = ZERO - (invoice.net * share).quantize(CENT, ROUND_HALF_UP)
        vat = ZERO - (invoice.vat * share).quantize(CENT, ROUND_HALF_UP)
        credit_notes.append(len(items))
        items.append(
            ItemPlan(
                number=f"GS-{issued.year}-{number}-{len(credit_notes):03d}",
                kind="credit_note",
                issued_on=issued,
                due_on=issued,
                gross=net + vat,
                net=net,
                vat=vat,
                order_reference=invoice.order_reference,
            )
        )
    return items, credit_notes


def add_months(day: date, months: int) -> date:
    month0 = day.year * 12 + day.month - 1 + months
    year, month = divmod(month0, 12)
    return date(year, month + 1, min(day.day, _days_in_month(year, month + 1)))


def _days_in_month(year: int, month: int) -> int:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _poisson(r: Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, r.random()
    while p > limit:
        k += 1
        p *= r.random()
    return k


def _working_day_before(day: date) -> date:
    weekday = day.weekday()
    return day - timedelta(days=weekday - 4) if weekday >= 5 else day
