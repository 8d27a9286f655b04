"""E-mail: a multipart message (plain text and HTML) with our own Message-ID, a Reply-To
that routes answers back to tact, threading headers and the invoices' PDFs attached.

Building is separate from sending: the outbox (next step of issue 5) stores the
Message-ID before it hands the message to Django's mail backend.
"""

from __future__ import annotations

import mimetypes
import re
import secrets
import sys
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import Message
from email.policy import Compat32
from email.utils import formataddr, formatdate, getaddresses, make_msgid, parseaddr
from functools import lru_cache
from io import BytesIO

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, SafeMIMEMultipart, SafeMIMEText
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from .. import links
from ..context import MessageContext
from ..errors import AddressUnusable
from ..rendering import Rendered

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # many receiving servers refuse more than 10-25 MB in total
MAX_REFERENCES = 10


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


def message_id_make() -> str:
    """A new Message-ID in tact's own domain, e.g. ``<172…@tact.example>``."""
    return make_msgid(idstring="tact", domain=links.message_id_domain())


def thread_headers(*, parent_message_id: str, parent_references: str = "") -> dict[str, str]:
    """``In-Reply-To`` and ``References`` that put a message in the thread of ``parent``.

    References keep the thread's first id and the most recent ones (RFC 5322 §3.6.4 allows
    trimming; mail clients thread on the first and the last).
    """
    ids = [i for i in parent_references.split() if i.startswith("<")] + [parent_message_id]
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_REFERENCES:
        ids = ids[:1] + ids[-(MAX_REFERENCES - 1) :]
    return {"In-Reply-To": parent_message_id, "References": " ".join(ids)}


def invoice_attachments(context: MessageContext) -> list[Attachment]:
    """The stored PDFs of the message's items, as long as they fit the size limit together."""
    out: list[Attachment] = []
    total = 0
    for item in context.items:
        if not item.pdf_name or not default_storage.exists(item.pdf_name):
            continue
        with default_storage.open(item.pdf_name, "rb") as handle:
            content = handle.read()
        if total + len(content) > MAX_ATTACHMENT_BYTES:
            break
        total += len(content)
        mimetype = mimetypes.guess_type(item.pdf_name)[0] or "application/pdf"
        out.append(Attachment(f"{item.number}.pdf", content, mimetype))
    return out


class _Email(EmailMultiAlternatives):
    """Django's e-mail, built into MIME more directly than Django builds it, and written to
    bytes with ``_Compat32``.

    ``message()`` gives the same structure, headers and bytes as Django's (a test compares
    them) — multipart/alternative (text, HTML), inside multipart/mixed with attachments —
    but makes the text parts itself: Django's ``SafeMIMEText`` runs every header through
    its injection check and the body through a charset object, which was a quarter of an
    e-mail's time. Parts Django would encode (a line over 998 bytes: quoted-printable) and
    the attachments are still Django's own.

    The multipart boundaries are chosen when the message is built: left to itself, the
    standard library's generator compiles a new regular expression for every boundary it
    makes, to check that no line of the parts repeats it. Ours have the same form, and none
    occurs anywhere in the parts' text or headers (a stricter check than the standard
    library's).
    """

    def message(self, *args, **kwargs):
        if args or kwargs or self.encoding not in (None, "utf-8") or settings.DEFAULT_CHARSET != "utf-8":
            msg = super().message(*args, **kwargs)  # what Django 6 may add; another charset
        else:
            msg = self._message()
        for part in reversed(list(msg.walk())):  # inner parts first, as the generator does
            if part.is_multipart() and part.get_boundary() is None:
                part.set_boundary(_boundary(part))
            part.policy = _POLICY
        return msg

    def _message(self):
        body = _text_part(self.body, self.content_subtype) or SafeMIMEText(
            self.body, self.content_subtype, "utf-8"
        )
        msg = body
        if self.alternatives:
            msg = _Multipart(_subtype=self.alternative_subtype, encoding="utf-8")
            if self.body:
                msg.attach(body)
            for content, mimetype in self.alternatives:
                part = _text_part(content, mimetype[5:]) if mimetype.startswith("text/") else None
                msg.attach(part if part is not None else self._create_mime_attachment(content, mimetype))
        msg = self._create_attachments(msg)  # Django's own (multipart/mixed): rare, and binary
        msg["Subject"] = self.subject
        msg["From"] = self.extra_headers.get("From", self.from_email)
        self._set_list_header_if_not_empty(msg, "To", self.to)
        self._set_list_header_if_not_empty(msg, "Cc", self.cc)
        self._set_list_header_if_not_empty(msg, "Reply-To", self.reply_to)
        names = {key.lower() for key in self.extra_headers}
        if "date" not in names:
            msg["Date"] = formatdate(localtime=settings.EMAIL_USE_LOCALTIME)
        if "message-id" not in names:
            msg["Message-ID"] = message_id_make()
        for name, value in self.extra_headers.items():
            if name.lower() not in {"from", "to", "cc", "reply-to"}:
                msg[name] = value
        return msg


