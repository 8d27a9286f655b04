"""Celery tasks of the messaging app: thin callers of the sender.

Without a broker (CELERY_BROKER_URL unset) they run inline in the caller. Any task may run
twice, or in several workers at once: the outbox's claims keep every message sent once.
"""

from __future__ import annotations

import logging

from celery import shared_task

from .sending import outbox_send

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def outbox_send_task(creditor_id: int | None = None, limit: int | None = None) -> dict:
    """Queue the ready actions and send what is due (for one creditor, or all)."""
    report = outbox_send(creditor_id=creditor_id, limit=limit).as_dict()
    log.info("outbox sent", extra={k: v for k, v in report.items() if isinstance(v, int)})
    return report


@shared_task(acks_late=True)
def inbox_fetch_task(limit: int | None = None) -> dict:
    """Poll the configured mailbox (TACT_IMAP_*) for replies and bounces. Safe to run twice:
    a mail is acted on once, whoever fetched it (``inbound_receive`` knows its bytes)."""
    from .inbound.imap import inbox_fetch

    report = inbox_fetch(limit=limit).as_dict()
    log.info("inbox fetched", extra={k: v for k, v in report.items() if isinstance(v, int)})
    return report
