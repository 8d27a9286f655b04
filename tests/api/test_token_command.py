from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tact.tenancy.models import ApiToken

from .conftest import ApiClient, assert_problem


def _run(*args: str) -> str:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


def test_token_add_prints_a_token_that_works(creditor, client):
    data = json.loads(
        _run("add", "--creditor", "acme", "--name", "ERP sync", "--role", "read_only", "--json")
    )

    assert data["token"].startswith(f"tact_{data['prefix']}_")
    assert data["role"] == "read_only"
    assert ApiClient(client, data["token"]).get("/debtors").status_code == 200


def test_token_list_shows_no_secrets(creditor):
    issued = json.loads(_run("add", "--creditor", "acme", "--name", "ERP", "--json"))

    listed = json.loads(_run("list", "--creditor", "acme", "--json"))

    assert [t["prefix"] for t in listed] == [issued["prefix"]]
    assert "token" not in listed[0] and issued["token"] not in json.dumps(listed)


def test_token_revoke_stops_the_token(creditor, client):
    issued = json.loads(_run("add", "--creditor", "acme", "--name", "ERP", "--json"))

    text = _run("revoke", "--creditor", "acme", issued["prefix"])

    assert "Revoked" in text
    assert ApiToken.objects.get(prefix=issued["prefix"]).revoked_at is not None
    assert_problem(ApiClient(client, issued["token"]).get("/debtors"), 401)


def test_token_add_with_a_bad_role_names_the_field(creditor):
    with pytest.raises(CommandError, match="role"):
        _run("add", "--creditor", "acme", "--name", "ERP", "--role", "boss")


def test_token_revoke_of_another_creditors_token_is_refused(creditor, other_creditor):
    theirs = json.loads(_run("add", "--creditor", "rival", "--name", "ERP", "--json"))

    with pytest.raises(CommandError, match="No API token"):
        _run("revoke", "--creditor", "acme", theirs["prefix"])
    assert ApiToken.objects.get(prefix=theirs["prefix"]).revoked_at is None
