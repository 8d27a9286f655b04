"""The policy pages' settings: a new policy (one reminder or a copy), name and description,
thresholds, the default and deleting — with roles and tenant isolation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from tact.dunning.models import Policy
from tact.dunning.services import policy_presets_install

pytestmark = pytest.mark.django_db


def _presets(creditor) -> dict[str, Policy]:
    with scope(creditor=creditor):
        policy_presets_install(creditor=creditor)
        return {p.preset: p for p in Policy.objects.all()}


@pytest.fixture
def presets(creditor):
    return _presets(creditor)


def url(name: str, policy: Policy, *args) -> str:
    return reverse(f"workbench:dunning_policy_{name}", args=[policy.pk, *args])


def fetch(creditor, policy: Policy) -> Policy:
    with scope(creditor=creditor):
        return Policy.objects.prefetch_related("thresholds").get(pk=policy.pk)


def thresholds(creditor, policy: Policy) -> dict[str, Decimal]:
    with scope(creditor=creditor):
        return dict(fetch(creditor, policy).thresholds.values_list("currency", "minimum_amount"))


def test_a_new_policy_starts_as_a_copy_or_from_one_reminder(signed_in, creditor, presets):
    shop = presets["b2c_webshop_nl_be"]
    new = reverse("workbench:dunning_policy_new")

    copied = signed_in.post(new, {"name": "Shop DE", "start": f"policy:{shop.pk}"}, follow=True)
    blank = signed_in.post(new, {"name": "Blank", "start": ""}, follow=True)
    preset = signed_in.post(new, {"name": "Classic 2", "start": "preset:classic_three_step"}, follow=True)

    assert "The policy “Shop DE” was created." in copied.content.decode()
    with scope(creditor=creditor):
        made = {p.name: p for p in Policy.objects.filter(name__in=["Shop DE", "Blank", "Classic 2"])}
        assert list(made["Shop DE"].stages.values_list("key", flat=True)) == list(
            shop.stages.values_list("key", flat=True)
        )
        assert list(made["Blank"].stages.values_list("key", flat=True)) == ["reminder"]
        assert made["Classic 2"].stages.count() == 3
    assert blank.redirect_chain[-1][0] == reverse("workbench:dunning_policy", args=[made["Blank"].pk])
    assert preset.status_code == 200


def test_a_taken_name_is_shown_on_the_new_policy_form(signed_in, presets):
    response = signed_in.post(
        reverse("workbench:dunning_policy_new"), {"name": "Customer-centric", "start": ""}
    )

    assert response.status_code == 400
    assert response.context["start_form"].errors["name"] == [
        "Name: a policy named “Customer-centric” exists already."
    ]
    assert response.context["start_open"]


def test_the_copy_link_preselects_the_policy_on_the_list_page(signed_in, presets):
    centric = presets["customer_centric"]

    page = signed_in.get(reverse("workbench:dunning_policies"), {"start": f"policy:{centric.pk}"})

    assert page.context["start_form"]["start"].value() == f"policy:{centric.pk}"
    assert f'<option value="policy:{centric.pk}" selected>' in page.content.decode()


def test_a_policy_is_renamed_and_a_taken_name_is_refused_next_to_the_field(signed_in, creditor, presets):
    classic = presets["classic_three_step"]

    saved = signed_in.post(url("details", classic), {"name": "Classic", "description": "B2B only."})
    taken = signed_in.post(url("details", classic), {"name": "Customer-centric", "description": ""})

    assert saved.status_code == 302
    assert taken.status_code == 400
    assert taken.context["details_form"].errors["name"] == [
        "Name: a policy named “Customer-centric” exists already."
    ]
    policy = fetch(creditor, classic)
    assert (policy.name, policy.description) == ("Classic", "B2B only.")


def test_a_threshold_is_set_changed_and_removed(signed_in, creditor, presets):
    centric = presets["customer_centric"]

    signed_in.post(url("threshold", centric), {"currency": "chf", "minimum_amount": "30"})
    changed = signed_in.post(
        url("threshold", centric), {"currency": "EUR", "minimum_amount": "25.00"}, follow=True
    )

    assert "Threshold saved: no dunning below €25.00." in changed.content.decode()
    assert thresholds(creditor, centric) == {"EUR": Decimal("25"), "CHF": Decimal("30")}
    signed_in.post(url("threshold_remove", centric, "CHF"))
    assert thresholds(creditor, centric) == {"EUR": Decimal("25")}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"currency": "EUR", "minimum_amount": "-5"}, "minimum_amount", "Minimum amount: must be zero or more."),
        ({"currency": "EUR", "minimum_amount": "ten"}, "minimum_amount", "Minimum amount: enter an amount such as 25.00."),
        ({"currency": "EUR", "minimum_amount": "1.999"}, "minimum_amount", "Minimum amount: EUR has at most 2 decimals."),
        ({"currency": "EURO", "minimum_amount": "5"}, "currency", "Currency: “EURO” is not an ISO 4217 code such as EUR, CHF or GBP."),
        ({"currency": "QQQ", "minimum_amount": "5"}, "currency", "Currency: “QQQ” is not an ISO 4217 code such as EUR, CHF or GBP."),
    ],
)  # fmt: skip
def test_a_bad_threshold_is_refused_naming_the_field(signed_in, creditor, presets, data, field, message):
    centric = presets["customer_centric"]

    response = signed_in.post(url("threshold", centric), data)

    assert response.status_code == 400
    assert response.context["threshold_form"].errors == {field: [message]}
    assert thresholds(creditor, centric) == {"EUR": Decimal("10")}


def test_another_policy_becomes_the_default_unless_the_law_refuses(signed_in, creditor, presets):
    centric, classic = presets["customer_centric"], presets["classic_three_step"]
    shop = presets["b2c_webshop_nl_be"]

    refused = signed_in.post(url("default", classic), follow=True)
    made = signed_in.post(url("default", shop), follow=True)

    assert (
        "“Classic three-step (business)” cannot be the default: stage “second_reminder”: The law forbids"
        in (refused.content.decode())
    )
    assert "“B2C web shop NL/BE” is now the default policy" in made.content.decode()
    assert (fetch(creditor, shop).is_default, fetch(creditor, centric).is_default) == (True, False)


def test_a_policy_nobody_uses_is_deleted_after_asking(signed_in, creditor, presets):
    with scope(creditor=creditor):
        spare = Policy.objects.create(creditor=creditor, name="Spare")

    asked = signed_in.get(url("delete", spare))
    deleted = signed_in.post(url("delete", spare), follow=True)

    assert "Delete the policy “Spare”?" in asked.content.decode()
    assert "The policy “Spare” was deleted." in deleted.content.decode()
    with scope(creditor=creditor):
        assert not Policy.objects.filter(pk=spare.pk).exists()


@pytest.mark.parametrize(
    ("preset", "reason"),
    [
        (
            "customer_centric",
            "“Customer-centric” is the default policy: make another policy the default first.",
        ),
        ("b2c_webshop_nl_be", "“B2C web shop NL/BE” is assigned to debtors: remove its assignments first."),
    ],
)
def test_a_policy_in_use_is_kept_and_the_page_says_why(signed_in, creditor, presets, preset, reason):
    response = signed_in.post(url("delete", presets[preset]), follow=True)

    assert f"Not deleted. {reason}" in response.content.decode()
    with scope(creditor=creditor):
        assert Policy.objects.filter(pk=presets[preset].pk).exists()


@pytest.mark.parametrize("role", ["agent", "read_only"])
def test_agents_and_read_only_members_see_the_settings_but_cannot_change_them(
    client, creditor, member, presets, role
):
    centric, classic = presets["customer_centric"], presets["classic_three_step"]
    client.force_login(member(role))

    listed = client.get(reverse("workbench:dunning_policies")).content.decode()
    page = client.get(reverse("workbench:dunning_policy", args=[classic.pk])).content.decode()
    answers = [
        client.post(reverse("workbench:dunning_policy_new"), {"name": "Mine", "start": ""}),
        client.post(url("details", classic), {"name": "Mine", "description": ""}),
        client.post(url("threshold", classic), {"currency": "EUR", "minimum_amount": "1"}),
        client.post(url("threshold_remove", classic, "EUR")),
        client.post(url("default", classic)),
        client.get(url("delete", classic)),
        client.post(url("delete", classic)),
    ]

    assert "€25.00" in page and 'data-testid="set-threshold"' not in page
    assert 'data-testid="make-default"' not in page and 'data-testid="delete-policy"' not in page
    assert 'data-testid="create-policy"' not in listed
    assert [a.status_code for a in answers] == [403] * len(answers)
    assert fetch(creditor, classic).name == "Classic three-step (business)"
    assert thresholds(creditor, classic) == {"EUR": Decimal("25")}
    assert fetch(creditor, centric).is_default


def test_another_creditors_policy_is_not_found_and_not_changed(signed_in, creditor, presets, other_creditor):
    rival = _presets(other_creditor)["classic_three_step"]

    answers = [
        signed_in.post(url("details", rival), {"name": "Taken", "description": ""}),
        signed_in.post(url("threshold", rival), {"currency": "EUR", "minimum_amount": "1"}),
        signed_in.post(url("threshold_remove", rival, "EUR")),
        signed_in.post(url("default", rival)),
        signed_in.get(url("delete", rival)),
        signed_in.post(url("delete", rival)),
    ]
    copied = signed_in.post(
        reverse("workbench:dunning_policy_new"), {"name": "Stolen", "start": f"policy:{rival.pk}"}
    )

    assert [a.status_code for a in answers] == [404] * len(answers)
    assert copied.status_code == 400 and "start" in copied.context["start_form"].errors
    with scope(creditor=other_creditor):
        policy = Policy.objects.prefetch_related("thresholds").get(pk=rival.pk)
        assert (policy.name, policy.is_default) == ("Classic three-step (business)", False)
        assert [t.minimum_amount for t in policy.thresholds.all()] == [Decimal("25")]
    with scope(creditor=creditor):
        assert not Policy.objects.filter(name="Stolen").exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", ["Schwellenwerte", "Zum Standard machen", "Währung: „EURO“ ist kein ISO-4217-Code wie EUR, CHF oder GBP."]),
        ("nl", ["Drempels", "Standaard maken", "Valuta: „EURO” is geen ISO 4217-code zoals EUR, CHF of GBP."]),
        ("fr", ["Seuils", "Définir par défaut", "Devise : « EURO » n’est pas un code ISO 4217 comme EUR, CHF ou GBP."]),
    ],
)  # fmt: skip
def test_the_settings_speak_the_language_of_the_page(signed_in, presets, language, words):
    signed_in.cookies["django_language"] = language

    response = signed_in.post(
        url("threshold", presets["classic_three_step"]), {"currency": "EURO", "minimum_amount": "5"}
    )

    html = response.content.decode()
    assert [w for w in words if w not in html] == []
