"""Promises to pay, tracked set-based every day: kept when the debtor's payments since the
promise reach its amount by ``pay_by`` (the promised day plus the grace days), broken when
``pay_by`` has passed without that. Either way the promise hold ends (the caller ends it:
dunning sits above this app), and the cycle takes the policy's next step for what is still
open, in the tone of that stage.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from tact.audit.services import Change, audit_bulk
from tact.core.models import AmountField
from tact.ledger.models import Payment
from tact.tenancy.models import Creditor

from .models import Promise, PromiseStatus

ZERO_VALUE = Value(0, output_field=AmountField())
FACTS = ("pk", "debtor_id", "amount", "currency", "promised_on", "pay_by", "hold_id")


@dataclass
class PromiseTracking:
    kept: list[int] = field(default_factory=list)
    broken: list[int] = field(default_factory=list)
    holds_to_end: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"promises_kept": len(self.kept), "promises_broken": len(self.broken)}


def _paid_since_promise() -> Coalesce:
    """The debtor's payments in the promise's currency, valued from the day the promise was
    made through its ``pay_by`` day and booked no earlier than the promise (a payment already
    on its way when the debtor promised counts; one booked before was not part of the
    promise: the debtor who pays one invoice online and then promises to pay another the
    same day has not kept that promise yet)."""
    paid = (
        Payment.objects.filter(
            debtor_id=OuterRef("debtor_id"), currency=OuterRef("currency"),
            value_on__gte=OuterRef("made_on"), value_on__lte=OuterRef("pay_by"),
            created_at__gte=OuterRef("created_at"),
        )
        .values("debtor_id")
        .annotate(s=Sum("amount"))
        .values("s")
    )  # fmt: skip
    return Coalesce(Subquery(paid), ZERO_VALUE)


@transaction.atomic
def promises_track(*, creditor: Creditor, today: date, actor: Any = "plans_check") -> PromiseTracking:
    """Mark the creditor's open promises kept or broken (four statements, any number of
    promises); audited on each debtor as ``promise_kept`` / ``promise_broken``.

    Example: 500.00 EUR promised by 2025-12-10 with 3 grace days; 500.00 EUR valued
    2025-12-12 → kept on the next check; nothing by 2025-12-13 → broken on 2025-12-14.
    """
    result = PromiseTracking()
    open_ = Promise.objects.filter(
        creditor=creditor, status=PromiseStatus.OPEN, pay_by__isnull=False, made_on__isnull=False
    )
    kept = list(open_.annotate(paid=_paid_since_promise()).filter(paid__gte=F("amount")).values(*FACTS))
    broken = list(open_.filter(pay_by__lt=today).exclude(pk__in=[p["pk"] for p in kept]).values(*FACTS))
    for status, rows, action, ids in ((PromiseStatus.KEPT, kept, "promise_kept", result.kept),
                                      (PromiseStatus.BROKEN, broken, "promise_broken", result.broken)):  # fmt: skip
        ids.extend(r["pk"] for r in rows)
        if not rows:
            continue
        Promise.objects.filter(pk__in=ids).update(status=status)
        audit_bulk(
            creditor=creditor, actor=actor, action=action,
            changes=(Change(subject_type="ledger.debtor", subject_id=str(r["debtor_id"]), before=None,
                            after={"promise": r["pk"], "amount": r["amount"], "currency": r["currency"],
                                   "promised_on": r["promised_on"], "pay_by": r["pay_by"]}) for r in rows),
        )  # fmt: skip
        result.holds_to_end.extend(r["hold_id"] for r in rows if r["hold_id"])
    return result


@dataclass(frozen=True)
class PromiseRecord:
    kept: int
    broken: int

    @property
    def kept_rate(self) -> float | None:
        decided = self.kept + self.broken
        return None if decided == 0 else self.kept / decided


def promise_counts(*, debtor_ids: Iterable[int]) -> dict[int, PromiseRecord]:
    """Kept and broken promises per debtor, in one query (risk features and KPIs)."""
    rows = (
        Promise.objects.filter(debtor_id__in=list(debtor_ids))
        .values("debtor_id")
        .annotate(
            kept=Count("pk", filter=Q(status=PromiseStatus.KEPT)),
            broken=Count("pk", filter=Q(status=PromiseStatus.BROKEN)),
        )
    )
    return {r["debtor_id"]: PromiseRecord(kept=r["kept"], broken=r["broken"]) for r in rows}


def promise_kept_rate(*, creditor: Creditor, since: date | None = None) -> PromiseRecord:
    """The creditor's kept and broken promises (made since ``since``): the promise-kept-rate KPI."""
    promises = Promise.objects.filter(creditor=creditor)
    if since is not None:
        promises = promises.filter(promised_on__gte=since)
    counts = promises.aggregate(
        kept=Count("pk", filter=Q(status=PromiseStatus.KEPT)),
        broken=Count("pk", filter=Q(status=PromiseStatus.BROKEN)),
    )
    return PromiseRecord(kept=counts["kept"], broken=counts["broken"])
