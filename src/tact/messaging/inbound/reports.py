"""Delivery reports: bounces (RFC 3464 DSN) and complaints (RFC 5965 ARF).

A DSN is ``multipart/report; report-type=delivery-status`` with a human part, a
``message/delivery-status`` part (one block of per-message fields, then one block per
recipient: ``Final-Recipient``, ``Action``, ``Status``, ``Diagnostic-Code``) and the original
message or its headers (``message/rfc822``, ``text/rfc822-headers``), where our Message-ID is.
An ARF report has a ``message/feedback-report`` part instead (``Feedback-Type: abuse``,
``Original-Rcpt-To``). Some servers still bounce in plain text; ``X-Failed-Recipients`` (Exim,
Gmail) and a status code in the text are enough to read those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import HeaderParser

from .parsing import (
    PARSE_ERRORS,
    ParsedMail,
    addresses,
    clean_text,
    content_type,
    header_text,
    message_ids,
    part_text,
    raw_header,
)

ACTIONS = ("failed", "delayed", "delivered", "relayed", "expanded")
COMPLAINED = "complained"
MAX_RECIPIENTS = 100
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"\b([245])\d\d\b")
_BOUNCE_SENDER = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|bounces?)@", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"(undeliver|undelivered|delivery (status notification|has failed|failure)|returned mail|"
    r"failure notice|nicht zustellbar|unzustellbar|onbestelbaar|non remis|non distribu)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RecipientStatus:
    recipient: str  # the address the report is about (Final-Recipient), lower-case
    action: str  # failed | delayed | delivered | relayed | expanded | complained
    status: str  # RFC 3463 enhanced status code such as "5.1.1"; "" when not given
    is_permanent: bool  # a failure that no retry will cure
    diagnostic: str = ""
    original_recipient: str = ""


@dataclass(frozen=True)
class DeliveryReport:
    kind: str  # "dsn" | "arf"
    original_message_id: str  # our Message-ID with <>, "" when the report does not quote it
    recipients: tuple[RecipientStatus, ...]
    reporting_mta: str = ""
    feedback_type: str = ""  # ARF: abuse, fraud, virus, other, not-spam, …
    is_heuristic: bool = False  # read from a plain-text bounce, not a structured report

    @property
    def is_permanent_failure(self) -> bool:
        return any(r.action in ("failed", COMPLAINED) and r.is_permanent for r in self.recipients)


def _fields(block: Message | str) -> dict[str, str]:
    """The fields of one block, lower-case names, first wins; values unparsed but decoded."""
    out: dict[str, str] = {}
    if isinstance(block, Message):
        items = [(k, str(v)) for k, v in block.raw_items()]
    else:
        items = []
        for line in re.sub(r"\r?\n[ \t]+", " ", block).splitlines():
            name, sep, value = line.partition(":")
            if sep and name.strip() and " " not in name.strip():
                items.append((name, value))
    for name, value in items:
        out.setdefault(name.strip().lower(), clean_text(" ".join(value.split()), limit=1000))
    return out


def _blocks(part: Message) -> list[dict[str, str]]:
    """The field blocks of a ``message/delivery-status`` or ``message/feedback-report`` part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [_fields(block) for block in payload if isinstance(block, Message)]
    text = payload if isinstance(payload, str) else part_text(part)
    return [_fields(chunk) for chunk in re.split(r"\r?\n\s*\r?\n", text) if chunk.strip()]


def _typed_address(value: str) -> str:
    """``rfc822; Jana@Example.com`` → ``jana@example.com`` (RFC 3464 address-type; value)."""
    found = addresses(value.partition(";")[2] or value)
    return found[0] if found else ""


def status_is_permanent(status: str, action: str) -> bool:
    """Class 5 is permanent (RFC 3463), class 4 transient; a failure without a code is final."""
    if status[:1] == "5":
        return True
    if status[:1] in ("2", "4"):
        return False
    return action == "failed"


def _status_from(text: str) -> str:
    match = _STATUS.search(text or "")
    return ".".join(match.groups()) if match else ""


def _original_id(parts: list[Message]) -> str:
    """Our Message-ID from the returned message or its headers."""
    for part in parts:
        ctype = content_type(part)
        if ctype in ("message/rfc822", "message/global"):
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                ids = message_ids(raw_header(payload[0], "Message-ID"))
                if ids:
                    return ids[0]
        elif ctype in ("text/rfc822-headers", "message/global-headers"):
            text = part_text(part)
            try:
                headers = HeaderParser(policy=policy.default).parsestr(text, headersonly=True)
                ids = message_ids(raw_header(headers, "Message-ID"))
            except PARSE_ERRORS:
                ids = ()
            if not ids:
                match = re.search(r"(?im)^message-id:\s*(<[^>\r\n]+>)", text)
                ids = message_ids(match.group(1)) if match else ()
            if ids:
                return ids[0]
    return ""


def _report_parts(msg: Message) -> list[Message]:
    payload = msg.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _report_type(msg: Message) -> str:
    try:
        return str(msg.get_param("report-type", "") or "").lower()
    except PARSE_ERRORS:
        match = re.search(r'report-type\s*=\s*"?([\w-]+)', raw_header(msg, "Content-Type"), re.IGNORECASE)
        return match.group(1).lower() if match else ""


def _find_report(msg: Message, depth: int = 0) -> Message | None:
    """The ``multipart/report`` part: the mail itself, or (some gateways wrap it) a child."""
    if content_type(msg) == "multipart/report":
        return msg
    if depth < 3 and content_type(msg).startswith("multipart/"):
        for part in _report_parts(msg):
            found = _find_report(part, depth + 1)
            if found is not None:
                return found
    return None


