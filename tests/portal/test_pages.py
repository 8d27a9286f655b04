"""The debtor's pages: what they show, and each action through its service."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope

from tact.arrangements.models import Dispute, Promise
from tact.audit.models import AuditEvent
from tact.dunning.models import Hold
from tact.ledger.models import Contact, Debtor
from tact.portal.models import Submission

from .conftest import TODAY, link, verified

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def audited(creditor, debtor, action: str) -> list[AuditEvent]:
    with scope(creditor=creditor):
        return list(
            AuditEvent.objects.filter(subject_type="ledger.debtor", subject_id=str(debtor.pk), action=action)
        )


def test_the_overview_is_in_the_debtors_language_with_a_switch(client, world):
    path = verified(client, world.consumer)
    page = client.get(path).content.decode()
    assert '<html lang="nl">' in page
    assert "Openstaande facturen" in page and "RE-1001" in page and "RE-1002" in page
    client.post(path + "language/", {"language": "de", "next": path})
    page = client.get(path).content.decode()
    assert '<html lang="de">' in page and "Offene Rechnungen" in page


def test_the_pay_page_shows_the_structured_reference_and_the_qr_code(client, world):
    page = client.get(link(world.business) + "pay/").content.decode()
    assert "RF" in page and 'src="data:image/png;base64,' in page
    assert "DE89370400440532013000" in page


def test_the_statement_is_a_pdf_listing_the_open_items(client, world, tmp_path):
    response = client.get(link(world.business) + "statement.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        (tmp_path / "s.pdf").write_bytes(response.content)
        text = subprocess.run(
            ["pdftotext", str(tmp_path / "s.pdf"), "-"], capture_output=True, text=True
        ).stdout
        assert "RE-2001" in text and "Account statement" in text


def test_a_promise_places_a_promise_hold_through_the_day_plus_grace(client, creditor, world):
    path = verified(client, world.consumer)
    day = TODAY + timedelta(days=10)
    response = client.post(path + "promise/", {"promised_on": day.isoformat(), "amount": "500.00"})
    assert response.status_code == 302 and response["Location"].endswith("/done/")
    assert "500,00" in client.get(response["Location"]).content.decode()
    with scope(creditor=creditor):
        promise = Promise.objects.get(debtor=world.consumer)
        hold = Hold.objects.get(pk=promise.hold_id)
    assert (promise.amount, promise.promised_on, promise.source) == (Decimal("500.00"), day, "portal")
    assert (hold.reason, hold.starts_on, hold.ends_on) == ("promise", TODAY, day + timedelta(days=3))
    assert len(audited(creditor, world.consumer, "portal_promise_made")) == 1


def test_a_promise_beyond_the_creditors_limit_or_above_the_balance_is_refused(client, creditor, world):
    path = verified(client, world.consumer)
    too_late = client.post(
        path + "promise/", {"promised_on": (TODAY + timedelta(days=31)).isoformat(), "amount": "10"}
    )
    too_much = client.post(path + "promise/", {"promised_on": TODAY.isoformat(), "amount": "1428.01"})
    assert too_late.status_code == too_much.status_code == 200
    assert 'class="error"' in too_late.content.decode() and 'class="error"' in too_much.content.decode()
    with scope(creditor=creditor):
        assert not Promise.objects.exists() and not Hold.objects.exists()


def test_a_dispute_with_a_pdf_holds_that_item_and_keeps_the_file_outside_the_web_root(
    client, creditor, world, private_root
):
    path = verified(client, world.consumer)
    upload = SimpleUploadedFile("lieferschein.pdf", PDF, content_type="application/pdf")
    response = client.post(
        path + "dispute/",
        {
            "item": world.overdue.pk,
            "reason": "defective",
            "text": "Die Ware war beschädigt.",
            "document": upload,
        },
    )
    assert response.status_code == 302
    with scope(creditor=creditor):
        dispute = Dispute.objects.get()
        hold = Hold.objects.get(pk=dispute.hold_id)
    assert (hold.reason, hold.invoice_id, hold.ends_on) == ("dispute", world.overdue.pk, None)
    assert (dispute.document_name, dispute.document_type) == ("lieferschein.pdf", "application/pdf")
    stored = private_root / "arrangements" / dispute.document.name
    assert stored.name == "evidence.pdf"
    assert stored.read_bytes() == PDF
    assert audited(creditor, world.consumer, "portal_dispute_opened")[0].after["item"] == "RE-1001"


@pytest.mark.parametrize(
    ("name", "content", "size_limit"),
    [
        ("invoice.pdf", b"MZ\x90\x00 an executable named like a PDF", None),
        ("photo.png", b"<html>not a picture</html>", None),
        ("big.pdf", PDF + b"0" * 2048, 1024),
    ],
)
def test_an_upload_of_another_type_or_too_large_is_refused(
    client, creditor, world, name, content, size_limit
):
    if size_limit:
        from tact.portal.models import PortalSettings

        with scope(creditor=creditor):
            PortalSettings.objects.create(creditor=creditor, upload_max_bytes=size_limit)
    path = verified(client, world.consumer)
    response = client.post(
        path + "dispute/",
        {
            "item": world.overdue.pk,
            "reason": "other",
            "text": "x",
            "document": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 200 and 'class="error"' in response.content.decode()
    with scope(creditor=creditor):
        assert not Dispute.objects.exists() and not Hold.objects.exists()


def test_already_paid_pauses_the_named_items_and_keeps_the_proof(client, creditor, world):
    path = verified(client, world.consumer)
    proof = SimpleUploadedFile("beleg.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    response = client.post(
        path + "paid/",
        {
            "items": [world.overdue.pk],
            "paid_on": "2025-11-28",
            "amount": "1190.00",
            "note": "",
            "document": proof,
        },
    )
    assert response.status_code == 302
    with scope(creditor=creditor):
        submission = Submission.objects.get()
        hold = Hold.objects.get()
    assert submission.kind == "paid_claim" and submission.document_type == "image/png"
    assert (hold.reason, hold.invoice_id, hold.ends_on) == (
        "manual",
        world.overdue.pk,
        TODAY + timedelta(days=14),
    )


def test_preferences_change_channel_language_and_contact_through_the_ledger(client, creditor, world):
    path = verified(client, world.consumer)
    response = client.post(
        path + "preferences/",
        {"preferred_channel": "sms", "language": "de", "email": "jana@example.org", "phone": "0170 1234567",
         "street": "Lindenstraße 12", "postal_code": "50674", "city": "Köln"},
    )  # fmt: skip
    assert response.status_code == 302
    with scope(creditor=creditor):
        debtor = Debtor.objects.get(pk=world.consumer.pk)
        contact = Contact.objects.get(debtor=debtor)
        ledger_audits = AuditEvent.objects.filter(actor_label="portal", action="debtor_updated").count()
    assert (debtor.preferred_channel, debtor.language, contact.phone) == ("sms", "de", "+491701234567")
    assert ledger_audits == 1
    assert audited(creditor, world.consumer, "portal_preferences_changed")[0].after["fields"] == [
        "preferred_channel", "language", "email", "phone",
    ]  # fmt: skip
    done = client.get(response["Location"]).content.decode()
    assert '<html lang="de">' in done and "Ihre Angaben sind gespeichert" in done


def test_sms_as_channel_needs_a_mobile_number(client, creditor, world):
    path = verified(client, world.consumer)
    response = client.post(path + "preferences/", {"preferred_channel": "sms", "language": "nl", "phone": ""})
    assert response.status_code == 200
    with scope(creditor=creditor):
        assert Debtor.objects.get(pk=world.consumer.pk).preferred_channel == "email"


def test_the_contact_form_leaves_a_message_on_the_timeline(client, creditor, world):
    path = link(world.business)
    response = client.post(path + "contact/", {"topic": "arrangement", "text": "Can I pay in three parts?"})
    assert response.status_code == 302
    assert "Your message has been sent" in client.get(response["Location"]).content.decode()
    assert (
        audited(creditor, world.business, "portal_message_received")[0].after["text"]
        == "Can I pay in three parts?"
    )


def test_an_item_pdf_is_served_to_its_own_debtor(client, creditor, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with scope(creditor=creditor):
        world.b2b_item.pdf.save("RE-2001.pdf", SimpleUploadedFile("RE-2001.pdf", PDF))
    response = client.get(f"{link(world.business)}items/{world.b2b_item.pk}/pdf/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


def test_no_open_items_says_so(client, creditor, world):
    from tact.ledger.services import payment_record

    with scope(creditor=creditor):
        payment_record(creditor=creditor, amount=Decimal("1190.00"), currency="EUR", value_on=date(2025, 11, 30),
                       debtor=world.business, in_legal_order=True, by=None)  # fmt: skip
    page = client.get(link(world.business)).content.decode()
    assert "Nothing is open" in page and "RE-2001" not in page


def test_what_the_debtor_did_on_the_portal_reads_plainly_on_the_staff_timeline(client, creditor, world):
    from django.test import Client
    from django.urls import reverse

    from tests.factories import MembershipFactory, UserFactory

    path = verified(client, world.consumer)
    client.post(
        path + "promise/", {"promised_on": (TODAY + timedelta(days=10)).isoformat(), "amount": "500.00"}
    )
    client.post(
        path + "dispute/", {"item": world.later.pk, "reason": "defective", "text": "Kaputt angekommen."}
    )
    manager = UserFactory(username="cm@acme.example")
    MembershipFactory(user=manager, creditor=creditor, role="credit_manager")
    staff = Client()
    staff.force_login(manager)

    page = staff.get(reverse("workbench:debtor", args=[world.consumer.pk])).content.decode()

    assert "Opened the portal" in page and "Confirmed identity on the portal" in page
    assert "Promised to pay (portal)" in page and "by 11 Dec 2025" in page
    assert "Disputed an item (portal)" in page and "RE-1002: defective · Kaputt angekommen." in page
