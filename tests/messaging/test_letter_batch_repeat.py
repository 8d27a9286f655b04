# ruff: noqa: F811  (the smtp_peer fixture is imported, then requested by name)
"""The day's print batch is the same PDF whenever it is made again: a retry minutes or
hours later is recognised as the batch already handed over, not refused as a different one."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from tact.dunning.models import Action
from tact.messaging.outbox_letters import letters_batch_submit
from tact.messaging.sending import outbox_send

from .outbox_support import SEND_AT, clock_at, portfolio_with_actions, smtp_peer  # noqa: F401 (fixture)


def test_the_print_batch_made_again_an_hour_later_is_the_same(in_scope, smtp_peer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TACT_PRINT_DROP_DIR = tmp_path / "print"
    portfolio_with_actions(in_scope, debtors=2)
    Action.objects.update(channel="letter")
    with time_machine.travel(SEND_AT, tick=False):
        assert outbox_send(now=clock_at(SEND_AT)).sent == 2
    with time_machine.travel(SEND_AT + timedelta(minutes=30), tick=False):
        first = letters_batch_submit(creditor=in_scope, day=SEND_AT.date())
    # the printer's drop folder is read again after a crash, an hour later
    with time_machine.travel(SEND_AT + timedelta(hours=1, minutes=30), tick=False):
        again = letters_batch_submit(creditor=in_scope, day=SEND_AT.date())
    assert first.letters == again.letters == 2
    assert again.extra == {"repeated": "true"}
