"""CSV layouts of the bank's export: the services, the sample, the layouts pages and the upload page."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.banking.errors import InvalidCsvMapping, StatementUnreadable
from tact.banking.models import BankTransaction, CsvMapping, LineStatus
from tact.banking.selectors import CSV_FIELDS, csv_layout_sample
from tact.banking.services import csv_mapping_delete, csv_mapping_save, statement_import
from tact.banking.services.layouts import DELIMITERS
from tact.workbench.banking_forms import DELIMITER_CHOICES, FIELD_LABELS, TAB

from .conftest import build_portfolio

pytestmark = pytest.mark.django_db

# A bank export whose headers tact does not know: ";" between columns, decimal comma, dd.mm.yyyy.
ODD_CSV = (
    "Buchung;Wert;Summe;Gegenkonto;Text\n"
    "01.12.2025;01.12.2025;1.190,00;DE02120300000000202051;RE-1001 Müller Maschinenbau\n"
    "28.11.2025;28.11.2025;250,00;NL91ABNA0417164300;Factuur RE-2001\n"
    "30.11.2025;30.11.2025;-35,70;DE44500105175407324931;Kontoführung November\n"
)
ODD_COLUMNS = {
    "booked_on": "Buchung",
    "value_on": "Wert",
    "amount": "Summe",
    "counterparty_iban": "Gegenkonto",
    "remittance": "Text",
}
ODD_OPTIONS = {"delimiter": ";", "decimal": ",", "date_format": "%d.%m.%Y"}
KNOWN_CSV = "Buchungstag;Betrag;Verwendungszweck\n01.12.2025;1.190,00;RE-1001\n"


def save(creditor, by=None, **overrides) -> CsvMapping:
    data = {"name": "Hausbank", "columns": ODD_COLUMNS, "options": ODD_OPTIONS, "is_default": False}
    data.update(overrides)
    return csv_mapping_save(creditor=creditor, by=by, **data)


def problems_of(excinfo) -> list[tuple[str, str]]:
    return [(p["field"], p["reason"]) for p in excinfo.value.facts["problems"]]


def csv_file(text: str, name: str = "umsaetze.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("cp1252"), content_type="text/csv")


def read_sample(client, text: str = ODD_CSV, url: str | None = None):
    return client.post(url or reverse("workbench:bank_layout_new"), {"read": "1", "file": csv_file(text)})


def token_of(html: str) -> str:
    return re.search(r'name="sample" value="([^"]+)"', html).group(1)


def layout_post(token: str = "", **overrides) -> dict[str, str]:
    data = {f"col_{k}": v for k, v in ODD_COLUMNS.items()}
    data.update(
        {"sample": token, "name": "Hausbank", "delimiter": ";", "decimal": ",", "date_format": "%d.%m.%Y"}
    )
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def field_html(html: str, name: str) -> str:
    """The markup of one form field (label, input, errors)."""
    return re.search(rf'<div class="field[^"]* field-{name}">(.*?)</div>', html, re.S).group(1)


# -- the services ------------------------------------------------------------------------


def test_a_layout_saved_from_the_screens_data_reads_the_export(in_scope, manager):
    build_portfolio(in_scope, by=manager)
    columns = {**{f: "" for f in CSV_FIELDS}, **ODD_COLUMNS}  # the screen posts every field

    mapping = save(in_scope, by=manager, columns=columns, options={**ODD_OPTIONS, "decimal": ","})
    summary = statement_import(creditor=in_scope, data=ODD_CSV.encode(), filename="umsaetze.csv",
                               by=manager, mapping=mapping)  # fmt: skip

    assert mapping.columns == ODD_COLUMNS  # fields not in the file left out
    assert mapping.options == ODD_OPTIONS
    assert summary.as_dict()["transactions"] == 3 and summary.matched == 2
    assert sorted(BankTransaction.objects.values_list("status", flat=True)) == [
        LineStatus.IGNORED, LineStatus.MATCHED, LineStatus.MATCHED
    ]  # fmt: skip


def test_a_layout_without_booking_date_and_amount_is_refused_field_by_field(in_scope):
    with pytest.raises(InvalidCsvMapping) as excinfo:
        save(in_scope, columns={"remittance": "Text", "booked_on": "  "})

    assert problems_of(excinfo) == [("booked_on", "required"), ("amount", "required")]
    assert CsvMapping.objects.count() == 0


def test_credit_without_debit_names_the_debit(in_scope):
    with pytest.raises(InvalidCsvMapping) as excinfo:
        save(in_scope, columns={"booked_on": "Buchung", "credit": "Haben"})

    assert problems_of(excinfo) == [("debit", "pair")]
    assert "debit: credit and debit come together" in excinfo.value.message


def test_credit_and_debit_stand_for_the_amount(in_scope):
    mapping = save(in_scope, columns={"booked_on": "Buchung", "credit": "Haben", "debit": "Soll"})

    assert mapping.columns == {"booked_on": "Buchung", "credit": "Haben", "debit": "Soll"}


def test_conventions_the_parser_cannot_use_are_refused(in_scope):
    with pytest.raises(InvalidCsvMapping) as excinfo:
        save(in_scope, options={"delimiter": "x", "decimal": ";", "date_format": "%d", "encoding": "cp1252"})

    assert problems_of(excinfo) == [
        ("delimiter", "invalid"), ("decimal", "invalid"), ("date_format", "invalid"), ("encoding", "unknown_option")
    ]  # fmt: skip


def test_a_date_format_of_its_own_is_kept(in_scope):
    mapping = save(in_scope, options={"date_format": "%d.%m.%Y %H:%M", "delimiter": "\t"})

    assert mapping.options == {"date_format": "%d.%m.%Y %H:%M", "delimiter": "\t"}


def test_a_new_layout_may_not_take_the_name_of_another(in_scope):
    save(in_scope)

    with pytest.raises(InvalidCsvMapping) as excinfo:
        save(in_scope, columns={"booked_on": "Datum", "amount": "Betrag"}, replace=False)

    assert problems_of(excinfo) == [("name", "taken")]
    assert CsvMapping.objects.get().columns == ODD_COLUMNS


def test_the_command_line_replaces_a_layout_by_its_name(in_scope):
    save(in_scope)

    save(in_scope, columns={"booked_on": "Datum", "amount": "Betrag"})

    assert CsvMapping.objects.get().columns == {"booked_on": "Datum", "amount": "Betrag"}


def test_editing_renames_the_layout_and_audits_before_and_after(in_scope, manager):
    mapping = save(in_scope, by=manager)

    edited = save(in_scope, by=manager, mapping=mapping, name="Sparkasse", columns={**ODD_COLUMNS, "value_on": ""},
                  replace=False)  # fmt: skip

    assert edited.pk == mapping.pk and CsvMapping.objects.count() == 1
    assert edited.name == "Sparkasse" and "value_on" not in edited.columns
    event = AuditEvent.objects.filter(action="bank_csv_mapping_saved").latest("pk")
    assert event.actor == manager
    assert event.before["name"] == "Hausbank" and event.before["columns"] == ODD_COLUMNS
    assert event.after["name"] == "Sparkasse"


def test_editing_may_not_take_the_name_of_another_layout(in_scope):
    save(in_scope, name="Sparkasse")
    mapping = save(in_scope)

    with pytest.raises(InvalidCsvMapping) as excinfo:
        save(in_scope, mapping=mapping, name="Sparkasse", replace=False)

    assert problems_of(excinfo) == [("name", "taken")]


def test_a_layout_saved_as_default_takes_the_mark_from_the_other(in_scope):
    old = save(in_scope, name="Alt", is_default=True)
    new = save(in_scope, name="Neu")

    save(in_scope, mapping=new, name="Neu", is_default=True)

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.is_default, new.is_default) == (False, True)


def test_delete_removes_the_layout_and_audits_it(in_scope, manager):
    mapping = save(in_scope, by=manager, is_default=True)
    pk = mapping.pk

    csv_mapping_delete(mapping=mapping, by=manager)

    assert CsvMapping.objects.count() == 0
    event = AuditEvent.objects.get(action="bank_csv_mapping_deleted")
    assert event.actor == manager and event.subject_id == str(pk)
    assert event.before == {
        "name": "Hausbank",
        "columns": ODD_COLUMNS,
        "options": ODD_OPTIONS,
        "is_default": True,
    }


def test_the_screen_offers_the_delimiters_the_service_accepts():
    offered = {TAB if v == "\t" else v for v in DELIMITERS}

    assert {v for v, _ in DELIMITER_CHOICES if v} == offered
    assert sorted(FIELD_LABELS) == sorted(CSV_FIELDS)


# -- the sample --------------------------------------------------------------------------


def test_a_sample_shows_the_table_below_the_account_lines_and_guesses_its_conventions(in_scope):
    text = "Kontoauszug;Girokonto\nIBAN;DE89370400440532013000\n\n" + ODD_CSV

    sample = csv_layout_sample(data=text.encode("cp1252"), filename="umsaetze.csv")

    assert sample.line == 4
    assert sample.headers == ["Buchung", "Wert", "Summe", "Gegenkonto", "Text"]
    assert sample.rows[2] == [
        "30.11.2025",
        "30.11.2025",
        "-35,70",
        "DE44500105175407324931",
        "Kontoführung November",
    ]
    assert (sample.delimiter, sample.decimal, sample.date_format) == (";", ",", "%d.%m.%Y")
    assert sample.recognised == {}


def test_a_sample_of_known_headers_names_their_fields(in_scope):
    sample = csv_layout_sample(data=KNOWN_CSV.encode(), filename="k.csv")

    assert sample.recognised == {
        "booked_on": "Buchungstag",
        "amount": "Betrag",
        "remittance": "Verwendungszweck",
    }


def test_a_sample_read_for_a_layout_finds_the_layouts_columns(in_scope):
    mapping = save(in_scope, columns={"booked_on": "buchung", "amount": "SUMME"})

    sample = csv_layout_sample(data=ODD_CSV.encode(), filename="u.csv", mapping=mapping)

    assert sample.recognised == {"booked_on": "Buchung", "amount": "Summe"}


def test_a_camt_file_needs_no_layout(in_scope):
    camt = (
        b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"></Document>'
    )

    with pytest.raises(StatementUnreadable, match="reads it without a CSV layout"):
        csv_layout_sample(data=camt, filename="auszug.xml")


# -- the pages ---------------------------------------------------------------------------


def test_the_layouts_page_lists_columns_conventions_and_the_default(signed_in, in_scope):
    save(in_scope, is_default=True)
    save(
        in_scope,
        name="Zweitbank",
        columns={"booked_on": "Datum", "credit": "Haben", "debit": "Soll"},
        options={},
    )

    html = signed_in.get(reverse("workbench:bank_layouts")).content.decode()

    assert 'Hausbank <span class="badge badge-ok">default</span>' in html
    assert "Booking date ←</span> <code>Buchung</code>" in html
    assert "Their IBAN ←</span> <code>Gegenkonto</code>" in html
    assert "Delimiter: Semicolon ;<br>Decimal separator: ,<br>Dates like 31.12.2025" in html
    assert "Credit (money in) ←</span> <code>Haben</code>" in html
    assert html.count(">Edit</a>") == 2 and html.count(">Delete</a>") == 2
    assert 'href="/bank/layouts/new/"' in html


def test_reading_a_sample_shows_its_lines_and_a_choice_of_its_columns(signed_in, in_scope):
    response = read_sample(signed_in)

    html = response.content.decode()
    assert response.status_code == 200
    assert "umsaetze.csv: the header (line 1) and the first lines" in html
    assert "<th>Gegenkonto</th>" in html and "Kontoführung November" in html
    column = field_html(html, "col_booked_on")
    assert '<option value="" selected>— not in the file —</option>' in column
    assert '<option value="Buchung">Buchung</option>' in column
    assert '<option value=";" selected>' in field_html(html, "delimiter")
    assert '<option value="," selected>' in field_html(html, "decimal")
    assert '<option value="%d.%m.%Y" selected>31.12.2025</option>' in field_html(html, "date_format")
    assert 'value="umsaetze"' in field_html(html, "name")
    assert "checked" in field_html(html, "is_default")  # the first layout: the default
    assert CsvMapping.objects.count() == 0


def test_a_sample_of_known_headers_has_them_chosen(signed_in, in_scope):
    html = read_sample(signed_in, KNOWN_CSV).content.decode()

    assert '<option value="Buchungstag" selected>' in field_html(html, "col_booked_on")
    assert '<option value="Verwendungszweck" selected>' in field_html(html, "col_remittance")


def test_saving_after_the_sample_creates_the_layout(signed_in, in_scope, manager):
    token = token_of(read_sample(signed_in).content.decode())

    response = signed_in.post(reverse("workbench:bank_layout_new"), layout_post(token, is_default="on"))

    assert response.status_code == 302 and response.url == reverse("workbench:bank_layouts")
    mapping = CsvMapping.objects.get()
    assert (mapping.name, mapping.columns, mapping.options, mapping.is_default) == (
        "Hausbank", ODD_COLUMNS, ODD_OPTIONS, True
    )  # fmt: skip
    assert AuditEvent.objects.filter(action="bank_csv_mapping_saved", actor=manager).count() == 1


def test_the_services_refusal_shows_under_the_fields_with_the_sample_again(signed_in, in_scope):
    token = token_of(read_sample(signed_in).content.decode())

    response = signed_in.post(reverse("workbench:bank_layout_new"),
                              layout_post(token, col_booked_on="", col_amount="", col_credit="Summe"))  # fmt: skip

    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose the column of the booking date." in field_html(html, "col_booked_on")
    assert "Credit and debit go together" in field_html(html, "col_debit")
    assert "<th>Gegenkonto</th>" in html  # the sample is shown again
    assert '<option value="Summe" selected>' in field_html(html, "col_credit")
    assert CsvMapping.objects.count() == 0


def test_a_new_layout_with_the_name_of_another_is_refused_on_the_name(signed_in, in_scope):
    save(in_scope)
    token = token_of(read_sample(signed_in).content.decode())

    response = signed_in.post(reverse("workbench:bank_layout_new"), layout_post(token))

    assert response.status_code == 400
    assert "Another layout has this name." in field_html(response.content.decode(), "name")


def test_a_sample_too_large_is_refused(signed_in, in_scope, settings):
    settings.TACT_BANK_MAX_BYTES = 100

    response = read_sample(signed_in)

    assert response.status_code == 400
    assert "at most 100 are accepted" in response.content.decode()


def test_editing_without_a_sample_offers_the_headers_as_text(signed_in, in_scope):
    mapping = save(in_scope, options={"delimiter": "\t", "date_format": "%d.%m.%Y %H:%M"})
    url = reverse("workbench:bank_layout", args=[mapping.pk])

    html = signed_in.get(url).content.decode()
    response = signed_in.post(url, layout_post(col_value_on="", col_text="", delimiter=TAB,
                                               date_format="%d.%m.%Y %H:%M", is_default="on"))  # fmt: skip

    assert '<input type="text" name="col_booked_on" value="Buchung"' in html
    assert '<option value="tab" selected>' in field_html(html, "delimiter")
    assert '<option value="%d.%m.%Y %H:%M" selected>' in field_html(html, "date_format")  # kept
    assert response.status_code == 302
    mapping.refresh_from_db()
    assert "value_on" not in mapping.columns and mapping.is_default
    assert mapping.options == {"delimiter": "\t", "decimal": ",", "date_format": "%d.%m.%Y %H:%M"}


def test_editing_with_a_sample_chooses_the_layouts_columns(signed_in, in_scope):
    mapping = save(in_scope, columns={"booked_on": "Wert", "amount": "Summe"})
    url = reverse("workbench:bank_layout", args=[mapping.pk])

    html = read_sample(signed_in, url=url).content.decode()

    assert '<option value="Wert" selected>' in field_html(html, "col_booked_on")
    assert '<option value="" selected>' in field_html(html, "col_remittance")
    assert 'value="Hausbank"' in field_html(html, "name")


def test_delete_asks_then_deletes(signed_in, in_scope):
    mapping = save(in_scope)
    url = reverse("workbench:bank_layout_delete", args=[mapping.pk])

    asked = signed_in.get(url)
    assert CsvMapping.objects.count() == 1
    done = signed_in.post(url)

    assert "Delete the CSV layout “Hausbank”?" in asked.content.decode()
    assert done.status_code == 302 and done.url == reverse("workbench:bank_layouts")
    assert CsvMapping.objects.count() == 0


@pytest.mark.parametrize("role", ["agent", "read_only"])
def test_a_member_without_import_may_look_but_not_change(client, member, in_scope, role):
    mapping = save(in_scope)
    client.force_login(member(role))

    listed = client.get(reverse("workbench:bank_layouts"))
    new = client.get(reverse("workbench:bank_layout_new"))
    edit = client.post(reverse("workbench:bank_layout", args=[mapping.pk]), layout_post(name="Anders"))
    delete = client.post(reverse("workbench:bank_layout_delete", args=[mapping.pk]))

    html = listed.content.decode()
    assert listed.status_code == 200 and "Hausbank" in html
    assert "/bank/layouts/new/" not in html and ">Edit</a>" not in html
    assert (new.status_code, edit.status_code, delete.status_code) == (403, 403, 403)
    assert CsvMapping.objects.get().name == "Hausbank"


def test_another_creditors_layout_is_neither_listed_nor_changed(signed_in, in_scope, other_creditor):
    with scope(creditor=other_creditor):
        rival = save(other_creditor, name="Rival bank")

    html = signed_in.get(reverse("workbench:bank_layouts")).content.decode()
    edit = signed_in.get(reverse("workbench:bank_layout", args=[rival.pk]))
    saved = signed_in.post(reverse("workbench:bank_layout", args=[rival.pk]), layout_post(name="Mine"))
    delete = signed_in.post(reverse("workbench:bank_layout_delete", args=[rival.pk]))

    assert "Rival bank" not in html
    assert (edit.status_code, saved.status_code, delete.status_code) == (404, 404, 404)
    with scope(creditor=other_creditor):
        assert CsvMapping.objects.get().name == "Rival bank"
    assert CsvMapping.objects.count() == 0


def test_the_layouts_page_speaks_german(signed_in, in_scope):
    save(in_scope)
    signed_in.cookies["django_language"] = "de"

    html = signed_in.get(reverse("workbench:bank_layouts")).content.decode()

    assert "<h1>CSV-Aufbauten</h1>" in html
    assert "Buchungsdatum ←" in html


# -- the upload page ---------------------------------------------------------------------


def test_the_upload_page_links_to_the_layouts(signed_in, in_scope):
    html = signed_in.get(reverse("workbench:bank_upload")).content.decode()

    assert f'<a href="{reverse("workbench:bank_layouts")}">CSV layout</a>' in html


def test_a_csv_tact_cannot_read_links_to_the_layouts_page(signed_in, in_scope):
    response = signed_in.post(reverse("workbench:bank_upload"), {"file": csv_file(ODD_CSV)})

    html = response.content.decode()
    assert response.status_code == 400
    hint = re.search(r'data-testid="layout-needed">(.*?)</div>', html, re.S).group(1)
    assert f'<a href="{reverse("workbench:bank_layouts")}">CSV layouts</a>' in hint


def test_a_file_that_is_no_statement_does_not_point_to_the_layouts(signed_in, in_scope):
    response = signed_in.post(reverse("workbench:bank_upload"), {"file": csv_file("just some text")})

    assert response.status_code == 400
    assert 'data-testid="layout-needed"' not in response.content.decode()


def test_the_upload_page_preselects_the_default_layout_and_reads_with_it(signed_in, in_scope, manager):
    build_portfolio(in_scope, by=manager)
    save(in_scope, name="Zweitbank", columns={"booked_on": "Datum", "amount": "Betrag"})
    save(in_scope, is_default=True)

    html = signed_in.get(reverse("workbench:bank_upload")).content.decode()
    response = signed_in.post(
        reverse("workbench:bank_upload"), {"file": csv_file(ODD_CSV), "layout": "Hausbank"}
    )

    assert '<option value="Hausbank" selected>Hausbank</option>' in html
    assert response.status_code == 302
    assert BankTransaction.objects.count() == 3


def test_recognising_the_columns_on_the_upload_page_leaves_the_default_aside(signed_in, in_scope, manager):
    build_portfolio(in_scope, by=manager)
    save(in_scope, is_default=True)

    response = signed_in.post(reverse("workbench:bank_upload"), {"file": csv_file(KNOWN_CSV), "layout": ""})

    assert response.status_code == 302
    assert BankTransaction.objects.count() == 1
