from __future__ import annotations

from .conftest import assert_problem, fields_named


def test_malformed_json_is_a_bad_request(api):
    body = assert_problem(api.post("/debtors", raw='{"number": "K-1",'), 400, "malformed_request")

    assert "JSON" in body["detail"]


def test_a_json_array_instead_of_an_object_is_a_validation_error(api):
    assert_problem(api.post("/debtors", raw="[1, 2]"), 422, "validation_failed")


def test_a_wrong_method_is_405_with_allow(api):
    response = api.put("/debtors", {})

    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"] and "POST" in response["Allow"]


def test_an_unknown_address_is_a_404_problem(api):
    assert_problem(api.get("/nothing-here"), 404, "not_found")
    assert_problem(api.client.get("/api/v2/debtors"), 404, "not_found")


def test_an_id_that_is_not_a_number_names_the_path_parameter(api):
    body = assert_problem(api.get("/debtors/abc"), 422)

    assert body["errors"][0]["in"] == "path"
    assert fields_named(body) == {"debtor_id"}


def test_an_id_beyond_64_bits_is_a_validation_error_not_a_server_error(api):
    assert_problem(api.get(f"/invoices/{2**70}"), 422)


def test_a_nul_character_is_refused_in_bodies_filters_and_paths(api):
    assert_problem(api.post("/debtors", {"number": "K\x00", "name": "X"}), 422)
    assert_problem(api.get("/debtors", {"q": "a\x00b"}), 422)
    assert_problem(api.get("/debtors/by-number/K%00"), 422)


def test_an_unknown_debtor_id_is_not_found(api):
    body = assert_problem(api.get("/debtors/999999"), 404, "not_found")

    assert body["detail"] == "Debtor not found."


def test_a_body_above_the_upload_limit_is_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"number": "K-1", "name": "x" * 2000}

    assert_problem(api.post("/debtors", body), 413, "payload_too_large")
    assert_problem(api.post("/debtors", body, headers={"Idempotency-Key": "big"}), 413, "payload_too_large")
