"""Exactly-once against a real SMTP server and PostgreSQL: a sender killed with SIGKILL at
random moments and started again, and four senders sharing the work at once.

The senders are real ``tact outbox send`` processes on the test database (committed data,
hence ``transaction=True``). The SMTP peer stores each message before it answers, as an MTA
writes its queue file before the 250; ``delay`` keeps the answer waiting, which is where
a kill is most likely to land.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from tact.dunning.models import Action, ActionStatus
from tact.messaging.defaults import shipped_sync
from tact.messaging.models import ContactRules, Message, MessageEvent, MessageStatus, MessageTemplate
from tact.messaging.outbox import outbox_queue
from tests.factories import CreditorFactory

from .outbox_support import Inbox, SmtpPeer, portfolio_with_actions, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: several processes share it"
    ),
]
TACT = [sys.executable, "-m", "tact"]


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture(autouse=True)
def _no_sender_outlives_its_test():
    yield
    for process in STARTED:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    STARTED.clear()


STARTED: list[subprocess.Popen] = []


def _sender(peer: SmtpPeer, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(peer.port),
        "EMAIL_TIMEOUT": "20",
        "CELERY_BROKER_URL": "",
    }
    process = subprocess.Popen(
        [*TACT, "outbox", "send", "--json", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    STARTED.append(process)
    return process


def _portfolio(debtors: int):
    with scopes_disabled():
        # A transactional test starts from emptied tables: the shipped texts come back first.
        shipped_sync(model=MessageTemplate)
        creditor = CreditorFactory(slug="acme", legal_name="Acme Handels GmbH", country="DE")
    from django_scopes import scope

    with scope(creditor=creditor):
        # Any hour and day will do for this test: no quiet hours, no Sunday rule, no cap.
        ContactRules.objects.create(
            creditor=creditor,
            quiet_start="00:00",
            quiet_end="00:00",
            max_per_week=0,
            skip_sundays_and_holidays=False,
        )
        portfolio_with_actions(creditor, debtors=debtors)
        from django.utils import timezone

        assert outbox_queue(now=timezone.now(), creditor_id=creditor.pk) == debtors
    return creditor


def _assert_exactly_once(inbox: Inbox, count: int) -> None:
    with scopes_disabled():
        messages = list(Message.objects.all())
        statuses = Counter(m.status for m in messages)
        assert statuses == {MessageStatus.SENT: count}, statuses
        ids = inbox.message_ids()
        duplicates = {k: v for k, v in ids.items() if v > 1}
        assert not duplicates, f"delivered twice: {duplicates}"
        assert set(ids) == {m.message_id for m in messages}, "lost or foreign messages"
        assert len(inbox.envelopes) == count
        assert set(Action.objects.values_list("status", flat=True)) == {ActionStatus.SENT}


def test_a_sender_killed_at_random_moments_sends_every_message_exactly_once():
    count = 30
    _portfolio(count)
    seed = int(os.environ.get("TACT_KILL_SEED", time.time()))
    print(f"TACT_KILL_SEED={seed}")  # shown with a failure, to run the same kills again
    rng = random.Random(seed)
    with SmtpPeer(Inbox(delay=0.25)) as peer:
        kills = 0
        for _ in range(4):
            before = len(peer.inbox.envelopes)
            if before >= count:
                break
            process = _sender(peer, "--lease-seconds", "2", "--batch", "4")
            # kill once it is sending: mid-conversation, waiting for a 250, or between messages
            wait_until(
                lambda b=before, p=process: len(peer.inbox.envelopes) > b or p.poll() is not None, timeout=60
            )
            time.sleep(rng.uniform(0.0, 0.5))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
            process.wait(timeout=30)
            time.sleep(2.1)  # the dead sender's leases run out
        final = _sender(peer, "--lease-seconds", "2", "--batch", "4")
        out, err = final.communicate(timeout=180)
        assert final.returncode == 0, err.decode()
        report = json.loads(out)
        assert kills >= 2, "the sender finished before it could be killed: make the peer slower"
        _assert_exactly_once(peer.inbox, count)
    with scopes_disabled():
        crash_paths = Counter(
            MessageEvent.objects.filter(kind__in=["in_doubt", "recovered"]).values_list("kind", flat=True)
        )
    # the kills left messages in the sender's hands, and the restarts dealt with them
    assert sum(crash_paths.values()) >= 1, crash_paths
    assert report["failed"] == 0


def test_four_senders_in_parallel_share_the_work_without_a_duplicate():
    count = 240
    _portfolio(count)
    with SmtpPeer(Inbox(delay=0.005)) as peer:
        processes = [_sender(peer, "--batch", "10", "--no-queue") for _ in range(4)]
        reports = []
        for process in processes:
            out, err = process.communicate(timeout=600)
            assert process.returncode == 0, err.decode()
            reports.append(json.loads(out))
        _assert_exactly_once(peer.inbox, count)
    sent = [r["sent"] for r in reports]
    assert sum(sent) == count
    assert sum(1 for n in sent if n > 0) >= 3, f"the work was not shared: {sent}"
