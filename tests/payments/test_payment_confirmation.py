"""An online payment is confirmed to the debtor on its channel, in its language, once."""

from __future__ import annotations

import pytest
from django.core import mail
from django_scopes import scope

from tact.messaging.models import Message
from tests.payments.test_webhook import deliver, start

pytestmark = pytest.mark.django_db  # the payments conftest freezes the clock


def test_a_paid_checkout_queues_one_thank_you_naming_the_amount_and_items(client, creditor, items):
    # given a German-speaking debtor who pays both items online
    with scope(creditor=creditor):
        debtor = items[0].debtor
        debtor.language = "de"
        debtor.save(update_fields=["language"])
    checkout = start(creditor, list(items), "1428.00")
    # when the provider's paid event arrives, and the same checkout is reported paid again
    first, _ = deliver(client, checkout)
    second, _ = deliver(client, checkout)
    assert first.json() == second.json() == {"processed": 1, "duplicates": 0}, first.content
    # then one confirmation waits in the outbox, in German, with the amount and the items
    with scope(creditor=creditor):
        [message] = Message.objects.filter(template_key="portal_confirmation")
    assert (message.channel, message.status, message.language) == ("email", "queued", "de")
    assert message.subject == "Vielen Dank für Ihre Zahlung"
    assert "1.428,00" in message.body_text and "RE-1, RE-2" in message.body_text
    assert message.key == f"personal:portal_confirmation:payment:{checkout.pk}"
    assert not mail.outbox  # the outbox sends it, after the commit


def test_a_cancelled_checkout_confirms_nothing(client, creditor, items):
    checkout = start(creditor, list(items), "100.00")
    deliver(client, checkout, kind="checkout.cancelled")
    with scope(creditor=creditor):
        assert not Message.objects.exists()
