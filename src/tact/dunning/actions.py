"""The approval queue: approve, skip or adjust an action before messaging sends it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from tact.audit.services import audit_record

from .errors import ActionNotChangeable, HoldInvalid
from .holds import decision_log
from .models import Action, ActionStatus, StageChannel, Tone

OPEN = (ActionStatus.PLANNED, ActionStatus.AWAITING_APPROVAL)
RULE_VERSION = "approval/1"


def _locked(action: Action, verb: str) -> Action:
    action = Action.objects.select_for_update().get(pk=action.pk)
    if action.status not in OPEN:
        raise ActionNotChangeable(action=action.pk, status=action.status, verb=verb)
    return action


def _decide(action: Action, *, by: Any, reason: str, before: dict, after: dict) -> None:
    decision_log(
        subject=action, reason=reason, facts={"before": before, "after": after}, rule_version=RULE_VERSION
    )
    audit_record(
        creditor=action.creditor, actor=by, action=reason, subject=action, before=before, after=after
    )


@transaction.atomic
def action_approve(*, action: Action, by: Any) -> Action:
    """A person lets an action go out. Raises ActionNotChangeable once sent or skipped."""
    action = _locked(action, "approved")
    before = {"status": action.status}
    action.status = ActionStatus.APPROVED
    action.decided_by = by if getattr(by, "pk", None) else None
    action.decided_at = timezone.now()
    action.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    _decide(action, by=by, reason="action_approved", before=before, after={"status": action.status})
    return action


@transaction.atomic
def action_skip(*, action: Action, by: Any, note: str) -> Action:
    """A person stops an action, saying why. Its items stay at the stage they entered."""
    if not note.strip():
        raise HoldInvalid(field="note", problem="say why the action is skipped")
    action = _locked(action, "skipped")
    before = {"status": action.status}
    action.status = ActionStatus.SKIPPED
    action.note = note.strip()
    action.decided_by = by if getattr(by, "pk", None) else None
    action.decided_at = timezone.now()
    action.save(update_fields=["status", "note", "decided_by", "decided_at", "updated_at"])
    _decide(
        action, by=by, reason="action_skipped", before=before, after={"status": action.status, "note": note}
    )
    return action


@transaction.atomic
def action_change(*, action: Action, by: Any, channel: str | None = None, tone: str | None = None) -> Action:
    """Change the channel or tone of an action that has not gone out yet."""
    if channel is not None and (channel not in StageChannel.values or channel == StageChannel.PREFERRED):
        raise HoldInvalid(field="channel", problem=f"{channel!r} is not a channel")
    if tone is not None and tone not in Tone.values:
        raise HoldInvalid(field="tone", problem=f"{tone!r} is not one of {', '.join(Tone.values)}")
    action = _locked(action, "changed")
    before = {"channel": action.channel, "tone": action.tone}
    action.channel = channel or action.channel
    action.tone = tone or action.tone
    action.save(update_fields=["channel", "tone", "updated_at"])
    _decide(
        action,
        by=by,
        reason="action_changed",
        before=before,
        after={"channel": action.channel, "tone": action.tone},
    )
    return action
