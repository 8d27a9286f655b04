"""Shared by the outbox tests: a real SMTP peer (aiosmtpd), a portfolio whose cycle has run,
and a clock for the sender."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from tact.dunning.presets import policy_presets_install
from tact.dunning.services import cycle_run
from tests.dunning.conftest import MONDAY, debtor_with_items

# A Thursday, 10:00 in Germany: friendly reminders of items due on MONDAY go out.
RUN_ON = MONDAY + timedelta(days=3)
SEND_AT = datetime(RUN_ON.year, RUN_ON.month, RUN_ON.day, 9, 0, tzinfo=UTC)


class Inbox:
    """Keeps every message it accepts. ``refuse`` maps an address to an SMTP reply for RCPT;
    ``delay`` keeps the 250 waiting after the message is stored, as a slow MTA would."""

    def __init__(self, *, delay: float = 0.0, refuse: dict[str, str] | None = None) -> None:
        self.delay = delay
        self.refuse = refuse or {}
        self.envelopes = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.envelopes.append(envelope)  # stored ("queued to disk") before the reply
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    def messages(self):
        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]

    def message_ids(self) -> Counter:
        return Counter(m["Message-ID"] for m in self.messages())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PatientSMTP(SMTP):
    """aiosmtpd, reading to the end what a client sent before it vanished.

    aiosmtpd cancels its session the moment the client's side closes, even when a complete
    message (data and the final dot) is already in its buffer; an MTA such as Postfix reads
    that buffer, stores the message and only then notices that nobody waits for its 250.
    The kill test needs the MTA's behaviour: this session finishes reading first.
    """

    _gone = False

    def _finish_reading(self) -> None:
        self._gone = True
        self._reader.feed_eof()

    async def push(self, status):
        if self._gone:  # nobody reads the answer; end the session once the buffer is read
            raise asyncio.CancelledError
        await super().push(status)

    def eof_received(self):
        self._finish_reading()
        return False

    def connection_lost(self, error):
        self._finish_reading()
        if self._timeout_handle is not None:
            self._timeout_handle.cancel()


class PatientController(Controller):
    def factory(self):
        return PatientSMTP(self.handler, **self.SMTP_kwargs)


class SmtpPeer:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self.controller = PatientController(inbox, hostname="127.0.0.1", port=free_port())

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def port(self) -> int:
        return self.controller.port


@pytest.fixture
def smtp_peer(settings):
    with SmtpPeer(Inbox()) as peer:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", peer.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 10
        settings.TACT_MESSAGE_ID_DOMAIN = "mail.tact.example"
        yield peer


def portfolio_with_actions(creditor, *, debtors: int = 3, **debtor_fields):
    """``debtors`` debtors with one item due on MONDAY each, the presets, and the cycle run
    on RUN_ON: one planned friendly-reminder e-mail action per debtor."""
    policy_presets_install(creditor=creditor)
    made = [debtor_with_items(creditor, due=[MONDAY], **debtor_fields)[0] for _ in range(debtors)]
    cycle_run(creditor=creditor, run_on=RUN_ON)
    return made


def clock_at(moment: datetime):
    return lambda: moment


def wait_until(condition, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")
