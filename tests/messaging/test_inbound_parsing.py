"""Reading inbound mail: real-world shapes, delivery reports, quotes, and any bytes at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tact.messaging.inbound.matching import referenced_ids
from tact.messaging.inbound.parsing import mail_parse
from tact.messaging.inbound.quotes import reply_text
from tact.messaging.inbound.reports import report_read

DATA = Path(__file__).parent / "data"
OURS = "<20260302091500.4711.tact@tact.localhost>"


def read(name: str):
    return mail_parse((DATA / name).read_bytes())


def test_a_postfix_bounce_names_our_message_the_address_and_a_permanent_5_1_1():
    report = report_read(read("dsn_postfix.eml"))

    assert report.kind == "dsn"
    assert report.original_message_id == OURS
    assert report.reporting_mta == "mx1.acme-handel.example"
    (recipient,) = report.recipients
    assert (recipient.recipient, recipient.action, recipient.status) == (
        "d-100@debtor.example",
        "failed",
        "5.1.1",
    )
    assert recipient.is_permanent
    assert "User unknown" in recipient.diagnostic


def test_an_exchange_bounce_is_read_from_its_report_and_the_returned_message():
    report = report_read(read("dsn_exchange.eml"))

    assert report.original_message_id == OURS
    (recipient,) = report.recipients
    assert recipient.status == "5.1.10" and recipient.is_permanent
    assert report.is_permanent_failure


def test_a_delay_report_is_transient():
    report = report_read(read("dsn_gmail_delayed.eml"))

    (recipient,) = report.recipients
    assert (recipient.action, recipient.status, recipient.is_permanent) == ("delayed", "4.7.1", False)
    assert report.original_message_id == "<20260302091500.4712.tact@tact.localhost>"
    assert not report.is_permanent_failure


def test_an_arf_complaint_names_the_recipient_and_our_message():
    report = report_read(read("arf_complaint.eml"))

    assert (report.kind, report.feedback_type) == ("arf", "abuse")
    assert report.original_message_id == "<20260302091500.4713.tact@tact.localhost>"
    assert report.recipients[0].recipient == "b-300@debtor.example"
    assert report.recipients[0].action == "complained"


def test_a_plain_text_qmail_bounce_is_still_understood():
    report = report_read(read("bounce_plain_qmail.eml"))

    assert report.is_heuristic
    assert report.original_message_id == "<20260302091500.4714.tact@tact.localhost>"
    assert report.recipients[0].recipient == "a-400@debtor.example"
    assert report.recipients[0].status == "5.1.1" and report.recipients[0].is_permanent


@pytest.mark.parametrize("name", ["reply_outlook_de.eml", "reply_gmail_nl_html.eml", "autoreply_ooo_en.eml"])
def test_a_reply_is_not_taken_for_a_delivery_report(name):
    assert report_read(read(name)) is None


def test_an_outlook_reply_keeps_only_the_new_text_and_threads_to_our_message():
    mail = read("reply_outlook_de.eml")

    assert referenced_ids(mail) == [OURS]
    assert mail.from_address == "j.sommer@baeckerei-sommer.example"
    text = reply_text(mail.text)
    assert text.startswith("Guten Tag Frau Hoffmann,")
    assert "bereits am 27.02. überwiesen" in text
    assert "Sehr geehrte Frau Sommer" not in text and "Gesendet:" not in text


def test_an_html_only_gmail_reply_loses_the_blockquote_and_the_attribution():
    mail = read("reply_gmail_nl_html.eml")

    text = reply_text(mail.text)
    assert "betalingsregeling" in text
    assert "schreef" not in text and "nog niet ontvangen" not in text


def test_an_out_of_office_answer_is_an_automatic_reply():
    assert read("autoreply_ooo_en.eml").is_auto_reply
    assert not read("reply_outlook_de.eml").is_auto_reply


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Ich zahle Freitag.\n\nAm 2. März 2026 um 10:15 schrieb Acme <a@b.de>:\n> Sehr geehrte",
            "Ich zahle Freitag.",
        ),
        ("Betaal morgen.\n\nOp ma 2 mrt 2026 om 10:15 schreef Acme <\na@b.nl>:\n> Beste", "Betaal morgen."),
        (
            "Je paie demain.\n\nEnvoyé de mon iPhone\n\nLe 2 mars 2026 à 10:15, Acme a écrit :\n> x",
            "Je paie demain.",
        ),
        ("Paid yesterday.\n-- \nMartin Gruber\nTischlerei", "Paid yesterday."),
        ("> Which invoice?\nRE-1042, paid today.", "RE-1042, paid today."),
        ("Ok.\n\n-----Original Message-----\nFrom: Acme", "Ok."),
    ],
)
def test_quotes_and_signatures_are_cut_in_every_language(text, expected):
    assert reply_text(text) == expected


def test_a_mail_over_the_size_limit_is_read_for_its_headers_only():
    raw = (DATA / "reply_outlook_de.eml").read_bytes() + b"x" * 5000

    mail = mail_parse(raw, limit=1000)

    assert mail.too_large and mail.text == ""
    assert mail.in_reply_to == (OURS,)


def test_undecodable_bytes_and_nul_characters_come_out_storable():
    raw = b"From: \xff\xfe <x@y.example>\r\nSubject: caf\xe9 \x00 \xc3\r\nContent-Type: text/plain; charset=klingon\r\n\r\nbody \x00\xff"

    mail = mail_parse(raw)

    for value in (mail.subject, mail.text, mail.from_name):
        value.encode("utf-8")  # no lone surrogates
        assert "\x00" not in value
    assert "body" in mail.text


def test_parts_nested_thousands_deep_do_not_exhaust_the_stack():
    depth = 3000
    head = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(depth))
    raw = ("Subject: deep\r\n" + head + "Content-Type: text/plain\r\n\r\nhi\r\n").encode()

    mail = mail_parse(raw)

    assert mail.subject == "deep"
    assert any("deeper" in p or "MIME" in p or "unreadable" in p for p in mail.problems)


_header_line = st.builds(
    lambda name, value: name + b": " + value,
    st.sampled_from([b"From", b"To", b"Subject", b"Message-ID", b"In-Reply-To", b"References", b"Date",
                     b"Content-Type", b"Content-Transfer-Encoding", b"Auto-Submitted", b"X-Failed-Recipients"]),
    st.binary(max_size=80) | st.sampled_from([b"=?utf-8?q?=FF?=", b"multipart/report; report-type=delivery-status; boundary=\"b\"",
                                              b"<a@b> <c@", b"\"\\\"@", b"=?x?b?!!?=", b"message/delivery-status"]),
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    headers=st.lists(_header_line, max_size=8),
    body=st.binary(max_size=400)
    | st.sampled_from(
        [b"--b\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\n\r\n--b--", b"--b\r\n\r\n"]
    ),
)
def test_any_bytes_are_read_without_an_exception(headers, body):
    raw = b"\r\n".join(headers) + b"\r\n\r\n" + body

    mail = mail_parse(raw)
    report_read(mail)
    reply_text(mail.text)

    for value in (mail.subject, mail.text, mail.from_address, mail.from_name, *mail.problems):
        assert "\x00" not in value
        value.encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_are_read_without_an_exception(raw):
    mail = mail_parse(raw)
    assert report_read(mail) is None or mail.message is not None
    assert mail.size == len(raw)
