# ruff: noqa: F811  (the smtp_peer fixture is imported, then requested by name)
"""POST /api/v1/inbound/mail: a mail provider's inbound route hands tact the raw message."""

from __future__ import annotations

from tact.dunning.models import Hold
from tact.messaging.inbound.models import InboundMessage
from tact.messaging.sending import outbox_send
from tact.tenancy.models import Role
from tests.api.conftest import make_api

from .outbox_support import SEND_AT, clock_at, portfolio_with_actions, smtp_peer  # noqa: F401
from .test_inbound_services import reply_to, sent_email

URL = "/api/v1/inbound/mail"


def post(client, token, raw: bytes):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(URL, data=raw, content_type="message/rfc822", headers=headers)


def test_a_posted_reply_is_received_for_the_tokens_creditor(client, in_scope, smtp_peer):
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    outbox_send(now=clock_at(SEND_AT))
    raw = reply_to(sent_email(smtp_peer, debtor), "Je paierai vendredi.")
    token = make_api(in_scope).plaintext

    first, again = post(client, token, raw), post(client, token, raw)

    assert first.status_code == 201 and again.status_code == 200
    body = first.json()
    assert (body["kind"], body["debtor"], body["intent"]) == ("reply", debtor.number, "promise")
    assert body["actions"] == ["hold:recent_contact"] and again.json()["created"] is False
    assert Hold.objects.filter(debtor=debtor, reason="recent_contact").count() == 1


def test_a_read_only_token_or_none_may_not_post_mail(client, in_scope):
    reader = make_api(in_scope, role=Role.READ_ONLY).plaintext

    assert post(client, reader, b"Subject: x\r\n\r\ny").status_code == 403
    assert post(client, None, b"Subject: x\r\n\r\ny").status_code == 401
    assert InboundMessage.objects.count() == 0


def test_a_mail_far_over_the_limit_is_refused_with_413(client, in_scope, settings):
    settings.TACT_INBOUND_MAX_BYTES = 100

    response = post(client, make_api(in_scope).plaintext, b"Subject: big\r\n\r\n" + b"x" * 1000)

    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
