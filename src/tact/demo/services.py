"""Loading the demo portfolio: a creditor, its staff, debtors, contacts, items and payments.

The data comes from ``generate.debtor_plan`` and is deterministic for a seed. It is written
per chunk of debtors, set-based (PostgreSQL COPY, else ``bulk_create``), in one transaction:
a failed load leaves nothing behind. Each debtor's payment behaviour is not stored; it is
``generate.profile_of(seed, debtor_index)`` with ``debtor_index = int(number) - 10001``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models, transaction
from django.utils import timezone

from tact.audit.services import audit_record
from tact.core.jobs import creditor_scope
from tact.ledger.models import Allocation, Contact, Debtor, ImportRun, Invoice, Payment
from tact.tenancy.models import Creditor, Role
from tact.tenancy.services import creditor_add, user_add

from .errors import DemoDataExists, DemoOptionInvalid, DemoResetBlocked
from .generate import debtor_plan
from .plans import ZERO, DebtorPlan
from .writer import RowWriter

# The documented demo password of the staff accounts the demo creates (printed by `tact demo`).
DEMO_PASSWORD = "demo-tact-2026"
CHUNK_DEBTORS = 2000
MAX_DEBTORS = 1_000_000
MAX_MONTHS = 120
STAFF = (
    ("manager", Role.CREDIT_MANAGER),
    ("admin", Role.ADMIN),
    ("agent", Role.AGENT),
    ("viewer", Role.READ_ONLY),
)

CREDITOR = {
    "legal_name": "Nordlicht Handel GmbH",
    "country": "DE",
    "iban": "DE34200505501234567890",
    "bic": "HASPDEHHXXX",
    "vat_id": "DE118835742",
    "sender_email": "forderungen@nordlicht-handel.example",
    "language": "de",
    "street": "Am Sandtorkai 12",
    "postal_code": "20457",
    "city": "Hamburg",
}

# Column order of the rows _write_chunk builds (model attribute names).
DEBTOR_FIELDS = tuple(
    "number kind name country language vat_id acquisition_channel preferred_channel "
    "preferred_payment_method credit_limit_amount currency tags created_at "
    "updated_at".split()
)
CONTACT_FIELDS = tuple(
    "debtor_id name role email phone street postal_code city country is_preferred "
    "email_status phone_status created_at updated_at".split()
)
INVOICE_FIELDS = tuple(
    "debtor_id number kind issued_on due_on currency gross_amount net_amount "
    "vat_amount open_amount order_reference pdf settled_on created_at updated_at".split()
)
PAYMENT_FIELDS = tuple(
    "debtor_id amount currency value_on method reference payer_name payer_iban "
    "source external_id created_by_id created_at".split()
)
ALLOCATION_FIELDS = ("payment_id", "invoice_id", "amount", "created_at")
# Ledger tables cleared by --reset; tables of other apps that point at them are found at run time.
LEDGER_MODELS = (Allocation, Payment, Contact, Invoice, Debtor, ImportRun)


@dataclass(frozen=True)
class Login:
    email: str
    role: str
    password: str | None  # None when the account existed already and kept its password


@dataclass
class DemoReport:
    creditor: str
    legal_name: str
    seed: int
    months: int
    today: date
    reset: bool = False
    debtors: int = 0
    business_debtors: int = 0
    consumer_debtors: int = 0
    contacts: int = 0
    invoices: int = 0  # items of both kinds: invoices and credit notes
    credit_notes: int = 0
    open_items: int = 0
    overdue_items: int = 0
    not_due_items: int = 0
    open_amount: Decimal = ZERO
    overdue_amount: Decimal = ZERO
    payments: int = 0
    allocations: int = 0
    profiles: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    logins: list[Login] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.debtors + self.contacts + self.invoices + self.payments + self.allocations

    @property
    def rows_per_second(self) -> int:
        return int(self.rows / self.seconds) if self.seconds else 0

    def count(self, plans: list[DebtorPlan]) -> None:
        today = self.today
        for plan in plans:
            self.debtors += 1
            if plan.kind == "business":
                self.business_debtors += 1
            else:
                self.consumer_debtors += 1
            self.profiles[plan.profile.value] += 1
            self.contacts += len(plan.contacts)
            self.payments += len(plan.payments)
            self.allocations += sum(len(p.allocations) for p in plan.payments)
            for item in plan.items:
                self.invoices += 1
                if item.kind == "credit_note":
                    self.credit_notes += 1
                open_amount = item.gross - item.paid
                if open_amount:
                    self.open_items += 1
                    self.open_amount += open_amount
                    if item.kind == "invoice" and item.due_on < today:
                        self.overdue_items += 1
                        self.overdue_amount += open_amount
                    elif item.kind == "invoice":
                        self.not_due_items += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "creditor": self.creditor,
            "legal_name": self.legal_name,
            "seed": self.seed,
            "months": self.months,
            "today": self.today.isoformat(),
            "reset": self.reset,
            "debtors": self.debtors,
            "business_debtors": self.business_debtors,
            "consumer_debtors": self.consumer_debtors,
            "contacts": self.contacts,
            "invoices": self.invoices,
            "credit_notes": self.credit_notes,
            "open_items": self.open_items,
            "overdue_items": self.overdue_items,
            "not_due_items": self.not_due_items,
            "open_amount": str(self.open_amount),
            "overdue_amount": str(self.overdue_amount),
            "currency": "EUR",
            "payments": self.payments,
            "allocations": self.allocations,
            "profiles": dict(sorted(self.profiles.items())),
            "seconds": round(self.seconds, 2),
            "rows": self.rows,
            "rows_per_second": self.rows_per_second,
            "logins": [{"email": x.email, "role": x.role, "password": x.password} for x in self.logins],
        }


def demo_load(
    *,
    slug: str = "demo",
    debtors: int = 500,
    months: int = 18,
    seed: int = 1,
    today: date,
    reset: bool = False,
    chunk_size: int = CHUNK_DEBTORS,
) -> DemoReport:
    """Create (or refill) creditor ``slug`` with a realistic portfolio ending at ``today``.

    The same seed gives the same debtors, items and payments, whatever the creditor.
    Raises DemoOptionInvalid for out-of-range options, DemoDataExists when the creditor has
    ledger data and ``reset`` is false, and the tenancy errors of ``creditor_add``.
    Example: ``demo_load(slug="demo", debtors=500, today=date(2026, 3, 15))`` loads about
    5,000 items, of which a few hundred are overdue.
    """
    if not 1 <= debtors <= MAX_DEBTORS:
        raise DemoOptionInvalid(option="debtors", problem=f"{debtors} is not between 1 and {MAX_DEBTORS:,}.")
    if not 1 <= months <= MAX_MONTHS:
        raise DemoOptionInvalid(option="months", problem=f"{months} is not between 1 and {MAX_MONTHS}.")
    if chunk_size < 1:
        raise DemoOptionInvalid(option="chunk_size", problem="must be at least 1.")
    started = time.perf_counter()
    slug = slug.strip().lower()
    with transaction.atomic():
        creditor = Creditor.objects.filter(slug=slug).first()
        if creditor is None:
            legal_name = CREDITOR["legal_name"] if slug == "demo" else f"{CREDITOR['legal_name']} ({slug})"
            creditor = creditor_add(slug=slug, **{**CREDITOR, "legal_name": legal_name})
        report = DemoReport(
            creditor=creditor.slug, legal_name=creditor.legal_name, seed=seed, months=months, today=today
        )
        with creditor_scope(creditor):
            deleted = _clear_if_allowed(creditor, reset=reset)
            report.reset = bool(deleted)
            report.logins = _staff_add(creditor, reset=reset)
            _sender_profile(creditor)
            writer = RowWriter(creditor_id=creditor.pk)
            now = timezone.now()
            for plans in _chunks(
                seed=seed,
                debtors=debtors,
                months=months,
                today=today,
                country=creditor.country,
                size=chunk_size,
            ):
                _write_chunk(writer, plans, now=now)
                report.count(plans)
            report.seconds = time.perf_counter() - started
            # One event for the whole load, not one per row: the counts say what was written.
            facts = {
                k: v for k, v in report.as_dict().items() if k not in ("logins", "creditor", "legal_name")
            }
            audit_record(
                creditor=creditor,
                actor="demo",
                action="demo_loaded",
                subject=creditor,
                facts={**facts, "deleted": deleted},
            )
    report.seconds = time.perf_counter() - started
    return report


SENDER = {
    "signature_name": "Katrin Albers",
    "signature_role": {"de": "Debitorenmanagement", "nl": "Debiteurenbeheer", "en": "Credit management",
                       "fr": "Gestion des créances"},
    "phone": "+49 40 3070 5120",
    "email": "forderungen@nordlicht-handel.example",
    "website": "www.nordlicht-handel.example",
    "registration": "Amtsgericht Hamburg HRB 148812",
    "managing_directors": "Jens Petersen, Aylin Demir",
}  # fmt: skip


def _sender_profile(creditor: Creditor) -> None:
    """How the demo creditor signs its messages (the register entry is mandatory content of a
    Belgian consumer reminder)."""
    from tact.messaging.models import SenderProfile

    SenderProfile.objects.update_or_create(creditor=creditor, defaults=SENDER)


def _chunks(
    *, seed: int, debtors: int, months: int, today: date, country: str, size: int
) -> Iterator[list[DebtorPlan]]:
    """The debtors' plans, a chunk at a time; the next chunk is generated in a thread while
    the caller writes the current one (the database works while Python waits for it).
    Generation touches no database and no shared state."""

    def generate(lo: int) -> list[DebtorPlan]:
        return [
            debtor_plan(seed=seed, index=i, today=today, months=months, home_country=country)
            for i in range(lo, min(lo + size, debtors))
        ]

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-generate") as pool:
        upcoming = pool.submit(generate, 0)
        for lo in range(size, debtors + size, size):
            plans = upcoming.result()
            if lo < debtors:
                upcoming = pool.submit(generate, lo)
            yield plans


def _clear_if_allowed(creditor: Creditor, *, reset: bool) -> dict[str, int]:
    debtors = Debtor.objects.filter(creditor=creditor).count()
    items = Invoice.objects.filter(creditor=creditor).count()
    if not debtors and not items and not Payment.objects.filter(creditor=creditor).exists():
        return {}
    if not reset:
        raise DemoDataExists(slug=creditor.slug, debtors=debtors, invoices=items)
    return ledger_clear(creditor=creditor)


def ledger_clear(*, creditor: Creditor) -> dict[str, int]:
    """Delete the creditor's ledger, and every row of any app that points at it.

    Raw DELETEs per table, not the ORM collector, which would load every row first (a
    million items). Foreign keys are checked at commit, so only tables without a creditor
    column need their parents still present; those are deleted first.
    Returns the number of rows deleted per table.
    """
    targets = _tables_to_clear()
    deleted: dict[str, int] = {}
    with connection.cursor() as cursor:
        for model, via in targets:
            table = connection.ops.quote_name(model._meta.db_table)
            if via is None:
                cursor.execute(f"DELETE FROM {table} WHERE creditor_id = %s", [creditor.pk])
            else:
                fk, parent = via
                if not _has_creditor(parent):
                    raise DemoResetBlocked(slug=creditor.slug, table=model._meta.db_table)
                cursor.execute(
                    f"DELETE FROM {table} WHERE {connection.ops.quote_name(fk.column)} IN "
                    f"(SELECT id FROM {connection.ops.quote_name(parent._meta.db_table)} WHERE creditor_id = %s)",
                    [creditor.pk],
                )
            if cursor.rowcount:
                deleted[model._meta.db_table] = cursor.rowcount
    return deleted


def _has_creditor(model: type[models.Model]) -> bool:
    try:
        return model._meta.get_field("creditor").related_model is Creditor
    except (LookupError, FieldDoesNotExist):
        return False


def _tables_to_clear() -> list[tuple[type[models.Model], tuple[models.Field, type[models.Model]] | None]]:
    """The ledger tables plus, transitively, every table with a foreign key into them;
    dependents first. ``via`` is the foreign key to follow for a table without a creditor."""
    found: dict[type[models.Model], tuple[models.Field, type[models.Model]] | None] = {
        m: None for m in LEDGER_MODELS
    }
    order: list[type[models.Model]] = []
    changed = True
    while changed:
        changed = False
        for model in apps.get_models(include_auto_created=True):
            if model in found:
                continue
            for fk in model._meta.concrete_fields:
                if fk.is_relation and fk.related_model in found:
                    found[model] = None if _has_creditor(model) else (fk, fk.related_model)
                    order.append(model)
                    changed = True
                    break
    # Models found later depend on those found earlier: delete them first.
    return [(m, found[m]) for m in reversed(order)] + [(m, None) for m in LEDGER_MODELS]


def _staff_add(creditor: Creditor, *, reset: bool) -> list[Login]:
    """The four demo accounts, one per role. A reset also restores their demo password, so
    that `make demo` always prints a login that works."""
    domain = f"{creditor.slug.replace('_', '-')}.tact"
    logins = []
    for local, role in STAFF:
        email = f"{local}@{domain}"
        added = user_add(creditor=creditor, email=email, role=role, password=DEMO_PASSWORD)
        password = added.password
        if password is None and reset:
            added.user.set_password(DEMO_PASSWORD)
            added.user.save(update_fields=["password"])
            password = DEMO_PASSWORD
        logins.append(Login(email=email, role=str(role), password=password))
    return logins


def _write_chunk(writer: RowWriter, plans: list[DebtorPlan], *, now: datetime) -> None:
    debtor_ids = writer.insert(
        Debtor,
        DEBTOR_FIELDS,
        [
            (
                p.number,
                p.kind,
                p.name,
                p.country,
                p.language,
                p.vat_id,
                p.acquisition_channel,
                p.preferred_channel,
                p.preferred_payment_method,
                p.credit_limit,
                "EUR",
                p.tags,
                now,
                now,
            )
            for p in plans
        ],
        with_ids=True,
    )
    writer.insert(
        Contact,
        CONTACT_FIELDS,
        [
            (
                debtor_id,
                c.name,
                c.role,
                c.email,
                c.phone,
                c.street,
                c.postal_code,
                c.city,
                c.country,
                c.is_preferred,
                c.email_status,
                "unknown",
                now,
                now,
            )
            for debtor_id, p in zip(debtor_ids, plans, strict=True)
            for c in p.contacts
        ],
        with_ids=False,
    )
    invoice_ids = writer.insert(
        Invoice,
        INVOICE_FIELDS,
        [
            (
                debtor_id,
                i.number,
                i.kind,
                i.issued_on,
                i.due_on,
                "EUR",
                i.gross,
                i.net,
                i.vat,
                i.gross - i.paid,
                i.order_reference,
                "",
                i.settled_on,
                now,
                now,
            )
            for debtor_id, p in zip(debtor_ids, plans, strict=True)
            for i in p.items
        ],
        with_ids=True,
    )
    payment_rows = []
    for debtor_id, p in zip(debtor_ids, plans, strict=True):
        for pay in p.payments:
            payment_rows.append(
                (
                    debtor_id,
                    pay.amount,
                    "EUR",
                    pay.value_on,
                    p.preferred_payment_method,
                    pay.reference,
                    p.name,
                    p.payer_iban,
                    pay.source,
                    "",
                    None,
                    now,
                )
            )
    payment_ids = writer.insert(Payment, PAYMENT_FIELDS, payment_rows, with_ids=True)
    allocation_rows = []
    item_base = payment_n = 0
    for p in plans:
        for pay in p.payments:
            payment_id = payment_ids[payment_n]
            payment_n += 1
            for item_index, amount in pay.allocations:
                allocation_rows.append((payment_id, invoice_ids[item_base + item_index], amount, now))
        item_base += len(p.items)
    writer.insert(Allocation, ALLOCATION_FIELDS, allocation_rows, with_ids=False)
