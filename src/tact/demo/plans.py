"""What the generator produces: payment-behaviour profiles and plain plans of rows.

A plan is pure data (no model instances): the writer turns plans into rows per chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from random import Random

CENT = Decimal("0.01")
ZERO = Decimal("0")
FIRST_DEBTOR_NUMBER = 10001


class Profile(StrEnum):
    """How a debtor pays. Stable codes: later features (risk, tests) key on them."""

    EARLY = "early"  # pays well before the due date
    ON_TIME = "on_time"  # pays around the due date
    AFTER_REMINDER = "after_reminder"  # pays 10–20 days late, after the first reminder
    CHRONICALLY_LATE = "chronically_late"  # pays 30–90 days late
    FIRST_TIME_LATE = "first_time_late"  # punctual, but the last 1–2 due items are open
    DISPUTES = "disputes"  # pays on time, disputes now and then; one item open for long
    BREAKS_PROMISES = "breaks_promises"  # pays in parts, late, and often stops half-way
    INSOLVENT = "insolvent"  # paid slowly, then nothing since the insolvency


PROFILE_WEIGHTS: dict[Profile, int] = {
    Profile.EARLY: 15,
    Profile.ON_TIME: 30,
    Profile.AFTER_REMINDER: 18,
    Profile.CHRONICALLY_LATE: 12,
    Profile.FIRST_TIME_LATE: 7,
    Profile.DISPUTES: 6,
    Profile.BREAKS_PROMISES: 7,
    Profile.INSOLVENT: 5,
}
GOOD_PAYERS = frozenset({Profile.EARLY, Profile.ON_TIME})
_PROFILES = tuple(PROFILE_WEIGHTS)
_BOUNDS = tuple(sum(list(PROFILE_WEIGHTS.values())[: i + 1]) for i in range(len(_PROFILES)))


def rng(seed: int, index: int, stream: str) -> Random:
    """The random stream ``stream`` of debtor ``index``: independent of every other debtor."""
    # A string seed is hashed with SHA-512 by Random, so it is stable across processes and
    # Python versions, unlike hash().
    return Random(f"tact-demo:{seed}:{index}:{stream}")


def profile_of(seed: int, debtor_index: int) -> Profile:
    """The payment behaviour of demo debtor ``debtor_index`` (0-based) of a load with ``seed``.

    Pure: the demo stores no profile, so this is how risk features, tests and benchmarks
    recover it: ``profile_of(seed, debtor_index_of(debtor.number))``.
    """
    draw = rng(seed, debtor_index, "profile").random() * _BOUNDS[-1]
    for profile, bound in zip(_PROFILES, _BOUNDS, strict=True):
        if draw < bound:
            return profile
    return _PROFILES[-1]


def debtor_number(debtor_index: int) -> str:
    return str(FIRST_DEBTOR_NUMBER + debtor_index)


def debtor_index_of(number: str) -> int:
    """The index a demo debtor number was made from (inverse of ``debtor_number``)."""
    return int(number) - FIRST_DEBTOR_NUMBER


@dataclass(slots=True)
class ContactPlan:
    name: str
    role: str
    email: str
    phone: str
    street: str
    postal_code: str
    city: str
    country: str
    is_preferred: bool
    email_status: str


@dataclass(slots=True)
class ItemPlan:
    number: str
    kind: str
    issued_on: date
    due_on: date
    gross: Decimal
    net: Decimal
    vat: Decimal
    order_reference: str
    paid: Decimal = ZERO
    settled_on: date | None = None

    @property
    def open(self) -> Decimal:
        return self.gross - self.paid


@dataclass(slots=True)
class PaymentPlan:
    value_on: date
    amount: Decimal
    # (index into the debtor's items, amount); a credit note is offset with a negative part
    allocations: list[tuple[int, Decimal]]
    reference: str = ""
    source: str = "bank"


@dataclass(slots=True)
class DebtorPlan:
    index: int
    number: str
    kind: str
    name: str
    country: str
    language: str
    vat_id: str
    acquisition_channel: str
    preferred_channel: str
    preferred_payment_method: str
    credit_limit: Decimal | None
    tags: list[str]
    profile: Profile
    payer_iban: str
    contacts: list[ContactPlan] = field(default_factory=list)
    items: list[ItemPlan] = field(default_factory=list)
    payments: list[PaymentPlan] = field(default_factory=list)
