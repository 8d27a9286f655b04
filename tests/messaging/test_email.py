"""E-mail: headers, threading, attachments, and one message through a real SMTP server."""

import email
import random
import socket
import string
from email import policy
from email.policy import compat32

import pytest
from aiosmtpd.controller import Controller
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

from tact.messaging.channels.email import _POLICY, email_build, email_html, thread_headers
from tact.messaging.context import message_context
from tact.messaging.errors import AddressUnusable
from tact.messaging.links import reply_token_read
from tact.messaging.services import template_render

from .conftest import TODAY


@pytest.fixture
def mail_settings(settings, tmp_path):
    settings.TACT_REPLY_TO_DOMAIN = "reply.tact.example"
    settings.TACT_MESSAGE_ID_DOMAIN = "mail.tact.example"
    settings.DEFAULT_FROM_EMAIL = "tact <noreply@tact.example>"
    settings.MEDIA_ROOT = tmp_path
    return settings


def build(portfolio, creditor, language="de", **kw):
    debtor, items = portfolio[language]
    ctx = message_context(
        creditor=creditor, debtor=debtor, items=items, action_facts={"stage": "reminder"}, today=TODAY
    )
    rendered = template_render(
        key="reminder", language=language, tone="neutral", channel="email", context=ctx
    )
    return ctx, rendered, email_build(rendered=rendered, context=ctx, to=ctx.contact["email"], **kw)


def test_our_message_id_reply_to_and_both_parts(portfolio, in_scope, mail_settings):
    ctx, rendered, message = build(portfolio, in_scope)
    assert message.extra_headers["Message-ID"].endswith("@mail.tact.example>")
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    (reply_to,) = message.reply_to
    local, domain = reply_to.split("@")
    assert domain == "reply.tact.example" and local.startswith("reply+")
    assert reply_token_read(local.removeprefix("reply+")) == (in_scope.pk, portfolio["de"][0].pk)
    token = local.removeprefix("reply+")
    forged = token[:-1] + ("1" if token[-1] == "0" else "0")  # one hex digit changed, whatever it was
    assert reply_token_read(forged) is None
    assert message.from_email == "Acme Handels GmbH <noreply@tact.example>"
    assert message.body == rendered.text
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and rendered.html in html and "Acme Handels GmbH" in html


def test_a_follow_up_joins_the_thread_of_the_last_message():
    first = "<1.tact@mail.tact.example>"
    second = thread_headers(parent_message_id=first)
    assert second == {"In-Reply-To": first, "References": first}
    third = thread_headers(parent_message_id="<2.tact@x>", parent_references=second["References"])
    assert third["References"] == "<1.tact@mail.tact.example> <2.tact@x>"
    long = " ".join(f"<{n}@x>" for n in range(20))
    trimmed = thread_headers(parent_message_id="<20@x>", parent_references=long)["References"].split()
    assert len(trimmed) == 10 and trimmed[0] == "<0@x>" and trimmed[-1] == "<20@x>"


def test_the_invoice_pdfs_are_attached(portfolio, in_scope, mail_settings):
    invoice = portfolio["de"][1][0]
    invoice.pdf.save("re-1.pdf", ContentFile(b"%PDF-1.4 invoice"), save=True)
    _, _, message = build(portfolio, in_scope)
    assert message.attachments == [(f"{invoice.number}.pdf", b"%PDF-1.4 invoice", "application/pdf")]


def test_each_multipart_has_its_own_boundary_found_nowhere_in_its_text(portfolio, in_scope, mail_settings,
                                                                       monkeypatch):  # fmt: skip
    invoice = portfolio["de"][1][0]
    invoice.pdf.save("re-1.pdf", ContentFile(b"%PDF-1.4 invoice"), save=True)
    # The inner part (text and HTML) draws first; the outer one's first draw is the inner
    # one's boundary, which its text holds, so it draws again.
    draws = iter([7, 7, 8])
    monkeypatch.setattr("tact.messaging.channels.email.secrets.randbelow", lambda _n: next(draws))
    _, rendered, message = build(portfolio, in_scope)
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
    boundaries = [part.get_boundary() for part in parsed.walk() if part.is_multipart()]
    assert boundaries == ["=" * 15 + f"{n:019d}" + "==" for n in (8, 7)]
    assert parsed.get_body(("plain",)).get_content().rstrip("\n") == rendered.text
    (attachment,) = parsed.iter_attachments()
    assert attachment.get_content() == b"%PDF-1.4 invoice"


def test_headers_are_written_byte_for_byte_as_the_standard_policy_writes_them():
    pick = random.Random(11)
    alphabet = string.ascii_letters + string.digits + " \t;,.<>@=?-_\"'()\x0b\x0c\x1c\x7féü€\n\r"
    for _ in range(20000):
        name = pick.choice(["Subject", "To", "From", "Content-Type", "Message-ID", "References", "X-A"])
        value = "".join(pick.choice(alphabet) for _ in range(pick.randint(0, 90)))
        for ours, standard in (
            (_POLICY, compat32),
            (_POLICY.clone(linesep="\r\n"), compat32.clone(linesep="\r\n")),
        ):
            assert ours.fold(name, value) == standard.fold(name, value), (name, value)
            assert ours.fold_binary(name, value) == standard.fold_binary(name, value), (name, value)


