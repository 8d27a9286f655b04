"""tact bench messages: queue and render e-mails and letters, print the rates."""

from __future__ import annotations

import pytest

from tact.core.errors import ValidationFailed
from tact.dunning.models import Action
from tact.messaging.bench import bench_messages
from tact.messaging.models import Message

pytestmark = pytest.mark.django_db


def test_the_benchmark_queues_and_renders_every_message_and_prints_rates(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    figures = bench_messages(count=12, letters=2, workers=1)
    assert (figures["queued"], figures["emails"], figures["letters"]) == (14, 12, 2)
    assert figures["emails_per_s"] > 0 and figures["letters_per_s"] > 0
    assert figures["letter_kib_avg"] > 1
    from tact.core.jobs import all_creditors

    with all_creditors():
        emails = Message.objects.filter(channel="email")
        assert emails.count() == 12 and not emails.filter(message_id="").exists()
        assert not Message.objects.filter(body_text="").exists()
        # a second run starts again from the same actions
        assert bench_messages(count=12, letters=2, workers=1)["queued"] == 14
        assert Action.objects.filter(creditor__slug="bench-messages").count() == 14


def test_the_benchmark_refuses_a_bad_count():
    with pytest.raises(ValidationFailed, match="--count"):
        bench_messages(count=0, letters=0)
