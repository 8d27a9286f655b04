"""Domain errors: a stable code, the facts that caused it, and a readable message."""

from __future__ import annotations

from typing import Any


class TactError(Exception):
    """Base of every domain error.

    ``code`` is stable (clients and translations key on it); ``facts`` holds the inputs
    that made the operation fail; ``message`` says what happened in plain words.
    """

    code: str = "error"
    status: int = 400
    template: str = "{message}"

    def __init__(self, message: str | None = None, /, **facts: Any) -> None:
        self.facts = facts
        self.message = message or self.template.format(**facts)
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "facts": _jsonable(self.facts)}


class ValidationFailed(TactError):
    code = "validation_failed"
    status = 422


class NotFound(TactError):
    code = "not_found"
    status = 404
    template = "{kind} not found."


class PermissionDenied(TactError):
    code = "permission_denied"
    status = 403
    template = "You may not {action}."


class Conflict(TactError):
    code = "conflict"
    status = 409


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)