def test_the_html_part_is_the_email_template_rendered_for_each_creditor_and_subject(portfolio, in_scope):
    ctx, rendered, _ = build(portfolio, in_scope)
    other = {**ctx.creditor, "name": "Zweite & Söhne <GmbH>", "primary_color": "#123456"}
    for creditor, subject in (
        (ctx.creditor, rendered.subject),
        (other, 'Mahnung <b>"1"</b> & Co'),
        (other, ""),
    ):
        data = {"body": rendered.html, "subject": subject, "language": "de", "creditor": creditor}
        assert email_html(**data) == render_to_string("messaging/email.html", data)


def test_a_whole_message_is_the_same_bytes_as_with_the_standard_policy(portfolio, in_scope, mail_settings):
    _, rendered, message = build(portfolio, in_scope)
    message.subject = "Zahlungserinnerung für Bäckerei Sommer GmbH, Kundennummer D-100, bitte bis Freitag"
    built = message.message()
    ours = built.as_bytes(linesep="\r\n")
    for part in built.walk():
        part.policy = compat32
    assert ours == built.as_bytes(linesep="\r\n")
    assert b"=?utf-8?" in ours  # the subject took the standard way


def as_django_builds_it(message, ours) -> bytes:
    """``message`` built by Django's own ``message()``, with the boundaries of ``ours``."""
    theirs = EmailMultiAlternatives.message(message)
    for mine, django in zip(ours.walk(), theirs.walk(), strict=True):
        if mine.is_multipart():
            django.set_boundary(mine.get_boundary())
    return theirs.as_bytes(linesep="\r\n")


@pytest.mark.parametrize("case", ["plain", "attachment", "long_line", "text_only", "ascii"])
def test_our_mime_is_the_same_bytes_as_djangos(portfolio, in_scope, mail_settings, case):
    _, rendered, message = build(portfolio, in_scope, attachments=[])
    message.extra_headers["Date"] = "Mon, 02 Mar 2026 10:00:00 +0100"
    if case == "attachment":
        message.attach("RE-1.pdf", b"%PDF-1.4 \xff\x00 invoice", "application/pdf")
    elif case == "long_line":
        html = message.alternatives.pop()[0]
        message.attach_alternative(html + "<p>" + "ä" * 600 + "</p>", "text/html")
    elif case == "text_only":
        message.alternatives = []
    elif case == "ascii":
        message.body, message.alternatives = "Hello,\nFrom here on.\n", []
        message.attach_alternative("<p>Hello</p>", "text/html")

    built = message.message()
    ours = built.as_bytes(linesep="\r\n")

    assert ours == as_django_builds_it(message, built)
    if case == "long_line":
        assert b"Content-Transfer-Encoding: quoted-printable" in ours
    if case == "ascii":
        assert b"Content-Transfer-Encoding: 7bit" in ours and b"\r\nFrom here on." in ours


def test_a_missing_address_is_refused(portfolio, in_scope, mail_settings):
    debtor, items = portfolio["de"]
    ctx = message_context(creditor=in_scope, debtor=debtor, items=items, action_facts={}, today=TODAY)
    rendered = template_render(key="reminder", language="de", tone="neutral", channel="email", context=ctx)
    with pytest.raises(AddressUnusable):
        email_build(rendered=rendered, context=ctx, to="")


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_a_real_smtp_server_receives_it_with_our_headers(portfolio, in_scope, mail_settings, smtp_server):
    controller, inbox = smtp_server
    invoice = portfolio["nl"][1][0]
    invoice.pdf.save("f-1.pdf", ContentFile(b"%PDF-1.4 factuur"), save=True)
    ctx, rendered, message = build(
        portfolio, in_scope, language="nl", thread=thread_headers(parent_message_id="<p@x>")
    )
    message.connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=controller.hostname,
        port=controller.port,
        timeout=5,
    )
    assert message.send() == 1
    (envelope,) = inbox.envelopes
    assert envelope.rcpt_tos == ["n-200@debtor.example"]
    received = email.message_from_bytes(envelope.content, policy=policy.default)
    assert received["Message-ID"] == message.extra_headers["Message-ID"]
    assert received["Reply-To"] == message.reply_to[0]
    assert (received["In-Reply-To"], received["References"]) == ("<p@x>", "<p@x>")
    assert received["Subject"] == rendered.subject
    plain = received.get_body(("plain",)).get_content()
    assert [line.rstrip() for line in plain.strip().splitlines()] == rendered.text.splitlines()
    assert "<table" in received.get_body(("html",)).get_content()
    (attachment,) = list(received.iter_attachments())
    assert attachment.get_filename() == f"{invoice.number}.pdf"
    assert attachment.get_content() == b"%PDF-1.4 factuur"
