"""Bearer tokens, the tenant scope and the role check: done once, around every operation.

`tenant_view` wraps each operation's whole run (authentication, parsing, the handler and
the rendering of its response), so every query of an API request runs inside
``scope(creditor=token.creditor)`` and nothing can reach another creditor's rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django_scopes import scope
from ninja.security import HttpBearer

from tact.core import clock
from tact.tenancy.models import ApiToken, may
from tact.tenancy.services import token_authenticate

from .idempotency import IDEMPOTENCY_HEADER, idempotent
from .problems import problem

# What token_create hands out: "tact_" + 12 hex digits + "_" + a URL-safe secret. Anything
# else is refused before it reaches the database.
TOKEN_RE = re.compile(r"^tact_[0-9a-f]{12}_[A-Za-z0-9_\-]{16,200}$")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CACHE = "_tact_api_token"


def token_of(request: HttpRequest) -> ApiToken | None:
    """The live token the request presents, else None; looked up once per request."""
    if hasattr(request, _CACHE):
        return getattr(request, _CACHE)
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    credentials = credentials.strip()
    token = None
    if scheme.lower() == "bearer" and TOKEN_RE.match(credentials):
        token = token_authenticate(plaintext=credentials)
    setattr(request, _CACHE, token)
    return token


def actor_of(request: HttpRequest) -> str:
    """The audit label of the request's token: "api:<prefix>"."""
    return f"api:{request.auth.prefix}"


class TokenAuth(HttpBearer):
    """``Authorization: Bearer tact_<prefix>_<secret>``; the token's creditor is the tenant."""

    def __call__(self, request: HttpRequest) -> ApiToken | None:
        return token_of(request)

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return token_of(request)


def tenant_view(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = token_of(request)
        if token is None:
            # Ninja's authentication runs next and answers 401.
            return run(request, *args, **kwargs)
        creditor = token.creditor
        request.tact_today = clock.today(creditor.timezone)  # type: ignore[attr-defined]
        with scope(creditor=creditor):
            if request.method not in SAFE_METHODS and not may(token.role, "write"):
                return problem(
                    status=403,
                    detail=f"This token's role ({token.role}) may only read.",
                    facts={"role": token.role, "action": "write"},
                )
            if request.method == "POST" and IDEMPOTENCY_HEADER in request.META:
                return idempotent(request, creditor=creditor, call=lambda: run(request, *args, **kwargs))
            return run(request, *args, **kwargs)

    return wrapper
