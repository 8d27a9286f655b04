# ruff: noqa: F811  (the smtp_peer fixture is imported, then requested by name)
"""Every message carries its own portal link: the token names the message, and the portal
records which message a visitor followed."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime

import pytest
from django.utils.crypto import salted_hmac
from django_scopes import scope, scopes_disabled

from tact.audit.models import AuditEvent
from tact.messaging.context import message_context
from tact.messaging.links import portal_token, portal_token_read, reply_token_make
from tact.messaging.models import Message
from tact.messaging.sending import outbox_send

from .conftest import TODAY
from .outbox_support import SEND_AT, clock_at, portfolio_with_actions, smtp_peer  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
PORTAL_LINK = re.compile(r"https?://\S+?/p/([0-9a-z-]+)/")


def test_the_links_of_a_context_name_its_message(portfolio, in_scope):
    debtor, items = portfolio["de"]

    first, second, preview = (
        message_context(
            creditor=in_scope, debtor=debtor, items=items, action_facts={}, today=TODAY, message_id=message_id
        )  # fmt: skip
        for message_id in (11, 12, None)
    )

    for ctx, message_id in ((first, 11), (second, 12), (preview, None)):
        for url in (ctx.payment.portal_url, ctx.payment.pay_url, ctx.payment.short_url):
            token = url.rstrip("/").removesuffix("/pay").rsplit("/", 1)[1]
            link = portal_token_read(token)
            assert (link.debtor_id, link.message_id) == (debtor.pk, message_id), url
    assert first.payment.portal_url != second.payment.portal_url


def test_each_sent_email_links_to_the_portal_with_its_own_message(in_scope, smtp_peer):
    debtors = portfolio_with_actions(in_scope, debtors=3)

    outbox_send(now=clock_at(SEND_AT))

    received = smtp_peer.inbox.messages()
    assert len(received) == 3
    seen = set()
    for mail in received:
        message = Message.objects.get(message_id=mail["Message-ID"])
        text = mail.get_body(("plain",)).get_content()
        tokens = set(PORTAL_LINK.findall(text))
        assert tokens, text
        for token in tokens:
            link = portal_token_read(token)
            assert (link.debtor_id, link.message_id) == (message.debtor_id, message.pk)
        html = mail.get_body(("html",)).get_content()
        assert tokens <= set(PORTAL_LINK.findall(html))
        seen.add(message.pk)
    assert {m.debtor_id for m in Message.objects.filter(pk__in=seen)} == {d.pk for d in debtors}


def test_the_portal_records_the_message_a_visitor_came_from(in_scope, smtp_peer, client):
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    outbox_send(now=clock_at(SEND_AT))
    [mail] = smtp_peer.inbox.messages()
    message = Message.objects.get(message_id=mail["Message-ID"])
    token = PORTAL_LINK.search(mail.get_body(("plain",)).get_content()).group(1)

    with scopes_disabled():  # the request enters its own scope
        response = client.get(f"/p/{token}/")

    assert response.status_code == 200
    with scope(creditor=in_scope):
        opened = AuditEvent.objects.get(action="portal_opened", subject_id=str(debtor.pk))
    assert opened.after["message"] == message.pk


@pytest.mark.parametrize("secret", ["first secret of this test", "second secret of this test"])
def test_links_are_signed_as_djangos_salted_hmac_signs_them(settings, secret):
    # Links already printed on paper must stay valid: the MACs are Django's salted HMACs.
    settings.SECRET_KEY = secret
    token = portal_token(debtor_id=42, message_id=7, issued_at=datetime(2025, 12, 1, tzinfo=UTC))
    link_id, mac = token.rsplit("-", 1)
    digest = salted_hmac("tact.messaging.portal.v2", link_id, algorithm="sha256").digest()
    assert mac == base64.b32encode(digest[:10]).decode().lower()
    reply = reply_token_make(creditor_id=3, debtor_id=42)
    assert reply == f"3-42-{salted_hmac('tact.messaging.reply', '3-42').hexdigest()[:16]}"
