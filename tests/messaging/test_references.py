"""Structured references: ISO 11649 RF and the Belgian OGM/VCS, check digits included."""

import pytest

from tact.messaging.errors import ContextIncomplete
from tact.messaging.references import (
    ogm_is_valid,
    ogm_make,
    rf_display,
    rf_is_valid,
    rf_make,
    structured_reference,
)


def test_rf_check_digits_match_the_iso_11649_example():
    assert rf_make("539007547034") == "RF18539007547034"
    assert rf_display("RF18539007547034") == "RF18 5390 0754 7034"


def test_rf_made_for_any_base_is_valid_and_a_changed_digit_is_not():
    reference = rf_make("0000012345")
    assert rf_is_valid(reference)
    assert not rf_is_valid(reference[:-1] + "6")


def test_ogm_check_digits_are_base_mod_97():
    assert ogm_make("0108068171") == "+++010/8068/17183+++"
    assert ogm_make("1234567890") == "+++123/4567/89002+++"
    # 0 mod 97 gives 97, not 00
    assert ogm_make(0) == "+++000/0000/00097+++"


def test_the_often_printed_ogm_example_is_invalid():
    assert ogm_is_valid("+++010/8068/17183+++")
    assert ogm_is_valid("+++123/4567/89002+++")
    assert not ogm_is_valid("+++123/4567/89012+++")


def test_belgian_debtors_get_an_ogm_and_others_an_rf_on_the_same_base():
    be = structured_reference(country="BE", debtor_id=42)
    de = structured_reference(country="DE", debtor_id=42)
    assert (be.kind, be.compact, be.display) == ("ogm", "000000004242", "+++000/0000/04242+++")
    assert de.kind == "rf" and de.compact.endswith("0000000042") and rf_is_valid(de.compact)
    assert de.display.startswith("RF") and " " in de.display


@pytest.mark.parametrize("base", ["", "x" * 22, "AB-12"])
def test_an_unusable_rf_base_is_refused(base):
    with pytest.raises(ContextIncomplete):
        rf_make(base)
