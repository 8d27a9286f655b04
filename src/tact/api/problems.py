"""Errors as RFC 9457 problem documents (``application/problem+json``).

Every error the API answers has the keys ``type``, ``title``, ``status``, ``detail`` and our
stable ``code``; validation errors add ``errors`` (each naming its field), domain errors add
the ``facts`` that caused them.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from tact.core.errors import TactError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
CODES_BY_STATUS = {
    400: "malformed_request",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "validation_failed",
    429: "throttled",
    500: "internal_error",
}


def problem_type(code: str) -> str:
    return f"urn:tact:problem:{code}"


def problem(
    *,
    status: int,
    code: str | None = None,
    detail: str = "",
    errors: list[dict[str, Any]] | None = None,
    facts: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    code = code or CODES_BY_STATUS.get(status, "error")
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or HTTPStatus(status).description,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    if facts is not None:
        body["facts"] = facts
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field_of(loc: list[Any] | tuple[Any, ...]) -> tuple[str, str]:
    """("body", "payload", "allocations", 0, "amount") -> ("body", "allocations.0.amount")."""
    parts = list(loc)
    where = str(parts.pop(0)) if parts else ""
    # Ninja puts the handler's parameter name first; clients know only the JSON keys.
    if where == "body" and len(parts) > 1 and parts[0] == "payload":
        parts.pop(0)
    return where, ".".join(str(p) for p in parts)


def validation_errors(exc: NinjaValidationError) -> list[dict[str, Any]]:
    out = []
    for error in exc.errors:
        where, field = _field_of(error.get("loc", ()))
        out.append(
            {"in": where, "field": field, "message": error.get("msg", ""), "type": error.get("type", "")}
        )
    return out


def on_tact_error(request: HttpRequest, exc: TactError) -> HttpResponse:
    data = exc.as_dict()
    errors = None
    if "field" in exc.facts:
        errors = [{"field": str(exc.facts["field"]), "message": str(exc.facts.get("problem", exc.message))}]
    return problem(status=exc.status, code=exc.code, detail=exc.message, errors=errors, facts=data["facts"])


def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = validation_errors(exc)
    named = ", ".join(sorted({e["field"] or e["in"] for e in errors}))
    return problem(status=422, detail=f"The request is not valid: {named}.", errors=errors)


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    headers = {}
    detail = exc.message
    if isinstance(exc, AuthenticationError) or exc.status_code == 401:
        presented = "HTTP_AUTHORIZATION" in request.META
        detail = (
            "The bearer token is unknown or revoked."
            if presented
            else "Send an API token: Authorization: Bearer tact_<prefix>_<secret>."
        )
        headers["WWW-Authenticate"] = (
            'Bearer realm="tact", error="invalid_token"' if presented else 'Bearer realm="tact"'
        )
    elif exc.status_code == 400:
        detail = "The request body is not valid JSON."
    return problem(status=exc.status_code, detail=detail, headers=headers)


def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(status=404, detail="Nothing is found at this address.")


def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return problem(status=413, detail="The request body is larger than this server accepts.")


def on_protected(request: HttpRequest, exc: ProtectedError) -> HttpResponse:
    # A row that other records still point to (a debtor with payments, say) cannot go.
    kinds = sorted({obj._meta.verbose_name_plural for obj in exc.protected_objects})
    return problem(
        status=409,
        code="in_use",
        detail=f"It cannot be deleted: {', '.join(str(k) for k in kinds)} still refer to it.",
    )


def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The request boundary: log with context and answer a problem document, not an HTML page.
    logger.exception("api request failed", extra={"path": request.path, "method": request.method})
    return problem(status=500, detail="An unexpected error occurred; it has been logged.")


def install(api: NinjaAPI) -> None:
    api.add_exception_handler(Exception, on_unexpected)
    api.add_exception_handler(TactError, on_tact_error)
    api.add_exception_handler(NinjaValidationError, on_validation_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(ProtectedError, on_protected)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
