"""An API client with a token of the `creditor` fixture (acme), and one of another creditor."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tact.tenancy.models import Role
from tact.tenancy.services import token_create

PREFIX = "/api/v1"


class ApiClient:
    """Django's test client speaking JSON with a bearer token."""

    def __init__(self, client: Client, plaintext: str | None):
        self.client = client
        self.plaintext = plaintext

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.plaintext is not None:
            headers.setdefault("Authorization", f"Bearer {self.plaintext}")
        return headers

    def get(self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        return self.client.get(PREFIX + path, params or {}, headers=self._headers(headers))

    def post(
        self, path: str, body: Any = None, headers: dict[str, str] | None = None, raw: str | None = None
    ):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(
            PREFIX + path, data=data, content_type="application/json", headers=self._headers(headers)
        )

    def patch(self, path: str, body: Any, headers: dict[str, str] | None = None):
        return self.client.patch(
            PREFIX + path,
            data=json.dumps(body),
            content_type="application/json",
            headers=self._headers(headers),
        )

    def delete(self, path: str, headers: dict[str, str] | None = None):
        return self.client.delete(PREFIX + path, headers=self._headers(headers))

    def put(self, path: str, body: Any, headers: dict[str, str] | None = None):
        return self.client.put(
            PREFIX + path,
            data=json.dumps(body),
            content_type="application/json",
            headers=self._headers(headers),
        )


def make_api(creditor, role: str = Role.CREDIT_MANAGER) -> ApiClient:
    issued = token_create(creditor=creditor, name=f"test {role}", role=role)
    return ApiClient(Client(), issued.plaintext)


@pytest.fixture
def api(creditor) -> ApiClient:
    return make_api(creditor)


@pytest.fixture
def other_api(other_creditor) -> ApiClient:
    return make_api(other_creditor)


@pytest.fixture
def anonymous(db) -> ApiClient:
    return ApiClient(Client(), None)


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body


def fields_named(body: dict) -> set[str]:
    return {e["field"] for e in body.get("errors", [])}
