"""Schemathesis drives every operation of the OpenAPI schema against the app, in process.

Valid token, a seeded ledger (so that some generated ids exist) and a second creditor with
data of its own. Each operation must never answer 5xx, and its answers must match the
schema (documented status codes, content types and bodies).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django_scopes import scope
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tact.ledger.services import AllocationRequest, payment_record
from tact.wsgi import application
from tests.factories import ContactFactory, DebtorFactory, InvoiceFactory

from .conftest import make_api

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def keep_connection():
    """Django closes the database connection when a request ends; Django's test client stops
    that, and so must we for the WSGI client, or the test's transaction would be lost."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(creditor, other_creditor, keep_connection) -> str:
    with scope(creditor=creditor):
        for n in range(3):
            debtor = DebtorFactory(creditor=creditor, number=f"{n + 1}")
            ContactFactory(debtor=debtor)
            item = InvoiceFactory(creditor=creditor, debtor=debtor, number=f"{n + 1}")
            payment_record(
                creditor=creditor, debtor=debtor, amount=item.gross_amount, currency="EUR",
                value_on=item.issued_on, allocations=[AllocationRequest(invoice=item, amount=item.gross_amount)],
                by=None,
            )  # fmt: skip
    return make_api(creditor).plaintext


@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_operation_fails_or_breaks_its_schema(case, token, db):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
