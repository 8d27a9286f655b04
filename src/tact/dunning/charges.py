"""Booking what an action charges when its message goes out, and what is booked already.

The cycle prices interest, collection costs and flat compensation into the action (per item
in ``action.items``, costs as ``action.fees_amount``); they become claims in the ledger only
when the message that states them is sent: messaging calls ``action_charges_book`` in the
sender's transaction. Each becomes a charge item (``ledger.charges``) linked to its invoice:

- interest: the item's ``interest``, less interest on the same invoice booked after the
  action was planned (the cycle already left out what was booked before: an action stating
  interest to day 28 and an earlier one to day 10 never book the first 10 days twice);
- flat compensation: the item's ``flat_compensation``, unless its invoice has one (per
  invoice once, DE § 288(5) BGB, AT § 458 UGB);
- collection costs: ``fees_amount``, on the oldest invoice of the action (costs of one
  letter on the summed principals, NL art. 6:96(7) BW).

Idempotent, keyed on the action ("action:<id>"): a second call books nothing. The action
row is locked first, so two senders of the same action book once. Charge items are never
dunned themselves (the cycle plans invoices only), so no interest on interest and no flat
compensation of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from tact.ledger.models import Invoice, InvoiceKind
from tact.ledger.services import ChargeRequest, charges_add

from .dialect import amount as read_amount
from .models import Action, ActionStatus
from .plan import TEMP

ZERO = Decimal("0")


def charge_key(action_id: int) -> str:
    return f"action:{action_id}"


@dataclass(frozen=True)
class Booked:
    """What is booked on an invoice already: interest in total, and whether costs and a flat
    compensation are."""

    interest: Decimal = ZERO
    fee: bool = False
    flat: bool = False


NOTHING_BOOKED = Booked()


def charges_booked(creditor_id: int) -> dict[int, Booked]:
    """For the cycle: the charges booked on the plan's advancing items whose stages charge,
    in one statement over the plan table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.parent_id,"
            " SUM(CASE WHEN c.kind = 'interest' THEN c.gross_amount ELSE 0 END),"
            " MAX(CASE WHEN c.kind = 'fee' THEN 1 ELSE 0 END),"
            " MAX(CASE WHEN c.kind = 'flat_compensation' THEN 1 ELSE 0 END)"
            f" FROM {TEMP} t JOIN ledger_invoice c ON c.parent_id = t.id"
            " WHERE c.creditor_id = %s AND t.advancing <> 0 AND t.charges GROUP BY c.parent_id",
            [creditor_id],
        )
        return {
            parent: Booked(read_amount(interest), bool(fee), bool(flat))
            for parent, interest, fee, flat in cursor.fetchall()
        }


def _law(action: Action, charge: str) -> dict[str, Any]:
    return ((action.explanation or {}).get("law") or {}).get(charge) or {}


def _requests(actions: Sequence[Action]) -> list[tuple[date, ChargeRequest]]:
    """What to book for each action: (booked on, request), from two queries for all of them."""
    item_ids = {item["id"] for action in actions for item in action.items}
    parents = {i.pk: i for i in Invoice.objects.filter(pk__in=item_ids, kind=InvoiceKind.INVOICE)}
    charges = list(
        Invoice.objects.filter(
            parent_id__in=parents, kind__in=(InvoiceKind.INTEREST, InvoiceKind.FLAT_COMPENSATION)
        )
        .values_list("parent_id", "kind", "gross_amount", "created_at")
        .order_by()
    )
    flat_booked = {parent for parent, kind, _, _ in charges if kind == InvoiceKind.FLAT_COMPENSATION}
    out: list[tuple[date, ChargeRequest]] = []
    for action in actions:
        key = charge_key(action.pk)
        facts = {"action": action.pk, "stage": action.stage_id, "run_on": action.run_on}
        items = [(item, parents[item["id"]]) for item in action.items if item["id"] in parents]
        for item, parent in items:
            claimed = Decimal(item.get("interest") or "0")
            if claimed > 0:
                # Interest booked on the invoice after this action was planned was not known
                # to the cycle when it priced this action: it covers part of the same days.
                later = sum(
                    (g for p, k, g, at in charges if p == parent.pk and k == InvoiceKind.INTEREST and at > action.created_at),
                    ZERO,
                )  # fmt: skip
                interest = claimed - later
                if interest > 0:
                    why = {**facts, "rule": _law(action, "interest").get("rule"), "claimed": claimed}
                    out.append(
                        (action.run_on, ChargeRequest(parent, InvoiceKind.INTEREST, interest, key, why))
                    )
            flat = Decimal(item.get("flat_compensation") or "0")
            if flat > 0 and parent.pk not in flat_booked:
                flat_booked.add(parent.pk)
                why = {**facts, "rule": _law(action, "flat_compensation").get("rule")}
                out.append(
                    (action.run_on, ChargeRequest(parent, InvoiceKind.FLAT_COMPENSATION, flat, key, why))
                )
        if action.fees_amount > 0 and items:
            oldest = min((parent for _, parent in items), key=lambda p: (p.due_on, p.pk))
            fees = _law(action, "fees")
            why = {**facts, "rule": fees.get("rule"), "principal": fees.get("principal"),
                   "items": [parent.number for _, parent in items]}  # fmt: skip
            out.append((action.run_on, ChargeRequest(oldest, InvoiceKind.FEE, action.fees_amount, key, why)))
    return out


@transaction.atomic
def actions_charges_book(
    *, actions: Sequence[Action], booked_on: date | None = None, by: Any = None
) -> list[Invoice]:
    """Book what many actions charge (see the module), set-based: a fixed number of queries
    for any number of actions. Actions booked before book nothing again. Returns the
    charges booked now. ``booked_on`` (the day the messages go out) defaults to each
    action's run day; the charges are due that day.
    """
    if not actions:
        return []
    ids = sorted({a.pk for a in actions})
    locked = list(Action.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    # Through the parents (the charges' index): whatever an action booked hangs on its items.
    item_ids = {item["id"] for action in locked for item in action.items}
    done = set(
        Invoice.objects.filter(parent_id__in=item_ids, charge_key__in=[charge_key(pk) for pk in ids])
        .values_list("charge_key", flat=True)
        .order_by()
    )
    # A skipped action's message never goes out: it charges nothing.
    todo = [a for a in locked if charge_key(a.pk) not in done and a.status != ActionStatus.SKIPPED]
    by_day: dict[date, list[ChargeRequest]] = {}
    for day, request in _requests(todo):
        by_day.setdefault(booked_on or day, []).append(request)
    booked: list[Invoice] = []
    for day, requests in sorted(by_day.items()):
        booked.extend(charges_add(requests=requests, booked_on=day, by=by))
    return booked


def action_charges_book(action: Action, *, booked_on: date | None = None, by: Any = None) -> list[Invoice]:
    """Book what one action charges, when its message is sent; safe inside the sender's
    transaction (a savepoint; the action row is locked until it commits). A second call
    books nothing.

    Example: an action listing RE-1042 with ``"interest": "12.34"`` and
    ``"flat_compensation": "40.00"`` books RE-1042+I<action id> (12.34) and
    RE-1042+F<action id> (40.00), both due on the action's run day.
    """
    return actions_charges_book(actions=[action], booked_on=booked_on, by=by)
