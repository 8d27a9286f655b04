"""Celery tasks of the dunning app: thin callers of the cycle service.

Without a broker (CELERY_BROKER_URL unset) they run inline in the caller.
"""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task

from tact.core import clock
from tact.core.jobs import all_creditors, creditor_scope
from tact.tenancy.models import Creditor

from .arrangement_holds import arrangements_check
from .cycle import cycle_run

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def cycle_run_task(creditor_id: int, run_on: str) -> dict:
    """Run the cycle for one creditor and day (ISO date). Running it twice creates nothing new.

    The day's check of payment plans and promises goes first: a plan that defaulted or a
    promise broken ends its hold, so that the same day's cycle takes the next step."""
    with all_creditors():
        creditor = Creditor.objects.get(pk=creditor_id)
    with creditor_scope(creditor):
        arrangements_check(creditor=creditor, today=date.fromisoformat(run_on), actor="cycle_task")
        summary = cycle_run(creditor=creditor, run_on=date.fromisoformat(run_on), actor="cycle_task")
    log.info("cycle run", extra={"creditor": creditor.slug, **summary.as_dict()})
    return summary.as_dict()


@shared_task(acks_late=True)
def cycle_run_all_task() -> int:
    """Fan out today's cycle (in each creditor's own time zone) to one task per creditor."""
    with all_creditors():
        creditors = list(Creditor.objects.values_list("pk", "timezone"))
    for pk, tz_name in creditors:
        cycle_run_task.delay(pk, clock.today(tz_name).isoformat())
    return len(creditors)
