"""Payment plans from the portal: the debtor proposes one over chosen open items and may
sign a SEPA Direct Debit mandate for it. The rules and the holds live below
(``arrangements.plans``, ``dunning.arrangement_holds``); this module audits the portal
event on the debtor, so it appears on the staff timeline (actor "portal"), and confirms it
on the debtor's channel."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction

from tact.arrangements.models import PaymentPlan, PlanStatus, SepaMandate, Source
from tact.arrangements.plans import plan_rules_for
from tact.arrangements.sepa import mandate_sign
from tact.dunning.arrangement_holds import plan_propose_held
from tact.ledger.models import Invoice

from .access import Access
from .services import ACTOR, portal_confirm, portal_event


@transaction.atomic
def portal_plan_propose(
    *, access: Access, items: Sequence[Invoice], count: int, first_due_on: date, today: date
) -> PaymentPlan:
    """Approved at once within the creditor's rules (plan holds on the items), otherwise
    queued for a person (the items held for the review days meanwhile).
    Raises ArrangementInvalid naming the field."""
    plan = plan_propose_held(
        debtor=access.debtor, invoices=items, count=count, first_due_on=first_due_on, today=today,
        source=Source.PORTAL, by=ACTOR,
    )  # fmt: skip
    portal_event(
        access=access, action="portal_plan_proposed",
        facts={"plan": plan.pk, "status": plan.status, "items": [i.number for i in items], "instalments": count,
               "first_due_on": first_due_on, "total": plan.total_amount, "currency": plan.currency,
               "review_reasons": plan.review_reasons},
    )  # fmt: skip
    if plan.status == PlanStatus.ACTIVE:
        first = plan.instalments.order_by("number").first()
        facts = {"total": str(plan.total_amount), "currency": plan.currency, "count": count,
                 "first_amount": str(first.amount), "first_due_on": first.due_on.isoformat()}  # fmt: skip
        portal_confirm(access=access, kind="plan_agreed", key=str(plan.pk), facts=facts, today=today)
    else:
        review_days = plan_rules_for(creditor=access.creditor).review_hold_days
        portal_confirm(
            access=access,
            kind="plan_proposed",
            key=str(plan.pk),
            facts={"review_days": review_days},
            today=today,
        )
    return plan


@transaction.atomic
def portal_mandate_sign(
    *, access: Access, plan: PaymentPlan, iban: str, account_holder: str, today: date
) -> SepaMandate:
    """Raises SepaInvalid naming the field (iban, debtor_name, plan)."""
    mandate = mandate_sign(plan=plan, iban=iban, debtor_name=account_holder, signed_on=today, by=ACTOR)
    portal_event(access=access, action="portal_mandate_signed",
                 facts={"plan": plan.pk, "reference": mandate.reference, "iban_end": mandate.iban[-4:]})  # fmt: skip
    portal_confirm(
        access=access, kind="mandate", key=str(mandate.pk), today=today,
        facts={"reference": mandate.reference, "iban_end": mandate.iban[-4:]},
    )  # fmt: skip
    return mandate