def _text_part(content: str, subtype: str) -> SafeMIMEText | None:
    """A text/<subtype> part in UTF-8 as Django's ``SafeMIMEText`` makes it (headers
    Content-Type, MIME-Version, Content-Transfer-Encoding 7bit or 8bit; the text stored
    as bytes in a str, as the standard library stores 8bit text), or None where Django
    would encode it (a line longer than RFC 5322 allows)."""
    data = content.encode("utf-8")
    limit = RFC5322_EMAIL_LINE_LENGTH_LIMIT
    # Bytes split only at CR and LF, text also at other breaks: no long byte line, no long
    # text line. Only then Django's own test, on the text.
    if (
        len(data) > limit
        and max(map(len, data.splitlines())) > limit
        and any(len(line.encode(errors="surrogateescape")) > limit for line in content.splitlines())
    ):
        return None
    # Django's class (its own bytes writer keeps "From " lines as they are), without its
    # constructor: these three headers need no injection check.
    part = _Text.__new__(_Text)
    Message.__init__(part, policy=_POLICY)
    part.encoding = "utf-8"
    for name, value in (
        ("Content-Type", f'text/{subtype}; charset="utf-8"'),
        ("MIME-Version", "1.0"),
        ("Content-Transfer-Encoding", "7bit" if data.isascii() else "8bit"),
    ):
        Message.__setitem__(part, name, value)
    part.set_payload(data.decode("ascii", "surrogateescape"))
    return part


class _Generator(BytesGenerator):
    """The standard library's bytes writer, writing a text without CR in one piece (its
    LFs made the line separator) instead of splitting it into lines with a regular
    expression and writing line by line: the same bytes (a test compares them), and
    most of a part's writing time saved."""

    def _write_lines(self, lines):
        if "\r" in lines:
            return super()._write_lines(lines)
        self.write(lines if self._NL == "\n" else lines.replace("\n", self._NL))
        return None


class _Bytes:
    """``as_bytes`` as Django's (no "From " mangling), with ``_Generator``."""

    def as_bytes(self, unixfrom=False, linesep="\n"):
        out = BytesIO()
        _Generator(out, mangle_from_=False).flatten(self, unixfrom=unixfrom, linesep=linesep)
        return out.getvalue()


class _Multipart(_Bytes, SafeMIMEMultipart):
    pass


class _Text(_Bytes, SafeMIMEText):
    pass


class _Compat32(Compat32):
    """The policy Django's e-mails use, writing a header that needs no folding (ASCII,
    printable, one short line: most of them) as it is, without building a ``Header`` for
    it: that was half the time of turning a message into bytes. The same bytes (a test
    compares them)."""

    def fold(self, name, value):
        if self._is_plain(name, value):
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name, value):
        if self._is_plain(name, value):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)

    def _is_plain(self, name: str, value) -> bool:
        return (
            isinstance(value, str)
            and bool(self.max_line_length)
            and len(name) + 2 + len(value) <= self.max_line_length
            and _PRINTABLE.fullmatch(value) is not None
        )