def _dsn(report: Message) -> DeliveryReport | None:
    parts = _report_parts(report)
    status_part = next((p for p in parts if content_type(p) in ("message/delivery-status", "message/global-delivery-status")), None)  # fmt: skip
    if status_part is None:
        return None
    blocks = _blocks(status_part)
    if not blocks:
        return None
    per_message = blocks[0] if "final-recipient" not in blocks[0] else {}
    recipients = []
    for block in blocks:
        if "final-recipient" not in block and "original-recipient" not in block:
            continue
        action = block.get("action", "").lower().split(" ")[0]
        diagnostic = block.get("diagnostic-code", "")
        status = _status_from(block.get("status", "")) or _status_from(diagnostic)
        if action not in ACTIONS:
            action = "failed" if status[:1] == "5" else "delayed" if status[:1] == "4" else action or "failed"
        recipients.append(
            RecipientStatus(
                recipient=_typed_address(block.get("final-recipient", "") or block.get("original-recipient", "")),
                original_recipient=_typed_address(block.get("original-recipient", "")),
                action=action,
                status=status,
                is_permanent=action == "failed" and status_is_permanent(status, action),
                diagnostic=diagnostic,
            )
        )  # fmt: skip
        if len(recipients) >= MAX_RECIPIENTS:
            break
    return DeliveryReport(
        kind="dsn",
        original_message_id=_original_id(parts),
        recipients=tuple(recipients),
        reporting_mta=per_message.get("reporting-mta", "").partition(";")[2].strip(),
    )


def _arf(report: Message) -> DeliveryReport | None:
    parts = _report_parts(report)
    feedback = next((p for p in parts if content_type(p) == "message/feedback-report"), None)
    if feedback is None:
        return None
    fields: dict[str, str] = {}
    for block in _blocks(feedback):
        for key, value in block.items():
            fields.setdefault(key, value)
    recipient = next(iter(addresses(fields.get("original-rcpt-to", ""))), "")
    original_id = _original_id(parts)
    if not recipient:
        # Reports often redact the recipient; the returned headers may still name it.
        for part in parts:
            if content_type(part) in ("message/rfc822", "text/rfc822-headers"):
                payload = part.get_payload()
                header_source = payload[0] if isinstance(payload, list) and payload else None
                to_value = raw_header(header_source, "To") if isinstance(header_source, Message) else ""
                if not to_value:
                    match = re.search(r"(?im)^to:\s*(.+)$", part_text(part))
                    to_value = match.group(1) if match else ""
                recipient = next(iter(addresses(to_value)), "")
                break
    return DeliveryReport(
        kind="arf",
        original_message_id=original_id,
        recipients=(RecipientStatus(recipient=recipient, action=COMPLAINED, status="", is_permanent=True),),
        reporting_mta=fields.get("reporting-mta", "").partition(";")[2].strip(),
        feedback_type=fields.get("feedback-type", "").lower(),
    )


def _plain_bounce(mail: ParsedMail) -> DeliveryReport | None:
    """A bounce without a structured report (qmail, old Exim, some gateways)."""
    msg = mail.message
    if msg is None:
        return None
    failed = addresses(header_text(msg, "X-Failed-Recipients"))
    looks_like_bounce = bool(_BOUNCE_SENDER.match(mail.from_address)) or bool(
        _BOUNCE_SUBJECT.search(mail.subject)
    )
    if not failed and not looks_like_bounce:
        return None
    text = mail.text
    status = _status_from(text)
    if not status:
        code = _SMTP_CODE.search(text)
        status = f"{code.group(1)}.0.0" if code else ""
    if not failed:
        # The first address the text names that is not the reporting server's.
        failed = tuple(a for a in addresses(text) if not _BOUNCE_SENDER.match(a))[:1]
    if not failed or (not status and not looks_like_bounce):
        return None
    action = "delayed" if status[:1] == "4" else "failed"
    ids = [i for i in message_ids(_returned_headers(msg)) if i != mail.message_id]
    return DeliveryReport(
        kind="dsn",
        original_message_id=ids[0] if ids else "",
        recipients=tuple(
            RecipientStatus(
                recipient=a,
                action=action,
                status=status,
                is_permanent=action == "failed" and status_is_permanent(status, action),
            )
            for a in failed[:MAX_RECIPIENTS]
        ),  # fmt: skip
        is_heuristic=True,
    )


def _returned_headers(msg: Message) -> str:
    """The text of every part, where a plain bounce quotes the original's headers."""
    chunks = []
    payload = msg.get_payload()
    parts = payload if isinstance(payload, list) else [msg]
    for part in parts[:20]:
        if not isinstance(part, Message):
            continue
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            chunks.append(raw_header(inner[0], "Message-ID"))
        else:
            text = part_text(part)
            chunks.extend(re.findall(r"(?im)^\s*message-id:\s*(<[^>\r\n]+>)", text))
    return " ".join(chunks)


def report_read(mail: ParsedMail) -> DeliveryReport | None:
    """The delivery report ``mail`` is, or None when it is not one."""
    msg = mail.message
    if msg is None:
        return None
    report = _find_report(msg)
    if report is not None:
        kind = _report_type(report)
        found = _arf(report) if kind == "feedback-report" else _dsn(report)
        if found is None:
            found = _dsn(report) or _arf(report)
        if found is not None and found.recipients:
            return found
    return _plain_bounce(mail)
