from __future__ import annotations

from django.test import Client
from django.utils import timezone

from tact.tenancy.models import ApiToken, Role
from tact.tenancy.services import token_create, token_revoke

from .conftest import ApiClient, assert_problem, make_api


def test_a_request_without_a_token_is_unauthorized(anonymous):
    response = anonymous.get("/debtors")

    body = assert_problem(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="tact"'
    assert "Authorization: Bearer" in body["detail"]


def test_a_wrong_token_is_unauthorized(api, client):
    wrong = api.plaintext[:-4] + "AAAA"

    response = ApiClient(client, wrong).get("/debtors")

    assert_problem(response, 401, "unauthenticated")
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_garbage_in_the_authorization_header_is_unauthorized(client, db):
    for header in (
        "Bearer",
        "Bearer tact_",
        "Basic dXNlcjpwdw==",
        "Bearer tact_zz_\x00",
        "Bearer " + "x" * 5000,
    ):
        response = client.get("/api/v1/debtors", headers={"Authorization": header})
        assert_problem(response, 401, "unauthenticated")


def test_a_revoked_token_is_unauthorized(api, creditor):
    token = ApiToken.objects.get(creditor=creditor)
    token_revoke(token=token)

    assert_problem(api.get("/debtors"), 401, "unauthenticated")


def test_a_used_token_records_its_last_use(api, creditor):
    before = timezone.now()

    assert api.get("/debtors").status_code == 200

    token = ApiToken.objects.get(creditor=creditor)
    assert token.last_used_at is not None and token.last_used_at >= before


def test_a_read_only_token_may_read_but_not_write(creditor):
    reader = make_api(creditor, Role.READ_ONLY)

    assert reader.get("/debtors").status_code == 200
    body = assert_problem(reader.post("/debtors", {"number": "K-1", "name": "X"}), 403, "permission_denied")
    assert body["facts"]["role"] == "read_only"
    assert_problem(reader.patch("/debtors/1", {"name": "X"}), 403)
    assert_problem(reader.delete("/contacts/1"), 403)


def test_an_agent_token_may_write_but_not_bulk_import(creditor):
    agent = make_api(creditor, Role.AGENT)

    assert agent.post("/debtors", {"number": "K-1", "name": "X"}).status_code == 201
    assert_problem(agent.post("/invoices/bulk", {"rows": []}), 403, "permission_denied")


def test_the_schema_and_docs_are_public(anonymous):
    assert anonymous.get("/openapi.json").status_code == 200
    assert anonymous.get("/docs").status_code == 200


def test_token_plaintext_is_not_stored(creditor):
    issued = token_create(creditor=creditor, name="ERP")

    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.plaintext.split("_", 2)[2] not in (stored.secret_hash, stored.prefix)


def test_token_requests_need_no_csrf_token(api):
    strict = ApiClient(Client(enforce_csrf_checks=True), api.plaintext)

    assert strict.post("/debtors", {"number": "K-1", "name": "X"}).status_code == 201
