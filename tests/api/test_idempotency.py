from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone
from django_scopes import scope

from tact.api.models import IdempotencyKey
from tact.ledger import services as ledger_services
from tact.ledger.models import Debtor
from tact.tenancy.models import Role

from .conftest import assert_problem, make_api

DEBTOR = {"number": "K-1", "name": "Krause GmbH"}


def _debtors(creditor) -> int:
    with scope(creditor=creditor):
        return Debtor.objects.count()


def test_a_repeat_with_the_same_key_replays_the_first_response(api, creditor):
    first = api.post("/debtors", DEBTOR, headers={"Idempotency-Key": "k-1"})

    again = api.post("/debtors", DEBTOR, headers={"Idempotency-Key": "k-1"})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert _debtors(creditor) == 1


def test_an_error_response_is_replayed_too(api, creditor):
    bad = {"number": "K-1", "name": "X", "vat_id": "DE123"}
    first = api.post("/debtors", bad, headers={"Idempotency-Key": "k-err"})

    again = api.post("/debtors", bad, headers={"Idempotency-Key": "k-err"})

    assert first.status_code == again.status_code == 422
    assert again.json() == first.json()
    assert again["Content-Type"] == "application/problem+json"


def test_the_same_key_with_another_body_is_refused(api, creditor):
    api.post("/debtors", DEBTOR, headers={"Idempotency-Key": "k-2"})

    body = assert_problem(
        api.post("/debtors", {**DEBTOR, "number": "K-2"}, headers={"Idempotency-Key": "k-2"}),
        422,
        "idempotency_key_reused",
    )

    assert body["facts"]["key"] == "k-2"
    assert _debtors(creditor) == 1


def test_keys_are_per_creditor(api, other_api, creditor, other_creditor):
    mine = api.post("/debtors", DEBTOR, headers={"Idempotency-Key": "same"})
    theirs = other_api.post("/debtors", DEBTOR, headers={"Idempotency-Key": "same"})

    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert mine.json()["id"] != theirs.json()["id"]


def test_a_key_expires_after_24_hours(api, creditor):
    api.post("/debtors", DEBTOR, headers={"Idempotency-Key": "k-3"})

    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        later = api.post("/debtors", {**DEBTOR, "number": "K-9"}, headers={"Idempotency-Key": "k-3"})

    assert later.status_code == 201
    assert "Idempotent-Replayed" not in later
    with scope(creditor=creditor):
        assert IdempotencyKey.objects.count() == 1  # the old one was purged


def test_a_failed_request_does_not_keep_its_key(api, creditor, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("tact.api.endpoints.debtors.debtor_create", boom)
    failed = api.post("/debtors", DEBTOR, headers={"Idempotency-Key": "k-4"})
    monkeypatch.undo()

    retried = api.post("/debtors", DEBTOR, headers={"Idempotency-Key": "k-4"})

    assert_problem(failed, 500, "internal_error")
    assert retried.status_code == 201


def test_a_malformed_key_names_the_header(api):
    body = assert_problem(api.post("/debtors", DEBTOR, headers={"Idempotency-Key": "x" * 300}), 422)

    assert body["errors"][0]["field"] == "Idempotency-Key"


def test_a_read_only_token_cannot_use_a_key_to_write(creditor):
    reader = make_api(creditor, Role.READ_ONLY)

    assert_problem(reader.post("/debtors", DEBTOR, headers={"Idempotency-Key": "k-5"}), 403)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_with_one_key_act_once(creditor, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite serializes the whole database")
    api_a, api_b = make_api(creditor), make_api(creditor)
    entered = threading.Event()
    real_create = ledger_services.debtor_create

    def slow_create(**kwargs):
        entered.set()
        threading.Event().wait(0.5)  # hold the key's transaction open while the second request arrives
        return real_create(**kwargs)

    monkeypatch.setattr("tact.api.endpoints.debtors.debtor_create", slow_create)
    results = {}

    def send(name, client):
        try:
            results[name] = client.post("/debtors", DEBTOR, headers={"Idempotency-Key": "race"})
        finally:
            connections.close_all()

    first = threading.Thread(target=send, args=("a", api_a))
    first.start()
    assert entered.wait(5)
    second = threading.Thread(target=send, args=("b", api_b))
    second.start()
    first.join(10)
    second.join(10)

    assert results["a"].status_code == 201
    assert results["b"].status_code == 201 and results["b"]["Idempotent-Replayed"] == "true"
    assert results["b"].json() == results["a"].json()
    assert _debtors(creditor) == 1
