"""What a sender run reports, and how an error is classed: try again, or fall back."""

from __future__ import annotations

import re
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .errors import AddressUnusable, ProviderError
from .models import Message


@dataclass
class SendReport:
    """``as_dict()`` is the contract of ``tact outbox send --json``: ``sent``, ``failed``
    (moved to failed: a permanent error or retries used up; a fallback follows where the
    stage has another channel), ``retried`` (a transient error; tried again later),
    ``skipped`` (held back by a contact rule; waits queued), and ``queued`` (messages made
    from ready actions first), ``cancelled``, ``fallbacks``, ``unreachable`` (holds
    placed), ``waiting`` (a template error; waits for the text to be fixed),
    ``in_doubt`` (found handed over by a sender that died; recorded as sent),
    ``recovered`` (found unsent in a dead sender's hands; sent again), ``held`` (per rule)
    and ``errors`` (the first 20: message, channel, code, detail)."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    skipped: int = 0
    queued: int = 0
    cancelled: int = 0
    fallbacks: int = 0
    unreachable: int = 0
    waiting: int = 0
    in_doubt: int = 0
    recovered: int = 0
    held: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, message: Message, code: str, detail: str) -> None:
        if len(self.errors) < 20:
            self.errors.append({"message": message.pk, "key": message.key, "channel": message.channel,
                                "code": code, "detail": detail[:300]})  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent, "failed": self.failed, "retried": self.retried, "skipped": self.skipped,
            "queued": self.queued, "cancelled": self.cancelled, "fallbacks": self.fallbacks,
            "unreachable": self.unreachable, "waiting": self.waiting, "in_doubt": self.in_doubt,
            "recovered": self.recovered, "held": dict(self.held), "errors": list(self.errors),
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Failure:
    transient: bool
    code: str
    detail: str
    # The receiving server refused the recipient's address itself (5xx at RCPT): the
    # contact's address is wrong, as surely as after a bounce.
    address_refused: bool = False


# RFC 3463 enhanced codes that blame the address: bad mailbox, bad system, bad syntax,
# moved, null MX (RFC 7505), mailbox disabled. A policy refusal (5.7.x: relaying denied,
# spam) is about us or the message and leaves the address alone.
_ADDRESS_CODES = re.compile(r"\b5\.(?:1\.(?:1|2|3|6|10)|2\.1)\b")
_ADDRESS_WORDS = re.compile(
    r"(?:user|mailbox|recipient|address)\s+(?:unknown|not found|does not exist|unavailable)"
    r"|no such (?:user|mailbox|recipient)|unknown (?:user|mailbox|recipient)",
    re.IGNORECASE,
)


def address_refused(reply: str) -> bool:
    """Does a 5xx reply to RCPT say the address itself is wrong?"""
    if _ADDRESS_CODES.search(reply):
        return True
    return not re.search(r"\b5\.\d{1,3}\.\d{1,3}\b", reply) and bool(_ADDRESS_WORDS.search(reply))


def failure_of(exc: BaseException) -> Failure:
    """Transient (try again later) or permanent (fall back to the next channel)?

    SMTP 4xx, a refused or dropped connection and timeouts are transient; a 5xx refusal of
    the recipient or of the message is permanent. A 5xx refusal of our sender address or of
    our login is our configuration, not the debtor's address: transient, so the message
    waits (with the error on record) instead of falling back.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()), (550, b""))
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        transient = 400 <= code < 500
        return Failure(transient, f"smtp_{code}", f"recipient refused: {code} {text}",
                       address_refused=not transient and address_refused(text))  # fmt: skip
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError):
        return Failure(True, f"smtp_{exc.smtp_code}", f"sender or login refused: {exc}")
    if isinstance(exc, smtplib.SMTPResponseException):
        return Failure(not 500 <= exc.smtp_code < 600, f"smtp_{exc.smtp_code}", str(exc))
    if isinstance(exc, smtplib.SMTPException | OSError):  # disconnects, refused connections, timeouts
        return Failure(True, type(exc).__name__.lower(), str(exc) or type(exc).__name__)
    if isinstance(exc, ProviderError):
        return Failure(exc.transient, exc.provider_code or "provider", exc.message)
    if isinstance(exc, AddressUnusable):
        return Failure(False, "address_unusable", exc.message)
    raise exc
