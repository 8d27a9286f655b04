"""SEPA Direct Debit for plans: the mandate (IBAN checked by schwifty) and the pain.008.001.02
file, validated against the official XSD that the sepaxml package ships."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from zoneinfo import ZoneInfo

import pytest
import xmlschema
from django.core.management import call_command
from lxml import etree

from tact.arrangements.models import PlanRules
from tact.arrangements.sepa import NS, SepaInvalid, mandate_sign, pain008_validate, sepa_export
from tact.dunning.arrangement_holds import plan_propose_held
from tests.dunning.conftest import MONDAY, debtor_with_items

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
XSD = resources.files("sepaxml") / "schemas" / "pain.008.001.02.xsd"


def day(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


@pytest.fixture
def plan(presets, other_creditor):
    PlanRules.objects.create(creditor=presets, sepa_creditor_id="DE98ZZZ09999999999")
    debtor, items = debtor_with_items(presets, due=[day(-20)], amount="900.00", name="Jürgen Größe")
    return plan_propose_held(debtor=debtor, invoices=items, count=3, first_due_on=day(14), today=day(0),
                             source="portal", by="portal")  # fmt: skip


def signed(plan, iban="DE02 1203 0000 0000 2020 51"):
    return mandate_sign(plan=plan, iban=iban, debtor_name="Jürgen Größe", signed_on=day(0), by="portal")


def test_a_signed_mandate_stores_the_compact_iban_and_a_reference(plan):
    mandate = signed(plan)
    assert (mandate.iban, mandate.reference) == (
        "DE02120300000000202051",
        f"TACT-{plan.creditor_id}-{plan.pk}",
    )
    assert mandate.bic == "BYLADEM1001"


@pytest.mark.parametrize("iban", ["DE02 1203 0000 0000 2020 52", "XX00", "DE0212030000000020205"])
def test_a_wrong_iban_is_refused_naming_the_field(plan, iban):
    with pytest.raises(SepaInvalid) as caught:
        signed(plan, iban)
    assert (caught.value.field, caught.value.reason) == ("iban", "iban_invalid")


def test_the_export_of_a_due_day_is_valid_against_the_official_xsd(plan):
    signed(plan)
    export = sepa_export(creditor=plan.creditor, collect_on=day(14), now=NOW, by=None)
    # validated by the service with lxml, and here again by a second validator
    assert xmlschema.XMLSchema(str(XSD)).is_valid(export.document.decode())
    doc = etree.fromstring(export.document)
    ns = {"p": NS}
    assert doc.findtext(".//p:SeqTp", namespaces=ns) == "FRST"
    assert doc.findtext(".//p:InstdAmt", namespaces=ns) == "300.00"
    assert doc.findtext(".//p:Dbtr/p:Nm", namespaces=ns) == "Jurgen Grosse"
    assert doc.findtext(".//p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", namespaces=ns) == "DE98ZZZ09999999999"
    assert (export.count, export.total) == (1, Decimal("300.00"))


def test_the_second_collection_is_recurring_and_nothing_is_exported_twice(plan):
    signed(plan)
    sepa_export(creditor=plan.creditor, collect_on=day(14), now=NOW, by=None)
    with pytest.raises(SepaInvalid) as caught:
        sepa_export(creditor=plan.creditor, collect_on=day(14), now=NOW, by=None)
    assert caught.value.reason == "nothing_due"
    second = plan.instalments.get(number=2).due_on
    export = sepa_export(creditor=plan.creditor, collect_on=second, now=NOW, by=None)
    assert etree.fromstring(export.document).findtext(f".//{{{NS}}}SeqTp") == "RCUR"


def test_a_document_against_the_schema_is_refused():
    broken = f'<Document xmlns="{NS}"><CstmrDrctDbtInitn><GrpHdr/></CstmrDrctDbtInitn></Document>'.encode()
    with pytest.raises(SepaInvalid) as caught:
        pain008_validate(broken)
    assert caught.value.reason == "schema_invalid"


def test_an_invalid_creditor_identifier_is_refused(plan):
    PlanRules.objects.filter(creditor=plan.creditor).update(sepa_creditor_id="DE99ZZZ09999999999")
    signed(plan)
    with pytest.raises(SepaInvalid) as caught:
        sepa_export(creditor=plan.creditor, collect_on=day(14), now=NOW, by=None)
    assert caught.value.field == "sepa_creditor_id"


def test_the_command_writes_the_file(plan, tmp_path, capsys):
    signed(plan)
    out = tmp_path / "dd.xml"
    call_command("plans", "sepa-export", "--creditor", plan.creditor.slug, "--date", day(14).isoformat(),
                 "--out", str(out))  # fmt: skip
    assert "1 direct debits, 300.00 EUR" in capsys.readouterr().out
    assert xmlschema.XMLSchema(str(XSD)).is_valid(out.read_text())


def test_the_check_command_reports_the_day(plan, capsys):
    call_command("plans", "check", "--creditor", plan.creditor.slug, "--date", day(15).isoformat(), "--json")
    assert '"instalments_missed": 1' in capsys.readouterr().out
