"""The dunning endpoints: policies, the day's actions and their approval, holds, the cycle and
the simulation — with roles, tenant isolation and idempotent POSTs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django_scopes import scope

from tact.dunning.models import Action, ActionStatus, Hold, Policy, StageHistory
from tact.dunning.services import cycle_run, hold_place, policy_create
from tact.tenancy.models import Role
from tests.dunning.conftest import MONDAY, debtor_with_items

from .conftest import assert_problem, fields_named, make_api

DAY = MONDAY + timedelta(days=3)  # a Thursday
STAGES = [
    {"key": "reminder", "name": "Reminder", "offset_days": 3, "channels": ["email", "letter"],
     "template_key": "friendly_reminder", "tone": "friendly", "needs_approval": True},
    {"key": "second", "name": "Second reminder", "offset_days": 14, "channels": ["letter"],
     "template_key": "reminder", "tone": "neutral"},
]  # fmt: skip


def _portfolio(creditor, *, debtors: int = 3) -> dict:
    """A default policy whose first stage needs approval, and debtors with an item due Monday."""
    with scope(creditor=creditor):
        policy = policy_create(creditor=creditor, name="Approve first", stages=STAGES, is_default=True)
        owing = [debtor_with_items(creditor, due=[MONDAY])[0] for _ in range(debtors)]
    return {"policy": policy, "debtors": owing}


def _planned(creditor, portfolio: dict) -> list[Action]:
    with scope(creditor=creditor):
        cycle_run(creditor=creditor, run_on=DAY)
        return list(Action.objects.filter(run_on=DAY).order_by("pk"))


@pytest.fixture
def mine(creditor):
    portfolio = _portfolio(creditor)
    portfolio["actions"] = _planned(creditor, portfolio)
    return portfolio


@pytest.fixture
def theirs(other_creditor):
    portfolio = _portfolio(other_creditor, debtors=1)
    portfolio["actions"] = _planned(other_creditor, portfolio)
    with scope(creditor=other_creditor):
        portfolio["hold"] = hold_place(debtor=portfolio["debtors"][0], reason="manual", starts_on=MONDAY)
    return portfolio


def _status(creditor, action: Action) -> str:
    with scope(creditor=creditor):
        return Action.objects.get(pk=action.pk).status


# -- policies ------------------------------------------------------------------------------


def test_presets_are_installed_once_and_listed_with_their_stages(api):
    first = api.post("/policies/presets")
    again = api.post("/policies/presets")
    assert first.status_code == again.status_code == 200
    assert sorted(p["preset"] for p in first.json()["created"]) == [
        "b2c_webshop_nl_be",
        "classic_three_step",
        "customer_centric",
    ]
    assert again.json()["created"] == []
    listed = api.get("/policies", {"limit": 2})
    assert len(listed.json()["items"]) == 2
    rest = api.get("/policies", {"cursor": listed.json()["next_cursor"]}).json()
    policies = {p["preset"]: p for p in listed.json()["items"] + rest["items"]}
    centric = policies["customer_centric"]
    assert centric["is_default"] and centric["thresholds"] == {"EUR": "10.00"}
    assert [s["key"] for s in centric["stages"]][:2] == ["pre_due", "friendly_reminder"]
    first = policies["b2c_webshop_nl_be"]["assignments"][0]
    assert (first["segment"], first["country"], first["debtor_kind"]) == ("", "NL", "consumer")
    detail = api.get(f"/policies/{centric['id']}").json()
    assert detail == centric


def test_a_policy_is_created_with_its_stages_and_thresholds(api, creditor):
    response = api.post("/policies", {"name": "Gentle", "stages": STAGES, "thresholds": {"EUR": "15.00"}})
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(s["key"], s["offset_days"], s["needs_approval"]) for s in body["stages"]] == [
        ("reminder", 3, True),
        ("second", 14, False),
    ]
    assert body["thresholds"] == {"EUR": "15.00"}
    with scope(creditor=creditor):
        assert Policy.objects.get(pk=body["id"]).stages.count() == 2


@pytest.mark.parametrize(
    ("stages", "field"),
    [
        ([STAGES[1], STAGES[0]], "offset_days"),  # out of order
        ([STAGES[0], {**STAGES[1], "offset_days": 3}], "offset_days"),  # the same offset twice
        ([{**STAGES[0], "channels": ["pigeon"]}], "channels"),
        ([{**STAGES[0], "tone": "threatening"}], "stages.0.tone"),
    ],
)
def test_a_bad_policy_is_a_problem_naming_the_field_and_nothing_is_written(api, creditor, stages, field):
    body = assert_problem(api.post("/policies", {"name": "Bad", "stages": stages}), 422)
    assert field in fields_named(body)
    with scope(creditor=creditor):
        assert not Policy.objects.exists()


def test_a_charge_the_law_forbids_is_refused_naming_the_field(api, creditor):
    # a default policy serves consumers too, and a consumer owes no flat compensation
    stages = [{**STAGES[1], "charges_flat_compensation": True}]
    body = assert_problem(
        api.post("/policies", {"name": "Flat", "stages": stages, "is_default": True}),
        422,
        "policy_charge_forbidden",
    )
    assert fields_named(body) == {"charges_flat_compensation"}
    assert body["facts"]["stage"] == "second"


def test_a_policys_stages_are_changed_and_checked_against_the_law(api, mine):
    policy = mine["policy"]
    moved = [{**STAGES[0], "offset_days": 5}, STAGES[1]]
    response = api.patch(f"/policies/{policy.pk}", {"stages": moved})
    assert response.status_code == 200, response.content
    assert [s["offset_days"] for s in response.json()["stages"]] == [5, 14]
    forbidden = [STAGES[0], {**STAGES[1], "charges_flat_compensation": True}]
    body = assert_problem(api.patch(f"/policies/{policy.pk}", {"stages": forbidden}), 422)
    assert fields_named(body) == {"charges_flat_compensation"}
    assert [s["offset_days"] for s in api.get(f"/policies/{policy.pk}").json()["stages"]] == [5, 14]


def test_only_managers_change_policies(creditor, mine):
    agent = make_api(creditor, Role.AGENT)
    assert_problem(agent.post("/policies/presets"), 403, "permission_denied")
    assert_problem(agent.post("/policies", {"name": "X", "stages": STAGES}), 403, "permission_denied")
    assert_problem(agent.patch(f"/policies/{mine['policy'].pk}", {"contract_clause": True}), 403)
    assert agent.get(f"/policies/{mine['policy'].pk}").status_code == 200


def test_a_policy_is_assigned_to_debtors_checked_by_law_and_unassigned(api, creditor, mine):
    # given a policy charging flat compensation, which only business debtors owe
    classic = api.post("/policies/presets").json()["created"]
    flat = next(p for p in classic if p["preset"] == "classic_three_step")
    # when it is assigned to Austrian consumers, then the law refuses it, naming the field
    body = assert_problem(
        api.post(f"/policies/{flat['id']}/assignments", {"country": "AT", "debtor_kind": "consumer"}),
        422,
        "policy_charge_forbidden",
    )
    assert fields_named(body) == {"charges_flat_compensation"}
    assert_problem(api.post(f"/policies/{flat['id']}/assignments", {"country": "FR"}), 422)
    # and to Austrian businesses it is accepted, and can be taken back
    assigned = api.post(f"/policies/{flat['id']}/assignments", {"country": "at", "debtor_kind": "business"})
    assert assigned.status_code == 201, assigned.content
    [assignment] = assigned.json()["assignments"]
    assert (assignment["country"], assignment["debtor_kind"]) == ("AT", "business")
    assert_problem(api.delete(f"/policies/{mine['policy'].pk}/assignments/{assignment['id']}"), 404)
    assert api.delete(f"/policies/{flat['id']}/assignments/{assignment['id']}").status_code == 204
    assert api.get(f"/policies/{flat['id']}").json()["assignments"] == []


# -- actions -------------------------------------------------------------------------------


def test_the_days_actions_are_listed_with_filters_and_explanations(api, mine):
    response = api.get("/actions", {"date": DAY.isoformat(), "limit": 2})
    assert response.status_code == 200, response.content
    page = response.json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = api.get("/actions", {"date": DAY.isoformat(), "cursor": page["next_cursor"]}).json()
    listed = page["items"] + rest["items"]
    assert [a["id"] for a in listed] == [a.pk for a in mine["actions"]]
    first = listed[0]
    assert (first["stage"], first["channel"], first["status"], first["open_amount"]) == (
        "reminder",
        "email",
        "awaiting_approval",
        "1190.00",
    )
    assert first["explanation"]["rule"] == "stage_due" and first["rule_text"]
    assert api.get("/actions", {"date": DAY.isoformat(), "status": "planned"}).json()["items"] == []
    assert api.get("/actions", {"stage": "second"}).json()["items"] == []
    assert len(api.get("/actions", {"channel": "email"}).json()["items"]) == 3
    assert api.get(f"/actions/{first['id']}").json() == first


def test_an_action_is_approved_skipped_with_a_note_or_changed(api, creditor, mine):
    approve, skip, change = mine["actions"]
    approved = api.post(f"/actions/{approve.pk}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert_problem(api.post(f"/actions/{skip.pk}/skip", {"note": "  "}), 422)
    assert _status(creditor, skip) == ActionStatus.AWAITING_APPROVAL
    skipped = api.post(f"/actions/{skip.pk}/skip", {"note": "Customer called, pays Friday"})
    assert (skipped.json()["status"], skipped.json()["note"]) == ("skipped", "Customer called, pays Friday")
    changed = api.post(f"/actions/{change.pk}/change", {"channel": "letter", "tone": "neutral"})
    assert (changed.json()["channel"], changed.json()["tone"]) == ("letter", "neutral")
    body = assert_problem(api.post(f"/actions/{skip.pk}/approve"), 422, "action_not_changeable")
    assert "skipped" in body["detail"]


def test_bulk_approval_is_all_or_nothing_and_names_every_refused_id(api, creditor, mine, theirs):
    ok, done, other = mine["actions"]
    api.post(f"/actions/{done.pk}/skip", {"note": "no"})
    foreign = theirs["actions"][0].pk
    body = assert_problem(api.post("/actions/approve", {"ids": [ok.pk, done.pk, foreign]}), 422)
    assert body["facts"]["ids"] == sorted([done.pk, foreign])
    assert fields_named(body) == {"ids"}
    assert _status(creditor, ok) == ActionStatus.AWAITING_APPROVAL
    response = api.post("/actions/approve", {"ids": [ok.pk, other.pk]})
    assert response.json() == {"approved": sorted([ok.pk, other.pk])}
    assert _status(creditor, other) == ActionStatus.APPROVED


def test_approving_needs_the_approve_right_and_read_only_tokens_only_read(creditor, mine):
    action = mine["actions"][0]
    agent, reader = make_api(creditor, Role.AGENT), make_api(creditor, Role.READ_ONLY)
    assert_problem(agent.post(f"/actions/{action.pk}/approve"), 403, "permission_denied")
    assert_problem(agent.post("/actions/approve", {"ids": [action.pk]}), 403)
    for path, body in (
        (f"/actions/{action.pk}/approve", {}),
        (f"/actions/{action.pk}/skip", {"note": "x"}),
        (f"/actions/{action.pk}/change", {"tone": "firm"}),
        ("/holds", {"debtor_id": action.debtor_id, "reason": "manual"}),
        ("/cycle/run", {}),
        ("/policies/presets", {}),
    ):
        body = assert_problem(reader.post(path, body), 403, "permission_denied")
        assert body["facts"]["role"] == "read_only"
    assert reader.get(f"/actions/{action.pk}").status_code == 200
    assert _status(creditor, action) == ActionStatus.AWAITING_APPROVAL


# -- holds ---------------------------------------------------------------------------------


def test_a_hold_is_placed_on_a_debtor_or_an_item_listed_and_ended(api, creditor, mine):
    debtor = mine["debtors"][0]
    with scope(creditor=creditor):
        item = debtor.invoices.get()
    on_debtor = api.post("/holds", {"debtor_id": debtor.pk, "reason": "promise", "note": "pays on the 15th"})
    assert on_debtor.status_code == 201, on_debtor.content
    assert on_debtor.json()["is_active"] and on_debtor.json()["invoice_id"] is None
    on_item = api.post("/holds", {"debtor_number": debtor.number, "invoice_id": item.pk, "reason": "dispute"})
    assert (on_item.json()["invoice_number"], on_item.json()["reason"]) == (item.number, "dispute")
    listed = api.get("/holds", {"debtor": debtor.pk, "active": "true"}).json()["items"]
    assert {h["id"] for h in listed} == {on_debtor.json()["id"], on_item.json()["id"]}
    ended = api.post(f"/holds/{on_debtor.json()['id']}/end")
    assert ended.status_code == 200 and ended.json()["is_active"] is False
    assert [h["id"] for h in api.get("/holds", {"active": "false"}).json()["items"]] == [
        on_debtor.json()["id"]
    ]


def test_a_hold_with_a_bad_end_or_anothers_item_names_the_field(api, creditor, mine, theirs):
    debtor = mine["debtors"][0]
    body = assert_problem(
        api.post(
            "/holds",
            {"debtor_id": debtor.pk, "reason": "manual", "starts_on": "2025-03-10", "ends_on": "2025-03-01"},
        ),
        422,
    )
    assert fields_named(body) == {"ends_on"}
    with scope(creditor=creditor):
        someone_elses = mine["debtors"][1].invoices.get()
    body = assert_problem(
        api.post("/holds", {"debtor_id": debtor.pk, "invoice_id": someone_elses.pk, "reason": "manual"}), 422
    )
    assert fields_named(body) == {"invoice"}
    with scope(creditor=theirs["debtors"][0].creditor):
        foreign_item = theirs["debtors"][0].invoices.get()
    body = assert_problem(
        api.post("/holds", {"debtor_id": debtor.pk, "invoice_id": foreign_item.pk, "reason": "manual"}), 422
    )
    assert fields_named(body) == {"invoice_id"}
    with scope(creditor=creditor):
        assert not Hold.objects.exists()


def test_placing_a_hold_twice_with_one_key_places_it_once(api, creditor, mine):
    body = {"debtor_id": mine["debtors"][0].pk, "reason": "hardship"}
    first = api.post("/holds", body, headers={"Idempotency-Key": "hold-1"})
    again = api.post("/holds", body, headers={"Idempotency-Key": "hold-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    with scope(creditor=creditor):
        assert Hold.objects.count() == 1


# -- cycle ---------------------------------------------------------------------------------


def test_the_cycle_runs_once_per_day_and_a_dry_run_writes_nothing(api, creditor):
    _portfolio(creditor, debtors=2)
    dry = api.post(f"/cycle/run?date={DAY.isoformat()}&dry_run=true")
    assert dry.status_code == 200, dry.content
    assert (dry.json()["actions"], dry.json()["awaiting_approval"], dry.json()["dry_run"]) == (2, 2, True)
    with scope(creditor=creditor):
        assert not Action.objects.exists() and not StageHistory.objects.exists()
    real = api.post(f"/cycle/run?date={DAY.isoformat()}", headers={"Idempotency-Key": "cycle-1"})
    assert {k: v for k, v in real.json().items() if k not in ("elapsed_s", "dry_run")} == {
        k: v for k, v in dry.json().items() if k not in ("elapsed_s", "dry_run")
    }
    assert real.json()["by_stage"] == {"reminder": 2}
    assert api.post(f"/cycle/run?date={DAY.isoformat()}").json()["actions"] == 0
    with scope(creditor=creditor):
        assert Action.objects.count() == 2


def test_only_credit_managers_and_admins_run_the_cycle(creditor):
    assert_problem(
        make_api(creditor, Role.AGENT).post("/cycle/run?date=2025-03-06"), 403, "permission_denied"
    )
    assert make_api(creditor, Role.ADMIN).post("/cycle/run?date=2025-03-06").status_code == 200


def test_a_bad_cycle_date_names_the_parameter(api):
    body = assert_problem(api.post("/cycle/run?date=2025-02-30"), 422)
    assert fields_named(body) == {"date"}


# -- simulation ----------------------------------------------------------------------------


def test_a_debtors_day_is_simulated_without_writing(api, creditor):
    portfolio = _portfolio(creditor, debtors=1)
    debtor = portfolio["debtors"][0]
    response = api.get(f"/debtors/{debtor.pk}/simulation", {"date": DAY.isoformat()})
    assert response.status_code == 200, response.content
    body = response.json()
    [item] = body["items"]
    assert (item["reason"], item["next_stage"]["key"], item["next_stage"]["on"]) == (
        "advances",
        "reminder",
        DAY.isoformat(),
    )
    [action] = body["actions"]
    assert (action["stage"], action["status"]) == ("reminder", "awaiting_approval")
    assert body["policy"]["source"] == "default"
    earlier = api.get(f"/debtors/{debtor.pk}/simulation", {"date": MONDAY.isoformat()}).json()
    assert (earlier["items"][0]["reason"], earlier["items"][0]["next_stage"]["on"]) == (
        "not_yet_due",
        DAY.isoformat(),
    )
    with scope(creditor=creditor):
        assert not Action.objects.exists()


def test_another_policy_is_simulated_by_id(api, creditor):
    portfolio = _portfolio(creditor, debtors=1)
    with scope(creditor=creditor):
        later = policy_create(creditor=creditor, name="Later", stages=[{**STAGES[0], "offset_days": 7}])
    body = api.get(
        f"/debtors/{portfolio['debtors'][0].pk}/simulation", {"date": DAY.isoformat(), "policy": later.pk}
    ).json()
    assert body["policy"]["source"] == "simulated"
    assert (body["items"][0]["reason"], body["items"][0]["next_stage"]["on"]) == (
        "not_yet_due",
        (MONDAY + timedelta(days=7)).isoformat(),
    )


# -- tenant isolation ----------------------------------------------------------------------


def test_another_creditors_objects_are_not_found_by_guessed_ids(api, creditor, mine, theirs):
    action, hold, policy, debtor = (
        theirs["actions"][0],
        theirs["hold"],
        theirs["policy"],
        theirs["debtors"][0],
    )
    for path in (f"/actions/{action.pk}", f"/policies/{policy.pk}", f"/debtors/{debtor.pk}/simulation"):
        assert_problem(api.get(path), 404, "not_found")
    own = mine["debtors"][0].pk
    assert_problem(api.get(f"/debtors/{own}/simulation", {"policy": policy.pk}), 404)
    for path, body in (
        (f"/actions/{action.pk}/approve", {}),
        (f"/actions/{action.pk}/skip", {"note": "x"}),
        (f"/actions/{action.pk}/change", {"tone": "firm"}),
        (f"/holds/{hold.pk}/end", {}),
    ):
        assert_problem(api.post(path, body), 404)
    assert_problem(api.patch(f"/policies/{policy.pk}", {"contract_clause": True}), 404)
    assert_problem(api.post("/holds", {"debtor_id": debtor.pk, "reason": "manual"}), 422)
    assert api.get("/holds").json()["items"] == []
    assert {a["id"] for a in api.get("/actions").json()["items"]} == {a.pk for a in mine["actions"]}
    assert [p["id"] for p in api.get("/policies").json()["items"]] == [mine["policy"].pk]
    with scope(creditor=theirs["debtors"][0].creditor):
        assert Action.objects.get(pk=action.pk).status == ActionStatus.AWAITING_APPROVAL
        assert Hold.objects.get(pk=hold.pk).ended_at is None


# -- queries -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 8])
def test_the_lists_take_the_same_number_of_queries_for_any_page(
    api, creditor, size, django_assert_num_queries
):
    # given a day with `size` actions and holds, and the three presets besides the default policy
    portfolio = _portfolio(creditor, debtors=size)
    _planned(creditor, portfolio)
    with scope(creditor=creditor):
        for debtor in portfolio["debtors"]:
            hold_place(debtor=debtor, invoice=debtor.invoices.get(), reason="manual", starts_on=MONDAY)
    api.post("/policies/presets")
    # when each list is read: the token lookup, then the list's own queries
    for path, expected in (("/actions", 2), ("/holds", 2), ("/policies", 5)):
        with django_assert_num_queries(expected):
            response = api.get(path, {"limit": 100})
        # then every row is there
        assert len(response.json()["items"]) == {"/actions": size, "/holds": size, "/policies": 4}[path]


def test_a_hold_ended_as_a_resolved_dispute_starts_over_and_needs_no_body(api, creditor, mine):
    debtor = mine["debtors"][0]
    dispute = api.post("/holds", {"debtor_id": debtor.pk, "reason": "dispute"}).json()
    manual = api.post("/holds", {"debtor_id": debtor.pk, "reason": "manual"}).json()
    body = assert_problem(api.post(f"/holds/{manual['id']}/end?outcome=resolved"), 422)
    assert fields_named(body) == {"outcome"}
    assert fields_named(assert_problem(api.post(f"/holds/{dispute['id']}/end?outcome=won"), 422)) == {
        "outcome"
    }
    assert api.post(f"/holds/{dispute['id']}/end?outcome=resolved").json()["is_active"] is False
    with scope(creditor=creditor):
        assert StageHistory.objects.filter(invoice__debtor=debtor, stage__isnull=True).count() == 1
    bare = api.client.post(f"/api/v1/holds/{manual['id']}/end", headers=api._headers(None))
    assert bare.status_code == 200, bare.content
    assert bare.json()["is_active"] is False
