"""A granted request is carried out from the review page: a cancellation by a credit note set
against the invoice (booked through the ledger, as a dispute's), a mediation by handing the
case to the mediator named (a handed-over hold on the debtor). In a real Chromium too."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.dunning.models import Hold
from tact.dunning.services import cycle_run, hold_place
from tact.ledger.models import Invoice
from tact.portal.models import Submission
from tests.factories import ContactFactory, DebtorFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
TODAY = date(2025, 12, 1)


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.TACT_PRIVATE_ROOT = tmp_path / "private"
    return settings.TACT_PRIVATE_ROOT


def request_of(creditor, kind: str, *, named_item: bool = True) -> Submission:
    """A portal request of the debtor K-9 (two open invoices), with the pause it put on dunning."""
    with scope(creditor=creditor):
        debtor = DebtorFactory(creditor=creditor, number="K-9", name="Bakker", language="nl")
        ContactFactory(debtor=debtor, email="bakker@debtor.example")
        item = InvoiceFactory(creditor=creditor, debtor=debtor, number="RE-91", gross_amount=Decimal("238.00"),
                              net_amount=None, vat_amount=None)  # fmt: skip
        InvoiceFactory(creditor=creditor, debtor=debtor, number="RE-92", gross_amount=Decimal("119.00"),
                       net_amount=None, vat_amount=None)  # fmt: skip
        hold = hold_place(debtor=debtor, reason="manual", starts_on=TODAY, ends_on=date(2025, 12, 15),
                          invoice=item if named_item else None, by="portal")  # fmt: skip
        facts = {"reason": "withdrawal" if kind == "cancellation" else "cannot_pay", "text": "Graag.",
                 "item": item.number if named_item else "", "item_id": item.pk if named_item else None}  # fmt: skip
        return Submission.objects.create(
            creditor=creditor,
            debtor=debtor,
            kind=kind,
            facts=facts,
            due_on=date(2025, 12, 15),
            hold_id=hold.pk,
        )


def decide(client, task: Submission, **fields):
    return client.post(f"/review/requests/{task.pk}/", {"action": "resolve", "answer": "", **fields})


def test_a_granted_cancellation_books_a_credit_note_against_the_named_invoice(signed_in, creditor):
    task = request_of(creditor, "cancellation")
    page = signed_in.get(f"/review/requests/{task.pk}/").content.decode()
    assert 'data-testid="grant-credit"' in page and 'value="238.00"' in page  # the named item, in full
    response = decide(signed_in, task, outcome="granted", credit_item=task.facts["item_id"],
                      credit_note_number="GS-91", credit_amount="238.00")  # fmt: skip
    assert response.status_code == 302
    with scope(creditor=creditor):
        task.refresh_from_db()
        credit_note = Invoice.objects.get(number="GS-91")
        assert (credit_note.kind, credit_note.gross_amount, credit_note.open_amount) == (
            "credit_note",
            -238,
            0,
        )
        assert Invoice.objects.get(number="RE-91").open_amount == 0
        assert Invoice.objects.get(number="RE-92").open_amount == Decimal("119.00")
        assert (task.status, task.outcome, task.facts["credit_note"]) == ("resolved", "granted", "GS-91")
        assert Hold.objects.get(pk=task.hold_id).ended_at is not None
        assert AuditEvent.objects.filter(action="request_decided", after__credit_note="GS-91").exists()
    page = signed_in.get(f"/review/requests/{task.pk}/").content.decode()
    assert "Credit note GS-91 of 238.00 EUR set against RE-91." in page


def test_a_cancellation_without_a_credit_note_number_is_not_granted(signed_in, creditor):
    task = request_of(creditor, "cancellation")
    response = decide(
        signed_in, task, outcome="granted", credit_item=task.facts["item_id"], credit_amount="238.00"
    )
    assert response.status_code == 400
    assert "Please give the credit note&#x27;s number." in response.content.decode()
    with scope(creditor=creditor):
        task.refresh_from_db()
        assert task.status == "open" and not Invoice.objects.filter(kind="credit_note").exists()
        assert Hold.objects.get(pk=task.hold_id).ended_at is None


def test_a_credit_above_the_open_amount_or_a_taken_number_is_refused(signed_in, creditor):
    task = request_of(creditor, "cancellation")
    item = task.facts["item_id"]
    too_much = decide(signed_in, task, outcome="granted", credit_item=item, credit_note_number="GS-1",
                      credit_amount="300.00")  # fmt: skip
    assert "The credit must lie between 0.01 and the open amount." in too_much.content.decode()
    taken = decide(signed_in, task, outcome="granted", credit_item=item, credit_note_number="RE-92",
                   credit_amount="10.00")  # fmt: skip
    assert taken.status_code == 400 and "This number is taken already." in taken.content.decode()
    with scope(creditor=creditor):
        assert Invoice.objects.get(number="RE-91").open_amount == Decimal("238.00")


def test_a_cancellation_that_named_no_invoice_credits_the_one_the_person_chooses(signed_in, creditor):
    task = request_of(creditor, "cancellation", named_item=False)
    with scope(creditor=creditor):
        other = Invoice.objects.get(number="RE-92")
    response = decide(signed_in, task, outcome="granted", credit_item=other.pk, credit_note_number="GS-92",
                      credit_amount="19.00")  # fmt: skip
    assert response.status_code == 302
    with scope(creditor=creditor):
        assert Invoice.objects.get(number="RE-92").open_amount == Decimal("100.00")


def test_a_declined_cancellation_books_nothing(signed_in, creditor):
    task = request_of(creditor, "cancellation")
    response = decide(signed_in, task, outcome="declined", answer="De bedenktijd was al verstreken.",
                      credit_note_number="GS-1", credit_amount="238.00")  # fmt: skip
    assert response.status_code == 302
    with scope(creditor=creditor):
        assert not Invoice.objects.filter(kind="credit_note").exists()


def test_a_granted_mediation_hands_the_case_to_the_mediator_and_the_cycle_holds(
    signed_in, creditor, other_creditor
):
    from tact.dunning.presets import policy_presets_install

    task = request_of(creditor, "mediation", named_item=False)
    assert decide(signed_in, task, outcome="granted").status_code == 400  # no mediator named
    response = decide(signed_in, task, outcome="granted", mediator="Schlichtungsstelle Nord, Frau Peters")
    assert response.status_code == 302
    with scope(creditor=creditor):
        task.refresh_from_db()
        handover = Hold.objects.get(pk=task.facts["handover_hold"])
        assert (handover.reason, handover.invoice_id, handover.ends_on) == ("handed_over", None, None)
        assert "Schlichtungsstelle Nord, Frau Peters" in handover.note
        assert AuditEvent.objects.filter(action="mediation_handed_over",
                                         after__mediator="Schlichtungsstelle Nord, Frau Peters").exists()  # fmt: skip
        policy_presets_install(creditor=creditor)
        summary = cycle_run(creditor=creditor, run_on=handover.starts_on)
    assert summary.actions == 0 and summary.held["handed_over"] == 2  # both open items
    page = signed_in.get(f"/review/requests/{task.pk}/").content.decode()
    assert "Handed over to the mediator Schlichtungsstelle Nord, Frau Peters" in page
    timeline = signed_in.get(f"/debtors/{task.debtor_id}/").content.decode()
    assert "Handed over to a mediator" in timeline and "Schlichtungsstelle Nord, Frau Peters" in timeline


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_manager_grants_a_cancellation_and_a_mediation_by_clicking(page, live_server, creditor, manager):
    from .test_browser import shoot, sign_in

    cancellation = request_of(creditor, "cancellation")
    with scope(creditor=creditor):
        mediation = Submission.objects.create(
            creditor=creditor, debtor=cancellation.debtor, kind="mediation", facts={"reason": "cannot_pay",
                                                                                    "text": "Hulp graag."},
        )  # fmt: skip
    sign_in(page, live_server, manager)
    page.get_by_role("link", name="Disputes and requests").click()
    page.wait_for_selector("[data-testid=review-list]")
    page.locator("tr[data-kind=cancellation]").get_by_role("link").first.click()
    page.wait_for_selector("[data-testid=grant-credit]")
    assert page.locator("#id_credit_amount").input_value() == "238.00"
    page.check("input[name=outcome][value=granted]")
    page.fill("#id_credit_note_number", "GS-91")
    shoot(page, "review-cancellation-grant")
    page.click("[data-testid=decide]")
    page.wait_for_selector("[data-testid=carried-out]")
    assert (
        "Credit note GS-91 of 238.00 EUR set against RE-91."
        in page.locator("[data-testid=carried-out]").inner_text()
    )

    page.goto(f"{live_server.url}/review/requests/{mediation.pk}/")
    page.check("input[name=outcome][value=granted]")
    page.fill("#id_mediator", "Schlichtungsstelle Nord")
    page.click("[data-testid=decide]")
    page.wait_for_selector("[data-testid=carried-out]")
    assert "Schlichtungsstelle Nord" in page.locator("[data-testid=carried-out]").inner_text()
    shoot(page, "review-mediation-granted")
    with scope(creditor=creditor):
        assert Invoice.objects.get(number="RE-91").open_amount == 0
        assert (
            Hold.objects.filter(
                debtor=cancellation.debtor, reason="handed_over", ended_at__isnull=True
            ).count()
            == 1
        )


def test_the_grant_is_told_in_the_members_language(signed_in, creditor):
    task = request_of(creditor, "cancellation")
    decide(signed_in, task, outcome="granted", credit_item=task.facts["item_id"], credit_note_number="GS-91",
           credit_amount="238.00")  # fmt: skip
    signed_in.cookies["django_language"] = "de"
    page = signed_in.get(f"/review/requests/{task.pk}/").content.decode()
    assert "Gutschrift GS-91 über 238.00 EUR mit RE-91 verrechnet." in page


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
def test_a_rejection_reaches_a_debtor_without_e_mail_as_a_letter(signed_in, creditor, tmp_path):
    from django.core.files.storage import default_storage

    from tact.messaging.models import Message

    from .test_review import open_dispute

    dispute = open_dispute(creditor, with_document=False)
    with scope(creditor=creditor):
        dispute.debtor.contacts.update(email="", street="Lindenstraße 12", postal_code="50674", city="Köln")
    response = signed_in.post(
        f"/review/disputes/{dispute.pk}/",
        {"outcome": "rejected", "explanation": "Laut Lieferschein kam die Ware unbeschädigt an."},
        follow=True,
    )
    assert "The answer was sent to Lindenstraße 12 / 50674 Köln." in response.content.decode()
    with scope(creditor=creditor):
        letter = Message.objects.get(debtor=dispute.debtor, template_key="portal_answer")
    assert (letter.channel, letter.status) == ("letter", "sent")
    pdf = tmp_path / "answer.pdf"
    pdf.write_bytes(default_storage.open(letter.document).read())
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split()
    )
    assert "Ihr Einwand gegen die Rechnung RE-1" in text and "unbeschädigt an" in text
