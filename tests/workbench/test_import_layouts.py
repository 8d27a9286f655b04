"""Column layouts on the import page: choose one, map a file's columns, list and delete them."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.ledger.imports.services import mapping_save
from tact.ledger.models import ColumnMapping, ImportRun, Invoice

pytestmark = pytest.mark.django_db

# An ERP export whose headers tact does not know.
ODD_CSV = (
    "Beleg-Ident;Partner-Ident;Partnername;Buchungstag;Zahlungsziel;Summe\n"
    "RE-9001;K9000;Kaiser OHG;01.10.2025;31.10.2025;1.190,00\n"
    "RE-9002;K9100;Lange GmbH;15.10.2025;14.11.2025;238,50\n"
)
ODD_COLUMNS = {
    "invoice_number": "Beleg-Ident",
    "debtor_number": "Partner-Ident",
    "debtor_name": "Partnername",
    "issued_on": "Buchungstag",
    "due_on": "Zahlungsziel",
    "amount": "Summe",
}
GOOD_CSV = (
    "Rechnungsnummer;Kundennummer;Kunde;Rechnungsdatum;Fälligkeitsdatum;Betrag\n"
    "RE-7001;K7000;Schmidt Bau GmbH;01.10.2025;31.10.2025;1.190,00\n"
)


@pytest.fixture(autouse=True)
def var_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def upload(client, text: str, name: str = "export.csv", **data):
    file = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return client.post(reverse("workbench:import"), {"file": file, **data})


def run_of(response) -> ImportRun:
    run_id = int(re.search(r"/import/(\d+)/$", response.url).group(1))
    return ImportRun.objects.get(pk=run_id)


def mapping_post(**overrides) -> dict[str, str]:
    data = {f"col_{k}": v for k, v in ODD_COLUMNS.items()}
    data.update({"name": "Kaiser ERP", "decimal": ",", "date_order": "dmy"})
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def save(creditor, name="Kaiser ERP", is_default=False) -> ColumnMapping:
    return mapping_save(creditor=creditor, name=name, columns=ODD_COLUMNS, is_default=is_default)


# -- the upload ---------------------------------------------------------------------------


def test_upload_form_preselects_the_default_layout(signed_in, in_scope):
    save(in_scope, name="Other")
    default = save(in_scope, name="Kaiser ERP", is_default=True)

    html = signed_in.get(reverse("workbench:import")).content.decode()

    assert f'<option value="{default.pk}" selected>Kaiser ERP</option>' in html
    assert '<option value="auto">Recognise the columns automatically</option>' in html


def test_upload_without_layouts_preselects_automatic_recognition(signed_in, in_scope):
    html = signed_in.get(reverse("workbench:import")).content.decode()

    assert '<option value="auto" selected>' in html


def test_upload_with_a_chosen_layout_reads_the_odd_headers(signed_in, in_scope):
    mapping = save(in_scope)

    response = upload(signed_in, ODD_CSV, layout=str(mapping.pk))

    run = run_of(response)
    assert run.status == "previewed"
    assert run.report["created"]["invoices"] == 2


def test_automatic_recognition_ignores_the_default_layout(signed_in, in_scope):
    save(in_scope, is_default=True)

    response = upload(signed_in, GOOD_CSV, layout="auto")

    assert run_of(response).status == "previewed"


def test_a_layout_id_of_another_creditor_is_refused(signed_in, in_scope, other_creditor):
    with scope(creditor=other_creditor):
        rival = save(other_creditor, name="Rival layout")

    response = upload(signed_in, ODD_CSV, layout=str(rival.pk))

    assert response.status_code == 400
    assert ImportRun.objects.count() == 0


# -- mapping the columns of a rejected file ----------------------------------------------


def test_a_file_with_unknown_headers_offers_the_mapping_form(signed_in, in_scope):
    run = run_of(upload(signed_in, ODD_CSV))

    response = signed_in.get(reverse("workbench:import_run", args=[run.pk]))

    html = response.content.decode()
    assert run.status == "rejected"
    assert 'id="map-columns"' in html
    assert 'name="col_invoice_number"' in html and 'name="col_due_on"' in html
    assert '<option value="Zahlungsziel">Zahlungsziel</option>' in html
    assert html.index('name="col_debtor_name"') < html.index('name="col_email"')  # required first
    assert 'value="export"' in html  # the name proposed: the file's


def test_recognised_columns_are_preselected(signed_in, in_scope):
    half = "Rechnungsnummer;Kundennummer;Kunde;Buchungstag;Zahlungsziel;Betrag\nRE-1;K1;A;01.10.2025;31.10.2025;1,00\n"
    run = run_of(upload(signed_in, half))

    html = signed_in.get(reverse("workbench:import_run", args=[run.pk])).content.decode()

    assert '<option value="Rechnungsnummer" selected>' in html
    assert '<option value="Zahlungsziel" selected>' not in html


def test_a_file_with_a_bad_row_offers_no_mapping_form_and_is_not_read_again(signed_in, in_scope, monkeypatch):
    bad = GOOD_CSV + "RE-7002;K7000;Schmidt Bau GmbH;01.10.2025;31.02.2025;5,00\n"
    run = run_of(upload(signed_in, bad))
    monkeypatch.setattr("tact.workbench.selectors.parse_file", lambda *a, **k: pytest.fail("file read"))

    html = signed_in.get(reverse("workbench:import_run", args=[run.pk])).content.decode()

    assert run.status == "rejected" and run.report["error_count"] == 1
    assert 'id="map-columns"' not in html


def test_saving_a_mapping_checks_the_same_file_again(signed_in, in_scope, manager):
    run = run_of(upload(signed_in, ODD_CSV))

    response = signed_in.post(reverse("workbench:import_map", args=[run.pk]), mapping_post())

    again = run_of(response)
    assert again.pk != run.pk and again.status == "previewed"
    assert again.stored_file == run.stored_file and again.filename == "export.csv"
    assert again.report["created"]["invoices"] == 2
    mapping = ColumnMapping.objects.get(name="Kaiser ERP")
    assert mapping.columns == ODD_COLUMNS
    assert mapping.options == {"decimal": ",", "date_order": "dmy"}
    assert not mapping.is_default
    assert AuditEvent.objects.filter(action="column_mapping_saved", actor=manager).count() == 1
    run.refresh_from_db()
    assert run.status == "rejected"  # the first check stays as it was


def test_a_mapping_saved_as_default_is_applied_on_confirm(signed_in, in_scope):
    run = run_of(upload(signed_in, ODD_CSV))
    again = run_of(
        signed_in.post(reverse("workbench:import_map", args=[run.pk]), mapping_post(is_default="on"))
    )

    signed_in.post(reverse("workbench:import_decide", args=[again.pk, "confirm"]))

    again.refresh_from_db()
    assert again.status == "applied"
    assert sorted(Invoice.objects.values_list("number", flat=True)) == ["RE-9001", "RE-9002"]


def test_a_mapping_not_saved_as_default_is_applied_on_confirm(signed_in, in_scope):
    run = run_of(upload(signed_in, ODD_CSV))
    again = run_of(signed_in.post(reverse("workbench:import_map", args=[run.pk]), mapping_post()))

    signed_in.post(reverse("workbench:import_decide", args=[again.pk, "confirm"]))

    again.refresh_from_db()
    assert again.status == "applied"


def test_a_mapping_without_a_required_column_is_refused_next_to_the_field(signed_in, in_scope):
    run = run_of(upload(signed_in, ODD_CSV))

    response = signed_in.post(
        reverse("workbench:import_map", args=[run.pk]), mapping_post(col_due_on="", col_amount="")
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in html
    assert "Choose the column of the amount or of the open amount." in html
    assert not ColumnMapping.objects.exists()


def test_a_mapping_naming_a_header_the_file_lacks_is_refused(signed_in, in_scope):
    run = run_of(upload(signed_in, ODD_CSV))

    response = signed_in.post(
        reverse("workbench:import_map", args=[run.pk]), mapping_post(col_due_on="Zahlbar bis")
    )

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


def test_mapping_the_columns_of_another_creditors_run_is_not_found(signed_in, in_scope, other_creditor):
    with scope(creditor=other_creditor):
        rival = ImportRun.objects.create(
            creditor=other_creditor, filename="r.csv", sha256="0" * 64, file_format="csv", status="rejected"
        )

    response = signed_in.post(reverse("workbench:import_map", args=[rival.pk]), mapping_post())

    assert response.status_code == 404
    assert not ColumnMapping.objects.exists()


def test_an_agent_may_not_map_columns(client, member, in_scope):
    manager = member("credit_manager")
    client.force_login(manager)
    run = run_of(upload(client, ODD_CSV))
    client.force_login(member("agent"))

    page = client.get(reverse("workbench:import_run", args=[run.pk]))
    response = client.post(reverse("workbench:import_map", args=[run.pk]), mapping_post())

    assert 'id="map-columns"' not in page.content.decode()
    assert response.status_code == 403


# -- the list of layouts -----------------------------------------------------------------


def test_saved_layouts_are_listed_with_their_columns(signed_in, in_scope):
    save(in_scope, is_default=True)

    html = signed_in.get(reverse("workbench:import")).content.decode()

    assert "Kaiser ERP" in html and "default" in html
    assert "Due date ←</span> <code>Zahlungsziel</code>" in html


def test_deleting_a_layout_asks_first_then_deletes_and_audits(signed_in, in_scope, manager):
    mapping = save(in_scope)
    url = reverse("workbench:mapping_delete", args=[mapping.pk])

    question = signed_in.get(url)
    assert ColumnMapping.objects.filter(pk=mapping.pk).exists()
    response = signed_in.post(url, follow=True)

    assert "Delete the column layout “Kaiser ERP”?" in question.content.decode()
    assert not ColumnMapping.objects.filter(pk=mapping.pk).exists()
    assert "was deleted" in response.content.decode()
    event = AuditEvent.objects.get(action="column_mapping_deleted")
    assert event.actor == manager and event.before["name"] == "Kaiser ERP"


def test_deleting_another_creditors_layout_is_not_found(signed_in, in_scope, other_creditor):
    with scope(creditor=other_creditor):
        rival = save(other_creditor, name="Rival layout")

    response = signed_in.post(reverse("workbench:mapping_delete", args=[rival.pk]))

    assert response.status_code == 404
    with scope(creditor=other_creditor):
        assert ColumnMapping.objects.filter(pk=rival.pk).exists()


@pytest.mark.parametrize("role", ["agent", "read_only"])
def test_only_importing_roles_may_delete_a_layout(client, member, in_scope, role):
    mapping = save(in_scope)
    client.force_login(member(role))

    listing = client.get(reverse("workbench:import")).content.decode()
    response = client.post(reverse("workbench:mapping_delete", args=[mapping.pk]))

    assert "Kaiser ERP" in listing
    assert reverse("workbench:mapping_delete", args=[mapping.pk]) not in listing
    assert response.status_code == 403
    assert ColumnMapping.objects.filter(pk=mapping.pk).exists()


def test_a_workbook_with_unknown_headers_offers_its_headers(signed_in, in_scope):
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    for line in ODD_CSV.splitlines():
        book.active.append(line.split(";"))
    data = BytesIO()
    book.save(data)
    file = SimpleUploadedFile("export.xlsx", data.getvalue())
    run = run_of(signed_in.post(reverse("workbench:import"), {"file": file}))

    html = signed_in.get(reverse("workbench:import_run", args=[run.pk])).content.decode()

    assert run.status == "rejected"
    assert '<option value="Zahlungsziel">Zahlungsziel</option>' in html
