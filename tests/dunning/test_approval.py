"""The approval queue's services, and the Celery task that runs the cycle."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tact.audit.models import AuditEvent
from tact.dunning.errors import ActionNotChangeable, HoldInvalid
from tact.dunning.models import Action
from tact.dunning.selectors import approval_queue
from tact.dunning.services import action_approve, action_change, action_skip
from tact.dunning.tasks import cycle_run_task
from tests.dunning.conftest import MONDAY, debtor_with_items, run
from tests.factories import UserFactory


@pytest.fixture
def final_notice(presets):
    debtor_with_items(presets, due=[MONDAY])
    for offset in (3, 10, 17, 28):
        run(presets, MONDAY + timedelta(days=offset))
    return Action.objects.get(stage__key="final_notice")


def test_a_person_approves_a_final_notice(final_notice):
    manager = UserFactory()
    assert list(approval_queue()) == [final_notice]
    approved = action_approve(action=final_notice, by=manager)
    assert (approved.status, approved.decided_by) == ("approved", manager)
    assert not approval_queue().exists()
    assert AuditEvent.objects.filter(action="action_approved", subject_id=str(final_notice.pk)).exists()


def test_a_skipped_action_says_why_and_cannot_be_approved_later(final_notice):
    skipped = action_skip(action=final_notice, by=None, note="Customer called, pays Friday")
    assert (skipped.status, skipped.note) == ("skipped", "Customer called, pays Friday")
    with pytest.raises(ActionNotChangeable):
        action_approve(action=final_notice, by=None)


def test_skipping_needs_a_reason(final_notice):
    with pytest.raises(HoldInvalid, match="note"):
        action_skip(action=final_notice, by=None, note=" ")


def test_the_channel_and_tone_of_a_waiting_action_can_change(final_notice):
    changed = action_change(action=final_notice, by=None, channel="email", tone="neutral")
    assert (changed.channel, changed.tone) == ("email", "neutral")
    with pytest.raises(HoldInvalid, match="tone"):
        action_change(action=final_notice, by=None, tone="threatening")


def test_the_cycle_task_runs_inline_without_a_broker(presets):
    debtor_with_items(presets, due=[MONDAY])
    result = cycle_run_task.delay(presets.pk, (MONDAY + timedelta(days=3)).isoformat()).get()
    assert result["actions"] == 1
    assert Action.objects.count() == 1
