"""The outbox's rows and their moves: queueing the cycle's actions, claiming work, and every
status change of a message with its event.

Queueing is one ``INSERT … SELECT`` over the actions ready to go (``planned`` or
``approved``; ``awaiting_approval`` and ``skipped`` stay behind) that have no message yet,
plus one ``INSERT … SELECT`` of their ``queued`` events. The idempotency key
``action:<id>:<channel>`` is unique per creditor, so queueing twice (or two queuers at once)
adds nothing.

A sender claims rows by writing its name and a lease into them in one conditional
``UPDATE``: on PostgreSQL the rows come from ``SELECT … FOR UPDATE SKIP LOCKED``, so
parallel senders pass each other without waiting; on SQLite the database takes a write
lock for the statement (``BEGIN IMMEDIATE``), which serializes claims — the nearest safe
equivalent. Every later write of the sender says ``WHERE claimed_by = <me>``: a sender whose
lease was taken over cannot change the row any more (the claim is a fencing token).
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction

from .models import Message, MessageEvent, MessageStatus

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
READY_ACTIONS = ("planned", "approved")
OPEN = (MessageStatus.QUEUED, MessageStatus.SENDING)


def worker_name() -> str:
    """A name unique to this sender process and run: host, pid and a random part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, … minutes after the n-th failed attempt, at most an hour."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _is_pg() -> bool:
    return connection.vendor == "postgresql"


def _stamp(value: datetime) -> Any:
    """A datetime parameter stored exactly as the ORM stores it (SQLite keeps text: UTC,
    no offset), so raw SQL and ORM writes compare and sort alike."""
    return connection.ops.adapt_datetimefield_value(value)


QUEUE_SQL = """
INSERT INTO messaging_message (creditor_id, debtor_id, contact_id, action_id, key, channel, fallbacks,
    fallback_of_id, template_key, tone, language, status, attempts, next_attempt_at, claimed_by, lease_until,
    data_end_at, held_reason, last_error, last_error_code, template_id, recipient, subject, body_text, body_html,
    document, message_id, in_reply_to, created_by_id, provider, provider_id, queued_at, sent_at, delivered_at,
    updated_at)
SELECT a.creditor_id, a.debtor_id, NULL, a.id, 'action:' || a.id || ':' || a.channel, a.channel, {wanted},
    NULL, a.template_key, a.tone, d.language, 'queued', 0, %s, '', NULL,
    NULL, '', '', '', NULL, '', '', '', '',
    '', '', '', NULL, '', '', %s, NULL, NULL,
    %s
FROM dunning_action a JOIN ledger_debtor d ON d.id = a.debtor_id
WHERE a.status IN ('planned', 'approved'){creditor}
    AND NOT EXISTS (SELECT 1 FROM messaging_message m WHERE m.action_id = a.id)
ON CONFLICT DO NOTHING
"""

QUEUED_EVENTS_SQL = """
INSERT INTO messaging_messageevent (creditor_id, message_id, kind, status_from, status_to, detail, at)
SELECT m.creditor_id, m.id, 'queued', '', 'queued', {detail}, m.queued_at
FROM messaging_message m
WHERE m.queued_at = %s AND m.attempts = 0 AND m.action_id IS NOT NULL{creditor}
    AND NOT EXISTS (SELECT 1 FROM messaging_messageevent e WHERE e.message_id = m.id)
"""


@transaction.atomic
def outbox_queue(*, now: datetime, creditor_id: int | None = None) -> int:
    """Queue one message for every action ready to go that has none yet; returns how many.

    Two statements whatever the number of actions. The channel is the one the cycle chose
    (``Action.channel``); the stage's wanted channels are kept for the fallback.
    """
    if _is_pg():
        wanted = "COALESCE((a.explanation -> 'channel' -> 'wanted')::jsonb, '[]'::jsonb)"
        detail = "jsonb_build_object('action', m.action_id)"
    else:
        wanted = "COALESCE(json_extract(a.explanation, '$.channel.wanted'), '[]')"
        detail = "json_object('action', m.action_id)"
    where = " AND a.creditor_id = %s" if creditor_id else ""
    params: list[Any] = [_stamp(now), _stamp(now), _stamp(now)] + ([creditor_id] if creditor_id else [])
    with connection.cursor() as cursor:
        cursor.execute(QUEUE_SQL.format(wanted=wanted, creditor=where), params)
        queued = max(cursor.rowcount, 0)
        if queued:
            cursor.execute(
                QUEUED_EVENTS_SQL.format(
                    detail=detail, creditor=" AND m.creditor_id = %s" if creditor_id else ""
                ),
                [_stamp(now)] + ([creditor_id] if creditor_id else []),
            )
    return queued


CLAIM_SQL = """
UPDATE messaging_message SET claimed_by = %s, lease_until = %s, updated_at = %s
WHERE id IN (
    SELECT id FROM messaging_message
    WHERE status IN ('queued', 'sending') AND next_attempt_at <= %s
        AND (lease_until IS NULL OR lease_until < %s){creditor}
    ORDER BY next_attempt_at, id
    LIMIT %s{lock}
)
RETURNING id
"""


def outbox_claim(
    *, worker: str, now: datetime, limit: int, lease: timedelta = LEASE, creditor_id: int | None = None
) -> list[int]:
    """Claim up to ``limit`` due messages for ``worker``; their ids, oldest first.

    Due: queued with ``next_attempt_at`` reached and no live lease, or left in ``sending``
    by a sender whose lease ran out (``outbox_recover`` decides what happens to those).
    One statement, its own transaction.
    """
    where = " AND creditor_id = %s" if creditor_id else ""
    lock = " FOR UPDATE SKIP LOCKED" if _is_pg() else ""
    params: list[Any] = [worker, _stamp(now + lease), _stamp(now), _stamp(now), _stamp(now)]
    params += ([creditor_id] if creditor_id else []) + [limit]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL.format(creditor=where, lock=lock), params)
        ids = sorted(row[0] for row in cursor.fetchall())
    return ids


def event_add(*, message: Message, kind: str, now: datetime, status_from: str = "", status_to: str = "",
              **detail: Any) -> MessageEvent:  # fmt: skip
    return MessageEvent.objects.create(
        creditor_id=message.creditor_id,
        message_id=message.pk,
        kind=kind,
        status_from=status_from,
        status_to=status_to,
        detail=detail,
        at=now,
    )


@dataclass
class Claim:
    """A sender's hold on one message: every write goes through here and is fenced."""

    message: Message
    worker: str

    def update(self, *, now: datetime, kind: str, event: dict[str, Any] | None = None,
               from_statuses: tuple[str, ...] | None = None, **fields: Any) -> bool:  # fmt: skip
        """Write ``fields`` and append the event, if this worker still holds the message.
        Returns False (and writes nothing) when the claim was lost."""
        status_from = self.message.status
        with transaction.atomic(savepoint=False):
            query = Message.objects.filter(pk=self.message.pk, claimed_by=self.worker)
            if from_statuses:
                query = query.filter(status__in=from_statuses)
            if not query.update(**fields, updated_at=now):
                return False
            for name, value in fields.items():
                setattr(self.message, name, value)
            event_add(
                message=self.message,
                kind=kind,
                now=now,
                status_from=status_from,
                status_to=fields.get("status", status_from),
                **(event or {}),
            )
        return True

    def release(self, **fields: Any) -> dict[str, Any]:
        """Fields that give the message back to the queue."""
        return {"claimed_by": "", "lease_until": None, **fields}
