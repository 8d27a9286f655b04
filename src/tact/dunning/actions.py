"""The approval queue: approve, skip or adjust an action before messaging sends it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from tact.audit.services import Change, audit_bulk, audit_record

from .errors import ActionNotChangeable, HoldInvalid
from .holds import decision_log
from .models import Action, ActionStatus, Decision, StageChannel, Tone

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


@transaction.atomic
def actions_bulk_approve(*, ids: list[int], by: Any) -> list[Action]:
    """Approve several actions at once, all or nothing: if one of them is not open (sent,
    skipped, approved meanwhile) or not found in the creditor's scope, none is approved.

    Reads and locks the set in one query and writes it in one update; the decisions and
    audit events are appended in bulk. Raises ActionNotChangeable naming the first action
    that cannot be approved, HoldInvalid when no id is given.
    """
    wanted = sorted(set(ids))
    if not wanted:
        raise HoldInvalid(field="actions", problem="choose at least one action to approve")
    actions = list(Action.objects.select_for_update().filter(pk__in=wanted).order_by("pk"))
    found = {a.pk: a for a in actions}
    for pk in wanted:
        action = found.get(pk)
        if action is None:
            raise ActionNotChangeable(action=pk, status="not found", verb="approved")
        if action.status not in OPEN:
            raise ActionNotChangeable(action=pk, status=action.status, verb="approved")
    now = timezone.now()
    decided_by = by if getattr(by, "pk", None) else None
    befores = {a.pk: {"status": a.status} for a in actions}
    Action.objects.filter(pk__in=wanted).update(
        status=ActionStatus.APPROVED, decided_by=decided_by, decided_at=now, updated_at=now
    )
    after = {"status": ActionStatus.APPROVED.value}
    Decision.objects.bulk_create(
        Decision(
            creditor_id=a.creditor_id,
            subject_type="dunning.action",
            subject_id=str(a.pk),
            reason="action_approved",
            facts={"before": befores[a.pk], "after": after, "bulk": True},
            rule_version=RULE_VERSION,
            decided_at=now,
        )  # fmt: skip
        for a in actions
    )
    for a in actions:
        a.status, a.decided_by, a.decided_at = ActionStatus.APPROVED, decided_by, now
    audit_bulk(
        creditor=actions[0].creditor,
        actor=by,
        action="action_approved",
        changes=[Change("dunning.action", str(a.pk), befores[a.pk], after) for a in actions],
        facts={"bulk": True, "count": len(actions)},
    )
    return actions
