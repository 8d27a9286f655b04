"""Reading a raw e-mail safely: any bytes in, a ``ParsedMail`` out, never an exception.

Inbound mail is written by strangers. The parser is the standard library's
(``email.parser.BytesParser`` with ``policy.default``), which reads MIME without any network
access; around it, this module caps the size, the number of parts and their depth, falls back
to the raw header when the modern header parser gives up, and removes what PostgreSQL cannot
store (NUL characters, lone surrogates left by undecodable bytes). What went wrong is kept in
``problems`` so a person can see why a message looks odd.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.errors import MessageError
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from django.conf import settings

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_PARTS = 500
MAX_DEPTH = 12
MAX_TEXT_CHARS = 200_000
MAX_HEADER_CHARS = 998  # RFC 5322 line limit; longer values are cut
MAX_IDS = 50

# What the header parser of policy.default raises on hostile input (it has had bugs that
# surface as IndexError or AttributeError); the raw header is used instead.
PARSE_ERRORS = (
    MessageError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    LookupError,
    AssertionError,
    UnicodeError,
    RecursionError,
)

_MSGID = re.compile(r"<([^<>\s@]{1,250}@[^<>\s@]{1,250})>")
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,128}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253})")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

RECIPIENT_HEADERS = (
    "To",
    "Cc",
    "Delivered-To",
    "X-Original-To",
    "Envelope-To",
    "X-Envelope-To",
    "X-Forwarded-To",
    "Resent-To",
)
AUTO_SUBJECTS = re.compile(
    r"^\s*(automatic reply|auto(matic)?[- ]?reply|out of (the )?office|automatische antwort|"
    r"abwesenheitsnotiz|abwesend|automatisch antwoord|afwezig(heidsmelding)?|"
    r"r[ée]ponse automatique|absence du bureau|absent)\b",
    re.IGNORECASE,
)


def clean_text(value: str, *, limit: int | None = None) -> str:
    """``value`` as text a database can store: lone surrogates (from undecodable bytes)
    become U+FFFD, control characters other than tab and newlines go."""
    if not value:
        return ""
    value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    value = value.encode("utf-8", "replace").decode("utf-8")
    value = _CONTROL.sub("", value)
    return value[:limit] if limit else value


def max_bytes() -> int:
    return int(getattr(settings, "TACT_INBOUND_MAX_BYTES", DEFAULT_MAX_BYTES))


@dataclass(frozen=True)
class ParsedMail:
    """The parts of a mail tact acts on. Strings are always storable; ids keep their ``<>``."""

    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    from_address: str
    from_name: str
    recipients: tuple[str, ...]  # lower-case addresses from To, Cc, Delivered-To, …
    subject: str
    sent_at: datetime | None
    text: str  # the body as plain text, quotes still in (see ``quotes.reply_text``)
    content_type: str
    is_auto_reply: bool
    size: int
    too_large: bool
    problems: tuple[str, ...]
    message: Message | None = field(default=None, repr=False, compare=False)

    def header(self, name: str) -> str:
        return header_text(self.message, name) if self.message is not None else ""


def header_text(msg: Message, name: str) -> str:
    """The decoded value of header ``name`` ("" if absent), never raising."""
    try:
        value = msg.get(name)
    except PARSE_ERRORS:
        value = None
        raw = raw_header(msg, name)
        if raw:
            try:
                value = str(make_header(decode_header(raw)))
            except PARSE_ERRORS:
                value = raw
    return clean_text(" ".join(str(value or "").split()), limit=MAX_HEADER_CHARS * 4)


def raw_header(msg: Message, name: str) -> str:
    """The header as it came, unparsed (the first of that name)."""
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            return clean_text(str(value))
    return ""


def raw_headers(msg: Message, name: str) -> list[str]:
    wanted = name.lower()
    return [clean_text(str(v)) for k, v in msg.raw_items() if k.lower() == wanted]


def message_ids(value: str) -> tuple[str, ...]:
    """Every ``<id@host>`` in a header value, in order, without repeats."""
    found = ["<" + m.group(1) + ">" for m in _MSGID.finditer(value or "")]
    return tuple(dict.fromkeys(found))[:MAX_IDS]


def addresses(value: str) -> tuple[str, ...]:
    """The e-mail addresses in a header value, lower-case, in order, without repeats."""
    found = [a.strip(".").lower() for a in _ADDRESS.findall(value or "")]
    return tuple(dict.fromkeys(a for a in found if "@" in a and not a.endswith("@")))


def _from(msg: Message) -> tuple[str, str]:
    raw = raw_header(msg, "From")
    value = header_text(msg, "From")
    try:
        pairs = getaddresses([value])
    except PARSE_ERRORS:
        pairs = []
    for name, address in pairs:
        if "@" in address:
            return address.lower(), clean_text(name, limit=200)
    found = addresses(value) or addresses(raw)
    return (found[0] if found else ""), ""


def _date(msg: Message, problems: list[str]) -> datetime | None:
    raw = raw_header(msg, "Date")
    if not raw:
        return None
    try:
        value = parsedate_to_datetime(raw)
    except PARSE_ERRORS:
        problems.append("unreadable Date header")
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not (1990 <= value.year <= 2200):
        problems.append("Date header out of range")
        return None
    return value


def is_auto_reply(msg: Message, subject: str) -> bool:
    """An automatic answer (RFC 3834 ``Auto-Submitted``, the vendors' X- headers, an
    out-of-office subject): not a person talking to us."""
    auto = header_text(msg, "Auto-Submitted").lower()
    if auto and not auto.startswith("no"):
        return True
    if header_text(msg, "X-Autoreply") or header_text(msg, "X-Autorespond"):
        return True
    if header_text(msg, "Precedence").lower() in ("auto_reply", "bulk", "junk"):
        return True
    return bool(AUTO_SUBJECTS.search(subject))


# -- the body -------------------------------------------------------------------------------

_TYPE = re.compile(r"^\s*([a-z0-9!#$&^_.+-]+)/([a-z0-9!#$&^_.+-]+)", re.IGNORECASE)


def content_type(part: Message) -> str:
    """``maintype/subtype`` of a part, lower-case; ``text/plain`` when unreadable (RFC 2045)."""
    try:
        return part.get_content_type()
    except PARSE_ERRORS:
        match = _TYPE.match(raw_header(part, "Content-Type"))
        return f"{match.group(1)}/{match.group(2)}".lower() if match else "text/plain"


def _charset(part: Message) -> str:
    try:
        return part.get_content_charset() or "utf-8"
    except PARSE_ERRORS:
        return "utf-8"


def leaf_parts(msg: Message, problems: list[str]) -> Iterator[Message]:
    """The non-multipart parts of ``msg`` in order, not descending into attached messages
    (``message/*``: a forwarded or bounced original is not the sender's text), at most
    ``MAX_PARTS`` of them and ``MAX_DEPTH`` deep."""
    stack: list[tuple[Message, int]] = [(msg, 0)]
    seen = 0
    while stack:
        part, depth = stack.pop()
        seen += 1
        if seen > MAX_PARTS:
            problems.append(f"more than {MAX_PARTS} parts; the rest was not read")
            return
        maintype = content_type(part).split("/")[0]
        if part.is_multipart() and maintype == "multipart":
            if depth >= MAX_DEPTH:
                problems.append(f"parts nested deeper than {MAX_DEPTH}; not read")
                continue
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend((child, depth + 1) for child in reversed(children))
            continue
        if maintype == "message":
            continue
        yield part


def part_text(part: Message) -> str:
    """The decoded text of a ``text/*`` part, whatever its charset claims."""
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else None
        if isinstance(content, str):
            return content
    except PARSE_ERRORS:
        pass
    try:
        payload = part.get_payload(decode=True)
    except PARSE_ERRORS:
        payload = None
    if isinstance(payload, bytes):
        charset = _charset(part)
        try:
            return payload.decode(charset, "replace")
        except LookupError:
            return payload.decode("utf-8", "replace")
    raw = part.get_payload()
    return raw if isinstance(raw, str) else ""


def _is_attachment(part: Message) -> bool:
    disposition = raw_header(part, "Content-Disposition").lower()
    return disposition.startswith("attachment")


def body_text(msg: Message, problems: list[str]) -> tuple[str, str]:
    """(text, content type used): the first plain-text part, else the first HTML part as text."""
    html = ""
    for part in leaf_parts(msg, problems):
        maintype, _, subtype = content_type(part).partition("/")
        if maintype != "text" or _is_attachment(part):
            continue
        if subtype == "plain":
            return part_text(part), "text/plain"
        if subtype == "html" and not html:
            html = part_text(part)
    if html:
        return html_to_text(html), "text/html"
    return "", ""


class _HtmlText(HTMLParser):
    """HTML to plain text: block elements become line breaks, a ``blockquote`` (quoted
    mail in Gmail, Apple Mail, Thunderbird) becomes ``>``-prefixed lines."""

    BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr"})
    SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.quote = 0
        self.skip = 0

    def _newline(self) -> None:
        self.lines.append("")

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        elif tag == "blockquote":
            self.quote += 1
            self._newline()
        elif tag in self.BLOCKS:
            self._newline()

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
            self._newline()
        elif tag in self.BLOCKS:
            self._newline()

    def handle_data(self, data):
        if self.skip:
            return
        for i, piece in enumerate(data.replace("\r", "").split("\n")):
            if i:
                self._newline()
            if not self.lines[-1] and self.quote and piece.strip():
                self.lines[-1] = "> " * self.quote
            self.lines[-1] += " ".join(piece.split()) if piece.strip() else ""


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    try:
        parser.feed(html[: MAX_TEXT_CHARS * 4])
        parser.close()
    except PARSE_ERRORS:
        pass
    lines = [line.rstrip() for line in parser.lines]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# -- the whole mail -------------------------------------------------------------------------


def _parse(raw: bytes, problems: list[str], *, headers_only: bool) -> Message:
    try:
        if headers_only:
            return BytesHeaderParser(policy=policy.default).parsebytes(raw)
        return BytesParser(policy=policy.default).parsebytes(raw)
    except PARSE_ERRORS as exc:
        problems.append(f"unreadable MIME structure ({type(exc).__name__}); headers only")
    try:
        return BytesHeaderParser(policy=policy.default).parsebytes(raw[:65536])
    except PARSE_ERRORS:
        problems.append("unreadable headers")
        return EmailMessage()


def mail_parse(raw: bytes, *, limit: int | None = None) -> ParsedMail:
    """Read ``raw`` (any bytes). Mail over ``limit`` bytes (default ``TACT_INBOUND_MAX_BYTES``,
    10 MB) is read for its headers only and flagged ``too_large``."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise TypeError("mail_parse reads bytes")
    raw = bytes(raw)
    limit = max_bytes() if limit is None else limit
    problems: list[str] = []
    too_large = len(raw) > limit
    if too_large:
        problems.append(f"{len(raw)} bytes is over the limit of {limit}; headers only")
    msg = _parse(raw, problems, headers_only=too_large)
    if msg.defects:
        problems.append("MIME defects: " + ", ".join(sorted({type(d).__name__ for d in msg.defects})))
    subject = clean_text(header_text(msg, "Subject"), limit=MAX_HEADER_CHARS)
    from_address, from_name = _from(msg)
    recipients: list[str] = []
    for name in RECIPIENT_HEADERS:
        for value in raw_headers(msg, name):
            recipients.extend(addresses(value))
    text, content_type = ("", "") if too_large else body_text(msg, problems)
    ids = message_ids(raw_header(msg, "Message-ID"))
    return ParsedMail(
        message_id=ids[0] if ids else "",
        in_reply_to=message_ids(raw_header(msg, "In-Reply-To")),
        references=message_ids(" ".join(raw_headers(msg, "References"))),
        from_address=from_address,
        from_name=from_name,
        recipients=tuple(dict.fromkeys(recipients)),
        subject=subject,
        sent_at=_date(msg, problems),
        text=clean_text(text, limit=MAX_TEXT_CHARS),
        content_type=content_type,
        is_auto_reply=is_auto_reply(msg, subject),
        size=len(raw),
        too_large=too_large,
        problems=tuple(clean_text(p, limit=300) for p in problems),
        message=msg,
    )
