"""Matching a mail to our message or debtor by its headers (no database)."""

from __future__ import annotations

from tact.messaging import links
from tact.messaging.inbound.matching import referenced_ids, reply_tokens
from tact.messaging.inbound.parsing import mail_parse


def mail(headers: str):
    return mail_parse((headers.strip() + "\r\n\r\nhi\r\n").encode())


def test_in_reply_to_comes_before_references_newest_first_and_only_our_ids_count():
    parsed = mail(
        "In-Reply-To: <3.tact@tact.localhost>\r\n"
        "References: <1.tact@tact.localhost> <x@gmail.example> <2.tact@tact.localhost>"
    )

    assert referenced_ids(parsed) == [
        "<3.tact@tact.localhost>",
        "<2.tact@tact.localhost>",
        "<1.tact@tact.localhost>",
    ]


def test_a_valid_reply_token_in_any_recipient_header_names_creditor_and_debtor(settings):
    settings.TACT_REPLY_TO_DOMAIN = "reply.acme.example"
    token = links.reply_token_make(creditor_id=7, debtor_id=42)
    parsed = mail(
        f"To: Acme <billing@acme.example>\r\nDelivered-To: REPLY+{token.upper()}@Reply.Acme.Example"
    )

    (found,) = reply_tokens(parsed)

    assert (found.creditor_id, found.debtor_id) == (7, 42)


def test_a_forged_or_foreign_token_matches_nothing(settings):
    settings.TACT_REPLY_TO_DOMAIN = "reply.acme.example"
    token = links.reply_token_make(creditor_id=7, debtor_id=42)
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")

    assert reply_tokens(mail(f"To: reply+{forged}@reply.acme.example")) == []
    assert reply_tokens(mail(f"To: reply+7-43-{token.split('-')[2]}@reply.acme.example")) == []
    assert reply_tokens(mail(f"To: reply+{token}@elsewhere.example")) == []
