"""The bank endpoints: upload, the lines that need a person, accept and reject."""

from __future__ import annotations

from django.test import Client

from tact.tenancy.models import Role
from tests.api.conftest import PREFIX, assert_problem, make_api

from .conftest import SAMPLES


def upload(api, name: str, **params):
    query = "&".join(f"{k}={v}" for k, v in {"filename": name, **params}.items())
    return api.client.post(f"{PREFIX}/bank/statements?{query}", data=(SAMPLES / name).read_bytes(),
                           content_type="application/octet-stream", headers=api._headers(None))  # fmt: skip


def test_upload_answers_the_import_counts(ledger):
    api = make_api(ledger.kiosk.creditor)

    response = upload(api, "camt053_v02.xml")

    assert response.status_code == 201, response.content
    assert response.json() == {"statements": 1, "transactions": 4, "matched": 3, "suggested": 1, "unmatched": 0,
                               "duplicates": 0}  # fmt: skip


def test_lines_list_the_suggestion_with_its_explanation_and_accept_books_it(ledger):
    api = make_api(ledger.kiosk.creditor)
    upload(api, "camt053_v02.xml")

    (line,) = api.get("/bank/lines").json()["items"]
    (suggestion,) = line["suggestions"]
    assert line["status"] == "suggested"
    assert suggestion["invoices"] == ["RE-815"]
    assert "RE-815" in suggestion["explanation"] and "Kiosk am Eck" in suggestion["explanation"]

    accepted = api.post(f"/bank/suggestions/{suggestion['id']}/accept")

    assert accepted.status_code == 200, accepted.content
    assert api.get("/bank/lines").json()["items"] == []
    assert_problem(api.post(f"/bank/suggestions/{suggestion['id']}/accept"), 404)


def test_a_statement_of_another_account_is_a_422_problem(ledger):
    api = make_api(ledger.kiosk.creditor)

    body = assert_problem(upload(api, "camt053_v08.xml"), 422, "statement_refused")

    assert "NL91ABNA0417164300" in body["detail"]


def test_a_read_only_token_may_not_upload(ledger):
    api = make_api(ledger.kiosk.creditor, role=Role.READ_ONLY)

    assert_problem(upload(api, "camt053_v02.xml"), 403)


def test_another_creditors_token_sees_no_lines_and_no_suggestion(ledger, other_creditor):
    api = make_api(ledger.kiosk.creditor)
    upload(api, "camt053_v02.xml")
    suggestion_id = api.get("/bank/lines").json()["items"][0]["suggestions"][0]["id"]
    other = make_api(other_creditor)

    assert other.get("/bank/lines").json()["items"] == []
    assert_problem(other.post(f"/bank/suggestions/{suggestion_id}/reject"), 404)


def test_without_a_token_the_upload_is_refused(db):
    response = Client().post(f"{PREFIX}/bank/statements", data=b"x", content_type="application/octet-stream")

    assert response.status_code == 401
