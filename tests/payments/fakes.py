"""A provider's HTTP API as the tests replay it: documented responses, every request kept.

No network: an adapter under test gets a ``FakeApi`` as its HTTP client, answers come from
routes the test sets up (a status and a JSON body written from the provider's
documentation), and an unexpected request fails the test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from django_scopes import scope

from tact.payments.providers.http import HttpResponse
from tact.payments.services import checkout_start


@dataclass
class Request:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return dict(parse_qsl((self.body or b"").decode()))


Answer = tuple[int, Any] | Callable[[Request], tuple[int, Any]]


@dataclass
class FakeApi:
    routes: dict[tuple[str, str], Answer] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def on(self, method: str, url: str, answer: Answer) -> None:
        """Answer ``method url`` with (status, JSON) or with what a function of the request says."""
        self.routes[(method, url)] = answer

    def __call__(
        self, method: str, url: str, *, headers: Mapping[str, str], body: bytes | None = None
    ) -> HttpResponse:
        request = Request(method=method, url=url, headers=dict(headers), body=body)
        self.requests.append(request)
        answer = self.routes.get((method, url))
        if answer is None:
            raise AssertionError(f"unexpected request {method} {url}")
        status, payload = answer(request) if callable(answer) else answer
        return HttpResponse(status=status, body=json.dumps(payload).encode())

    def sent(self, method: str, url: str) -> list[Request]:
        return [r for r in self.requests if (r.method, r.url) == (method, url)]


def checkout_for(creditor, invoices, amount: str, *, provider: str):
    """A checkout the portal would start for ``invoices`` at ``provider``."""
    with scope(creditor=creditor):
        return checkout_start(
            debtor=invoices[0].debtor, items=invoices, amount=Decimal(amount), provider=provider,
            return_url=lambda public_id: f"/p/token/pay/return/{public_id}/", by="portal",
        ).checkout  # fmt: skip
