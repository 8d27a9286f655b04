"""SMS: encoding and segment counting, the provider interface, Twilio and a log provider.

Encoding (3GPP TS 23.038): a text made only of the GSM 03.38 default alphabet and its
extension table goes as GSM-7: 160 septets in one message, 153 per part once it is split
(the user-data header takes the rest). Extension characters (``€ [ ] { } ^ ~ | \\`` and form
feed) are sent as escape + character and count twice; a part never splits such a pair.
Anything else (ç, ê, emoji, a narrow no-break space) makes the whole text UCS-2: 70 UTF-16
code units in one message, 67 per part; a surrogate pair (an emoji) is never split.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings

from ..errors import ProviderError

logger = logging.getLogger(__name__)

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True, slots=True)
class SmsInfo:
    encoding: str  # "gsm7" | "ucs2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    parts: tuple[str, ...]


def sms_encoding(text: str) -> str:
    return "gsm7" if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text) else "ucs2"


def _split(costs: list[tuple[str, int]], single: int, part: int) -> tuple[int, tuple[str, ...]]:
    total = sum(cost for _, cost in costs)
    if total <= single:
        return total, ("".join(c for c, _ in costs),) if costs else ()
    parts: list[str] = []
    current, used = [], 0
    for char, cost in costs:
        if used + cost > part:
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += cost
    parts.append("".join(current))
    return total, tuple(parts)


def sms_info(text: str) -> SmsInfo:
    """Encoding, length in units and the parts ``text`` is sent as.

    >>> sms_info("Hallo").segments, sms_info("€" * 80).segments, sms_info("ç").encoding
    (1, 1, 'ucs2')
    """
    encoding = sms_encoding(text)
    if encoding == "gsm7":
        costs = [(c, 2 if c in GSM7_EXTENSION else 1) for c in text]
        units, parts = _split(costs, GSM7_SINGLE, GSM7_PART)
    else:
        costs = [(c, 2 if ord(c) > 0xFFFF else 1) for c in text]
        units, parts = _split(costs, UCS2_SINGLE, UCS2_PART)
    return SmsInfo(encoding=encoding, units=units, segments=len(parts), parts=parts)


def sms_clean(text: str) -> str:
    """Spaces a phone shows the same but that would force UCS-2 (no-break spaces in French
    amounts, typographic quotes and dashes) replaced by their GSM-7 look-alikes."""
    table = str.maketrans(
        {"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2013": "-", "\u2014": "-", "\u2019": "'", "\u2018": "'",
         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2026": "..."}
    )  # fmt: skip
    return " ".join(text.translate(table).split())


# --- providers -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SmsReceipt:
    provider: str
    provider_id: str  # the provider's message id, for delivery reports
    status: str  # the provider's status word ("queued", "accepted", "logged")
    segments: int
    raw: dict[str, Any] = field(default_factory=dict)


class SmsProvider(Protocol):
    name: str

    def send(self, *, to: str, text: str, sender: str, reference: str) -> SmsReceipt:
        """Hand one SMS to the provider. ``to`` in E.164; ``reference`` is our idempotency key.

        Raises ProviderError (``transient`` tells whether a retry may succeed).
        """
        ...


@dataclass
class LogSmsProvider:
    """Sends nothing: logs the message and keeps it in ``sent`` (demo, tests, offline use)."""

    name: str = "log"
    sent: list[dict[str, str]] = field(default_factory=list)

    def send(self, *, to: str, text: str, sender: str, reference: str) -> SmsReceipt:
        info = sms_info(text)
        record = {"to": to, "text": text, "sender": sender, "reference": reference}
        self.sent.append(record)
        logger.info("sms logged", extra={"to": to, "segments": info.segments, "reference": reference})
        return SmsReceipt(self.name, f"log-{uuid.uuid4().hex}", "logged", info.segments, record)


# Twilio error codes that mean "this number will never work": fall back to another channel.
TWILIO_PERMANENT = {
    21211: "invalid 'To' number",
    21408: "no permission to send to this region",
    21610: "recipient has opted out (STOP)",
    21612: "this number cannot receive this message",
    21614: "'To' is not a mobile number",
}


@dataclass
class TwilioSmsProvider:
    """Twilio Programmable Messaging, REST API 2010-04-01.

    ``POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json``, HTTP basic auth
    (AccountSid:AuthToken), form fields ``To``, ``From`` (or ``MessagingServiceSid``),
    ``Body`` and optional ``StatusCallback``. 201 answers a Message resource (``sid``,
    ``status`` queued/accepted, ``num_segments`` as a string); errors answer
    ``{"code", "message", "more_info", "status"}``. 429 and 5xx are transient.
    """

    account_sid: str
    auth_token: str
    base_url: str = "https://api.twilio.com"
    messaging_service_sid: str = ""
    status_callback: str = ""
    timeout: float = 10.0
    name: str = "twilio"

    def _request(self, form: dict[str, str]) -> urllib.request.Request:
        url = f"{self.base_url.rstrip('/')}/2010-04-01/Accounts/{urllib.parse.quote(self.account_sid)}/Messages.json"
        token = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode("ascii")
        return urllib.request.Request(  # noqa: S310 - the base URL is ours (https, or a local test server)
            url,
            data=urllib.parse.urlencode(form).encode("utf-8"),
            method="POST",
            headers={
                "Authorization": f"Basic {token}",
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "Accept": "application/json",
            },
        )

    def send(self, *, to: str, text: str, sender: str, reference: str) -> SmsReceipt:
        form = {"To": to, "Body": text}
        if self.messaging_service_sid:
            form["MessagingServiceSid"] = self.messaging_service_sid
        else:
            form["From"] = sender
        if self.status_callback:
            form["StatusCallback"] = self.status_callback
        try:
            with urllib.request.urlopen(self._request(form), timeout=self.timeout) as response:  # noqa: S310
                body = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise self._error(exc) from exc
        except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
            raise ProviderError(provider=self.name, detail=f"no answer: {exc}", transient=True) from exc
        except json.JSONDecodeError as exc:
            raise ProviderError(provider=self.name, detail="answer is not JSON", transient=True) from exc
        segments = int(body.get("num_segments") or 0) or sms_info(text).segments
        return SmsReceipt(self.name, str(body.get("sid", "")), str(body.get("status", "")), segments, body)

    def _error(self, exc: urllib.error.HTTPError) -> ProviderError:
        try:
            body = json.loads(exc.read().decode("utf-8") or "{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = {}
        code = body.get("code")
        message = body.get("message") or exc.reason
        transient = exc.code == 429 or exc.code >= 500
        detail = f"HTTP {exc.code}" + (f", error {code}" if code else "") + f": {message}"
        if isinstance(code, int) and code in TWILIO_PERMANENT:
            detail += f" ({TWILIO_PERMANENT[code]})"
        return ProviderError(
            provider=self.name, detail=detail, transient=transient, provider_code=str(code or "")
        )


def sms_provider() -> SmsProvider:
    """The provider configured by ``TACT_SMS_PROVIDER`` (``log``, the default, or ``twilio``
    with ``TACT_TWILIO_ACCOUNT_SID``, ``TACT_TWILIO_AUTH_TOKEN`` and optionally
    ``TACT_TWILIO_BASE_URL``, ``TACT_TWILIO_MESSAGING_SERVICE_SID``)."""
    kind = getattr(settings, "TACT_SMS_PROVIDER", "log")
    if kind == "twilio":
        return TwilioSmsProvider(
            account_sid=settings.TACT_TWILIO_ACCOUNT_SID,
            auth_token=settings.TACT_TWILIO_AUTH_TOKEN,
            base_url=getattr(settings, "TACT_TWILIO_BASE_URL", "https://api.twilio.com"),
            messaging_service_sid=getattr(settings, "TACT_TWILIO_MESSAGING_SERVICE_SID", ""),
        )
    return LogSmsProvider()
