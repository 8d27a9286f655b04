"""Writes of the dunning app. Other apps import from here and from ``selectors`` only."""

from .actions import action_approve, action_change, action_skip, actions_bulk_approve
from .charges import action_charges_book, actions_charges_book
from .cycle import CycleSummary, cycle_run
from .holds import decision_log, hold_end, hold_place
from .policies import StageSpec, policy_assign, policy_create, policy_override, policy_validate
from .policy_edit import (
    policy_default_set,
    policy_delete,
    policy_details_update,
    policy_stages_update,
    policy_start,
    policy_threshold_set,
    policy_thresholds_replace,
    policy_unassign,
    policy_update,
)
from .presets import policy_presets_install

__all__ = [
    "CycleSummary",
    "StageSpec",
    "action_approve",
    "action_charges_book",
    "action_change",
    "action_skip",
    "actions_bulk_approve",
    "actions_charges_book",
    "cycle_run",
    "decision_log",
    "hold_end",
    "hold_place",
    "policy_assign",
    "policy_create",
    "policy_default_set",
    "policy_delete",
    "policy_details_update",
    "policy_override",
    "policy_presets_install",
    "policy_stages_update",
    "policy_start",
    "policy_threshold_set",
    "policy_thresholds_replace",
    "policy_unassign",
    "policy_update",
    "policy_validate",
]
