"""The dunning app's domain errors. Each names the field (and the stage) it refuses."""

from __future__ import annotations

from tact.core.errors import Conflict, NotFound, ValidationFailed


class PolicyInvalid(ValidationFailed):
    """A policy or stage that cannot be saved: ``field`` names what to fix."""

    code = "policy_invalid"
    template = "{where}{field}: {problem}"

    def __init__(self, *, field: str, problem: str, stage: str | None = None, **facts: object) -> None:
        where = f"stage {stage!r}: " if stage else ""
        super().__init__(where=where, field=field, problem=problem, stage=stage, **facts)
        self.field = field
        self.stage = stage


class ChargeForbidden(PolicyInvalid):
    """A stage would charge what the law forbids for a country and debtor kind it serves."""

    code = "policy_charge_forbidden"


class PolicyInUse(Conflict):
    """A policy that serves debtors or has been used by the cycle cannot be deleted.
    ``reason``: ``default``, ``assigned``, ``overridden`` or ``used``."""

    code = "policy_in_use"
    template = "Policy {name!r} cannot be deleted: {problem}"


class HoldInvalid(ValidationFailed):
    code = "hold_invalid"
    template = "{field}: {problem}"


class ActionNotChangeable(ValidationFailed):
    code = "action_not_changeable"
    template = "Action {action} is {status}; only planned or awaiting actions can be {verb}."


class CycleInputInvalid(ValidationFailed):
    code = "cycle_invalid_input"
    template = "{field}: {problem}"


class CreditorNotFound(NotFound):
    code = "creditor_not_found"
    template = "No creditor with slug {slug!r}."
