"""`tact ledger import` end to end, as a credit manager runs it on their ERP's exports."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.ledger.models import Debtor, ImportRun, Invoice
from tact.ledger.selectors import ledger_inconsistencies

pytestmark = pytest.mark.django_db

GERMAN = (
    "Rechnungsnummer;Kundennummer;Kunde;E-Mail;Rechnungsdatum;Fälligkeitsdatum;Betrag;Offener Betrag;Währung\n"
    "RE-2025-0001;10001;Müller Haustechnik GmbH;buchhaltung@mueller.example;01.10.2025;31.10.2025;1.190,00;1.190,00;EUR\n"
    "RE-2025-0002;10001;Müller Haustechnik GmbH;buchhaltung@mueller.example;15.10.2025;14.11.2025;2.380,50;380,50;EUR\n"
    "RE-2025-0003;10002;Bäckerei Schäfer KG;info@schaefer.example;20.10.2025;19.11.2025;99,95;99,95;EUR\n"
)
DUTCH = (
    "Factuurnummer;Klantnummer;Klantnaam;E-mailadres;Factuurdatum;Vervaldatum;Bedrag;Openstaand bedrag;Valuta\n"
    "F2025-101;D-501;Bakkerij de Vries B.V.;administratie@devries.example;01-10-2025;31-10-2025;€ 1.234,56;€ 1.234,56;EUR\n"
    "F2025-102;D-502;Jansen Installatietechniek;info@jansen.example;05-10-2025;04-11-2025;605,00;0,00;EUR\n"
)
ENGLISH = (
    "invoice_number,customer_number,customer_name,email,issue_date,due_date,amount,open_amount,currency\n"
    'INV-9001,C-77,Northwind Traders Ltd,ap@northwind.example,2025-10-01,2025-10-31,"1,250.00","1,250.00",EUR\n'
    "INV-9002,C-78,Contoso BV,ap@contoso.example,2025-10-03,2025-11-02,99.00,49.50,EUR\n"
)


def import_(path, *args):
    out, err = StringIO(), StringIO()
    try:
        call_command(
            "ledger", "import", "--creditor", "acme", str(path), "--json", *args, stdout=out, stderr=err
        )
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, json.loads(out.getvalue())


@pytest.fixture
def files(tmp_path):
    def write(name, text, encoding="utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


@pytest.mark.parametrize(
    ("text", "encoding", "items", "open_total"),
    [
        (GERMAN, "utf-8", 3, Decimal("1670.45")),
        (GERMAN, "cp1252", 3, Decimal("1670.45")),
        (DUTCH, "utf-8-sig", 2, Decimal("1234.56")),
        (ENGLISH, "utf-8", 2, Decimal("1299.50")),
    ],
)
def test_an_erp_export_imports_its_items_and_debtors(creditor, files, text, encoding, items, open_total):
    code, report = import_(files("export.csv", text, encoding))

    assert code == 0
    assert report["created"]["invoices"] == items
    assert report["errors"] == []
    with scope(creditor=creditor):
        assert Invoice.objects.count() == items
        assert sum(Invoice.objects.values_list("open_amount", flat=True)) == open_total
        assert not ledger_inconsistencies().exists()
        assert ImportRun.objects.get().status == "applied"


def test_umlauts_survive_a_windows_1252_file(creditor, files):
    import_(files("export.csv", GERMAN, "cp1252"))

    with scope(creditor=creditor):
        assert Debtor.objects.get(number="10002").name == "Bäckerei Schäfer KG"


def test_importing_the_same_file_again_changes_nothing(creditor, files):
    path = files("export.csv", GERMAN)
    import_(path)
    with scope(creditor=creditor):
        audit_before = AuditEvent.objects.exclude(action="ledger_imported").count()

    code, report = import_(path)

    assert code == 0
    assert report["created"] == {"debtors": 0, "invoices": 0}
    assert report["updated"] == {"debtors": 0, "invoices": 0}
    assert report["unchanged"] == 3
    with scope(creditor=creditor):
        assert AuditEvent.objects.exclude(action="ledger_imported").count() == audit_before


def test_a_bad_row_is_named_and_nothing_is_written(creditor, files):
    bad = GERMAN + "RE-2025-0004;10003;Weber OHG;weber@example.de;01.02.2025;31.02.2025;12,00;12,00;EUR\n"

    code, report = import_(files("export.csv", bad))

    assert code == 2
    assert report["created"] == {"debtors": 0, "invoices": 0}
    [error] = report["errors"]
    assert error["row"] == 5
    assert error["column"] == "Fälligkeitsdatum"
    assert error["value"] == "31.02.2025"
    assert error["message"]
    with scope(creditor=creditor):
        assert not Invoice.objects.exists()
        assert not Debtor.objects.exists()


def test_every_bad_row_is_reported(creditor, files):
    lines = GERMAN.splitlines()
    lines[1] = lines[1].replace("1.190,00;1.190,00", "zwölf;1.190,00")
    lines[3] = lines[3].replace("20.10.2025", "20.13.2025")
    code, report = import_(files("export.csv", "\n".join(lines) + "\n"))

    assert code == 2
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "Betrag"), (4, "Rechnungsdatum")]


def test_a_dry_run_reports_and_writes_nothing(creditor, files):
    code, report = import_(files("export.csv", GERMAN), "--dry-run")

    assert code == 0
    assert report["created"] == {"debtors": 2, "invoices": 3}
    with scope(creditor=creditor):
        assert not Invoice.objects.exists()
        assert not ImportRun.objects.exists()


def test_a_lower_open_amount_is_an_external_payment(creditor, files):
    import_(files("export.csv", GERMAN))

    code, report = import_(files("export.csv", GERMAN.replace("99,95;99,95", "99,95;0,00")))

    assert report["updated"]["invoices"] == 1
    with scope(creditor=creditor):
        item = Invoice.objects.get(number="RE-2025-0003")
        assert item.open_amount == 0 and item.settled_on is not None
        assert item.allocations.get().payment.source == "import"
        assert not ledger_inconsistencies().exists()


def test_a_full_list_settles_the_items_it_no_longer_holds(creditor, files):
    import_(files("export.csv", GERMAN))
    shorter = "\n".join(GERMAN.splitlines()[:3]) + "\n"

    code, report = import_(files("export.csv", shorter), "--full")

    assert report["settled"] == 1
    with scope(creditor=creditor):
        assert Invoice.objects.get(number="RE-2025-0003").open_amount == 0
        assert not ledger_inconsistencies().exists()


def test_a_file_without_an_invoice_number_column_is_refused(creditor, files):
    code, report = import_(files("export.csv", "Kunde;Betrag\nMüller;12,00\n"))

    assert code == 2
    assert report["errors"]
    assert (
        "invoice" in report["errors"][0]["message"].lower()
        or "rechnungs" in report["errors"][0]["message"].lower()
    )


def test_an_unknown_creditor_is_refused_without_a_traceback(files):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No creditor with slug 'acme'"):
        call_command("ledger", "import", "--creditor", "acme", str(files("x.csv", GERMAN)))


def test_a_saved_mapping_reads_any_other_layout(creditor, files):
    path = files(
        "sap.csv",
        "Beleg;Debitor;Firma;Datum;Zahlbar bis;Summe\nB-1;K9;Test GmbH;01.10.2025;31.10.2025;12,00\n",
    )
    code, report = import_(path)
    assert code == 2 and "Summe" not in report["errors"][0]["message"]

    call_command("ledger", "mapping", "save", "--creditor", "acme", "--name", "SAP",
                 "--column", "amount=Summe", "--column", "invoice_number=Beleg", stdout=StringIO())  # fmt: skip
    code, report = import_(path, "--mapping", "SAP")

    assert code == 0 and report["created"]["invoices"] == 1
    with scope(creditor=creditor):
        assert Invoice.objects.get(number="B-1").gross_amount == Decimal("12.00")


def test_a_mapping_with_an_unknown_field_is_refused(creditor):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="^foo: is not a field"):
        call_command("ledger", "mapping", "save", "--creditor", "acme", "--name", "x", "--column", "foo=Bar")


def test_an_empty_full_list_settles_nothing(creditor, files):
    import_(files("export.csv", GERMAN))

    code, report = import_(files("empty.csv", GERMAN.splitlines()[0] + "\n"), "--full")

    assert code == 2 and "settle every open item" in report["errors"][0]["message"]
    with scope(creditor=creditor):
        assert not Invoice.objects.filter(open_amount=0).exists()
