"""Inbound mail over HTTP: a mail provider's inbound route (or any client) posts the raw
message; tact receives it exactly as ``tact inbox receive`` does, for the token's creditor."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema, Status

from tact.messaging.inbound.services import inbound_receive

from ..common import WRITE_ERRORS
from ..problems import problem
from ..schemas import Problem

router = Router(tags=["inbound"])
MAX_FACTOR = 4  # over the parse limit the headers are still kept; far over it, refused


class InboundOut(Schema):
    id: int
    created: bool
    kind: str
    creditor: str | None
    debtor: str | None
    message: int | None
    matched_by: str
    intent: str
    intent_confidence: float | None
    needs_person: bool
    person_reason: str
    actions: list[str]
    problems: list[str]


@router.post(
    "/mail",
    response={200: InboundOut, 201: InboundOut, **WRITE_ERRORS, 413: Problem},
    summary="Receive an e-mail (reply or bounce)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The message as received, RFC 5322 bytes (an .eml file).",
            "content": {
                "message/rfc822": {"schema": {"type": "string", "format": "binary"}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
def inbound_mail(request: HttpRequest):
    """Store the mail, match it to a debtor (threading headers, reply address, bounced
    message) and act: a bounce falls back to the next channel, a reply holds the debtor
    and waits for a person. 201 when new, 200 when the same bytes were received before."""
    limit = MAX_FACTOR * int(getattr(settings, "TACT_INBOUND_MAX_BYTES", 10 * 1024 * 1024))
    limit = min(limit, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or limit)
    size = int(request.META.get("CONTENT_LENGTH") or 0)
    if size > limit:
        return problem(status=413, detail=f"The mail has {size} bytes; at most {limit} are accepted.",
                       facts={"size": size, "limit": limit})  # fmt: skip
    raw = request.body
    received = inbound_receive(raw, source="api", creditor=request.auth.creditor)
    return Status(201 if received.created else 200, received.as_dict())