_POLICY = _Compat32()
_PRINTABLE = re.compile(r"[\t\x20-\x7e]*")


def _boundary(multipart) -> str:
    texts = []
    for part in multipart.walk():
        texts += [str(value) for _name, value in part.raw_items()]  # as stored: no parsing
        if not part.is_multipart():
            texts.append(str(part.get_payload()))
    text = "\n".join(texts)
    while True:
        boundary = "=" * 15 + f"{secrets.randbelow(sys.maxsize):019d}" + "=="
        if boundary not in text:
            return boundary


# What the e-mail frame (``messaging/email.html``) reads of the creditor.
_FRAME_FACTS = (
    "name",
    "street",
    "postal_code",
    "city",
    "registration",
    "vat_id",
    "primary_color",
    "accent_color",
)
_SUBJECT_SLOT = "\ue010subject\ue011"
_BODY_SLOT = "\ue010body\ue011"


@lru_cache(maxsize=256)
def _frame(language: str, facts: tuple[tuple[str, str], ...]) -> tuple[str, str, str]:
    """The e-mail frame of one creditor and language around its two slots: the same for
    every message of a run, so rendered once, not per message."""
    page = render_to_string(
        "messaging/email.html",
        {
            "body": mark_safe(_BODY_SLOT),  # noqa: S308 - our own constant: the body goes in unescaped
            "subject": _SUBJECT_SLOT,
            "language": language,
            "creditor": dict(facts),
        },
    )
    head, rest = page.split(_SUBJECT_SLOT)
    middle, tail = rest.split(_BODY_SLOT)
    return head, middle, tail


def email_html(*, body: str, subject: str, language: str, creditor: dict) -> str:
    """The HTML part: ``body`` (HTML) in the creditor's frame, as ``messaging/email.html``
    renders it (the subject escaped as the template escapes it)."""
    head, middle, tail = _frame(language, tuple((key, creditor[key]) for key in _FRAME_FACTS))
    return f"{head}{conditional_escape(subject)}{middle}{body}{tail}"


def _sender(context: MessageContext) -> str:
    """The creditor's name with the address we may send from (our domain keeps SPF/DKIM true)."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@tact.localhost"
    return formataddr((context.creditor["name"], address))


def email_build(
    *,
    rendered: Rendered,
    context: MessageContext,
    to: str,
    message_id: str | None = None,
    thread: dict[str, str] | None = None,
    attachments: list[Attachment] | None = None,
) -> EmailMultiAlternatives:
    """The e-mail for ``rendered`` (channel email) to ``to``, not yet sent.

    Headers: our ``Message-ID`` (new unless given), ``Reply-To: reply+<token>@<reply domain>``
    so an answer reaches tact and names the debtor, ``Auto-Submitted: auto-generated``
    (RFC 3834: no auto-replies to us), ``In-Reply-To``/``References`` from ``thread``
    (see ``thread_headers``). Attachments default to the items' invoice PDFs.

    Raises AddressUnusable when ``to`` is not one e-mail address.
    """
    parsed = getaddresses([to])
    if len(parsed) != 1 or "@" not in parsed[0][1]:
        raise AddressUnusable(channel="email", detail=f"{to!r} is not one e-mail address")
    headers = {
        "Message-ID": message_id or message_id_make(),
        "Auto-Submitted": "auto-generated",
        "Content-Language": rendered.language,
        **(thread or {}),
    }
    html = email_html(
        body=rendered.html, subject=rendered.subject, language=rendered.language, creditor=context.creditor
    )
    message = _Email(
        subject=rendered.subject,
        body=rendered.text,
        from_email=_sender(context),
        to=[to],
        reply_to=[links.reply_address(token=context.reply_token)],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    for attachment in invoice_attachments(context) if attachments is None else attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    return message
