"""Errors of the arrangements app: the field to fix, a stable reason code and the facts."""

from __future__ import annotations

from typing import Any

from tact.core.errors import ValidationFailed


class ArrangementInvalid(ValidationFailed):
    """``reason`` is stable (faces translate it); ``problem`` says it in plain English."""

    code = "arrangement_invalid"
    template = "{field}: {problem}"

    def __init__(self, *, field: str, reason: str, problem: str, **facts: Any) -> None:
        super().__init__(field=field, reason=reason, problem=problem, **facts)
        self.field = field
        self.reason = reason
