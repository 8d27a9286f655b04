"""The staff's review of disputes and portal requests: the list with its filters, the
deadline, the private download, the decisions and the answer sent to the debtor."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope

from tact.arrangements.models import Dispute
from tact.arrangements.services import dispute_open
from tact.audit.models import AuditEvent
from tact.dunning.models import Hold
from tact.dunning.services import hold_place
from tact.ledger.models import Invoice
from tact.messaging.models import Message
from tact.portal.models import FaqEntry, Submission
from tests.factories import ContactFactory, DebtorFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
TODAY = date(2025, 12, 1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.TACT_PRIVATE_ROOT = tmp_path / "private"
    return settings.TACT_PRIVATE_ROOT


def open_dispute(creditor, *, number="RE-1", with_document=True) -> Dispute:
    with scope(creditor=creditor):
        debtor = DebtorFactory(creditor=creditor, number=f"K-{number}", name="Jana Sommer", language="de")
        ContactFactory(debtor=debtor, email=f"{number.lower()}@debtor.example")
        item = InvoiceFactory(
            creditor=creditor, debtor=debtor, number=number, gross_amount=Decimal("1190.00")
        )
        hold = hold_place(debtor=debtor, reason="dispute", starts_on=TODAY, invoice=item, by="portal")
        upload = SimpleUploadedFile("upload.pdf", PDF) if with_document else None
        return dispute_open(
            invoice=item, reason="defective", text="Die Ware war beschädigt.", source="portal", by="portal",
            hold_id=hold.pk, document=upload, document_name="lieferschein.pdf" if upload else "",
            document_type="application/pdf" if upload else "",
        )  # fmt: skip


def request_of(creditor, kind="cancellation") -> Submission:
    with scope(creditor=creditor):
        debtor = DebtorFactory(creditor=creditor, number="K-9", name="Bakker", language="nl")
        ContactFactory(debtor=debtor, email="bakker@debtor.example")
        hold = hold_place(
            debtor=debtor, reason="manual", starts_on=TODAY, ends_on=date(2025, 12, 15), by="portal"
        )
        return Submission.objects.create(
            creditor=creditor, debtor=debtor, kind=kind, facts={"reason": "withdrawal", "text": "Herroeping."},
            due_on=date(2025, 12, 15), hold_id=hold.pk,
        )  # fmt: skip


def test_the_list_filters_open_in_review_and_resolved_and_never_shows_another_creditors(
    signed_in, creditor, other_creditor
):
    mine = open_dispute(creditor)
    request_of(creditor)
    open_dispute(other_creditor, number="RX-1")
    page = signed_in.get("/review/?state=open").content.decode()
    assert f"/review/disputes/{mine.pk}/" in page and 'data-kind="cancellation"' in page
    assert "RX-1" not in page
    assert "RE-1" not in signed_in.get("/review/?state=resolved").content.decode()
    assert "RE-1" not in signed_in.get("/review/?state=open&kind=request").content.decode()


def test_the_detail_shows_the_service_level_deadline(signed_in, creditor):
    dispute = open_dispute(creditor)
    page = signed_in.get(f"/review/disputes/{dispute.pk}/").content.decode()
    assert 'data-testid="due-on">15 Dec 2025<' in page


def test_the_uploaded_file_is_downloaded_by_members_only(client, signed_in, creditor, other_creditor, member):
    dispute = open_dispute(creditor)
    url = f"/review/disputes/{dispute.pk}/document/"
    response = signed_in.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith('attachment; filename="lieferschein.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
    signed_in.logout()
    assert client.get(url).status_code == 302  # to the login
    client.force_login(member("credit_manager", of=other_creditor, email="rival@rival.example"))
    assert client.get(url).status_code == 404


def test_the_private_storage_has_no_public_url(creditor):
    dispute = open_dispute(creditor)
    with pytest.raises(ValueError):
        dispute.document.url  # noqa: B018


def test_a_rejection_sends_the_explanation_ends_the_hold_and_restarts_dunning(signed_in, creditor):
    dispute = open_dispute(creditor)
    signed_in.post(f"/review/disputes/{dispute.pk}/", {"action": "take"})
    with scope(creditor=creditor):
        assert Dispute.objects.get().status == "in_review"
    missing = signed_in.post(f"/review/disputes/{dispute.pk}/", {"action": "decide", "outcome": "rejected"})
    assert missing.status_code == 400
    response = signed_in.post(
        f"/review/disputes/{dispute.pk}/",
        {
            "action": "decide",
            "outcome": "rejected",
            "explanation": "Die Ware wurde am 3. November unbeschädigt geliefert.",
        },
    )
    assert response.status_code == 302
    with scope(creditor=creditor):
        assert Dispute.objects.get().status == "rejected"
        hold = Hold.objects.get(pk=dispute.hold_id)
        assert hold.ended_at is not None and hold.ends_on == date(2025, 11, 30)
        message = Message.objects.get(debtor=dispute.debtor_id, channel="email")
        assert AuditEvent.objects.filter(action="dispute_decided", subject_id=str(dispute.debtor_id)).exists()
    assert message.status == "sent" and message.language == "de"
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["re-1@debtor.example"] and "RE-1" in sent.subject
    assert "unbeschädigt geliefert" in sent.body


def test_a_credit_note_resolves_the_dispute_and_lowers_the_item(signed_in, creditor):
    dispute = open_dispute(creditor, with_document=False)
    response = signed_in.post(
        f"/review/disputes/{dispute.pk}/",
        {
            "action": "decide",
            "outcome": "credit_note",
            "credit_note_number": "GS-7",
            "credit_amount": "1190.00",
        },
    )
    assert response.status_code == 302
    with scope(creditor=creditor):
        assert Dispute.objects.get().status == "resolved"
        assert Invoice.objects.get(number="RE-1").open_amount == 0
        assert Invoice.objects.get(number="GS-7").kind == "credit_note"
        assert Hold.objects.get(pk=dispute.hold_id).ended_at is not None
    assert mail.outbox == []
    page = signed_in.get(f"/review/disputes/{dispute.pk}/").content.decode()
    assert 'data-testid="decide"' not in page and "GS-7" in page


def test_a_read_only_member_sees_the_dispute_but_may_not_decide_it(client, creditor, member):
    dispute = open_dispute(creditor)
    client.force_login(member("read_only"))
    assert client.get(f"/review/disputes/{dispute.pk}/").status_code == 200
    assert client.post(f"/review/disputes/{dispute.pk}/", {"action": "take"}).status_code == 403
    with scope(creditor=creditor):
        assert Dispute.objects.get().status == "open"


def test_declining_a_request_needs_an_answer_which_goes_to_the_debtor(signed_in, creditor):
    task = request_of(creditor)
    url = f"/review/requests/{task.pk}/"
    assert signed_in.post(url, {"action": "resolve", "outcome": "declined", "answer": ""}).status_code == 400
    response = signed_in.post(
        url, {"action": "resolve", "outcome": "declined", "answer": "De bedenktijd was al verstreken."}
    )
    assert response.status_code == 302
    with scope(creditor=creditor):
        task.refresh_from_db()
        assert (task.status, task.outcome) == ("resolved", "declined")
        assert Hold.objects.get(pk=task.hold_id).ended_at is not None
    assert len(mail.outbox) == 1 and "bedenktijd" in mail.outbox[0].body


def test_the_faq_is_edited_by_an_admin_only(client, creditor, member):
    client.force_login(member("credit_manager"))
    assert client.get("/settings/faq/").status_code == 403
    client.force_login(member("admin"))
    data = {"topic": "Payment methods", "language": "de", "position": 1, "question": "Wie zahle ich?",
            "answer": "Per Überweisung."}  # fmt: skip
    assert client.post("/settings/faq/", data).status_code == 302
    again = client.post("/settings/faq/", data)
    assert again.status_code == 400
    with scope(creditor=creditor):
        entry = FaqEntry.objects.get()
    assert entry.topic == "payment-methods"
    client.post(f"/settings/faq/{entry.pk}/", {**data, "question": "Wie kann ich zahlen?"})
    with scope(creditor=creditor):
        assert FaqEntry.objects.get().question == "Wie kann ich zahlen?"
    client.post(f"/settings/faq/{entry.pk}/delete/")
    with scope(creditor=creditor):
        assert not FaqEntry.objects.exists()


def test_the_review_list_is_in_the_members_language(signed_in, creditor):
    open_dispute(creditor)
    signed_in.post("/i18n/setlang/", {"language": "de", "next": "/review/"})
    page = signed_in.get("/review/").content.decode()
    assert "Einwände und Anfragen" in page and "Antwort bis" in page


def test_the_decision_is_on_the_debtors_timeline(signed_in, creditor):
    dispute = open_dispute(creditor)
    signed_in.post(
        f"/review/disputes/{dispute.pk}/",
        {"action": "decide", "outcome": "rejected", "explanation": "Die Lieferung war vollständig."},
    )
    page = signed_in.get(f"/debtors/{dispute.debtor_id}/").content.decode()
    assert "Dispute decided" in page and "Die Lieferung war vollständig." in page


def test_the_review_list_reads_in_constant_queries(creditor, django_assert_max_num_queries):
    from tact.portal.review import review_list

    for n in range(3):
        open_dispute(creditor, number=f"RE-{n}")
    request_of(creditor)
    with scope(creditor=creditor), django_assert_max_num_queries(4):
        rows = review_list(creditor=creditor, today=TODAY)
    assert len(rows) == 4
