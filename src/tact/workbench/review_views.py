"""Staff pages for what debtors sent through the portal: the review list (disputes and
requests, filtered by state), a detail page per dispute or request with its decision, the
uploaded files (members only, from the private root, never a public URL), and the FAQ.

Each view parses, calls one service or selector of ``tact.portal.review`` / ``faq``, renders.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tact.arrangements.errors import ArrangementInvalid
from tact.core.money import quantize
from tact.ledger.errors import InvoiceNumberTaken
from tact.messaging.errors import ToneRefused
from tact.messaging.sending import outbox_send_now
from tact.portal import review
from tact.portal.access import portal_settings_for
from tact.portal.faq import FaqInvalid, faq_entries, faq_entry_delete, faq_entry_save
from tact.portal.models import FaqEntry

from .review_forms import DisputeDecisionForm, FaqEntryForm, ReviewFilterForm, SubmissionDecisionForm
from .views import _today, member_required, require


@require_GET
@member_required
def review_list(request: HttpRequest) -> HttpResponse:
    require(request, "read")
    form = ReviewFilterForm(request.GET or {"state": "open"})
    state, kind = form.values()
    rows = review.review_list(creditor=request.creditor, today=_today(request), state=state, kind=kind)
    return render(
        request, "workbench/review/list.html", {"form": form, "rows": rows, "today": _today(request)}
    )


def _decision_error(exc: ArrangementInvalid) -> str:
    """The service's refusal in the member's language (the reason codes are stable)."""
    messages_by_reason = {
        "explanation_missing": _("Please write the explanation the debtor receives."),
        "credit_note_number_missing": _("Please give the credit note's number."),
        "amount_not_positive": _("The credit must lie between 0.01 and the open amount."),
        "amount_above_balance": _("The credit must lie between 0.01 and the open amount."),
        "dispute_closed": _("This dispute is decided already."),
    }
    return messages_by_reason.get(exc.reason, str(exc))


def _review_error(exc: review.ReviewInvalid) -> str:
    """A refused grant in the member's language; other refusals as the service words them."""
    by_field = {
        "mediator": _("Please name the mediator the case is handed to."),
        "credit_item": _("Please choose the invoice the credit note is set against."),
    }
    return by_field.get(exc.field, str(exc))


def _send(request: HttpRequest, decided: review.Decided) -> None:
    """Try the answer's e-mail at once (outside the decision's transaction) and say how it went."""
    if decided.message is None:
        messages.warning(request, _("The debtor has no usable e-mail address: tell them another way."))
        return
    sent = outbox_send_now(message_id=decided.message.pk)
    if sent.status in ("sent", "delivered"):
        messages.success(request, _("The answer was sent to %(to)s.") % {"to": sent.recipient})
    else:
        messages.warning(request, _("The answer is queued; the outbox will retry it."))


@never_cache
@require_http_methods(["GET", "POST"])
@member_required
def review_dispute(request: HttpRequest, dispute_id: int) -> HttpResponse:
    require(request, "read")
    dispute = review.review_dispute(dispute_id=dispute_id)
    form = DisputeDecisionForm(
        initial={"credit_amount": quantize(dispute.invoice.open_amount, dispute.invoice.currency)}
    )
    status = 200
    if request.method == "POST":
        require(request, "write")
        try:
            if request.POST.get("action") == "take":
                review.dispute_take(dispute=dispute, by=request.user)
                return redirect("workbench:review_dispute", dispute_id=dispute.pk)
            form = DisputeDecisionForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                decided = review.dispute_decide(
                    dispute=dispute, outcome=data["outcome"], by=request.user, today=_today(request),
                    explanation=data["explanation"], credit_note_number=data["credit_note_number"],
                    credit_amount=data["credit_amount"],
                )  # fmt: skip
                messages.success(request, _("The dispute is decided."))
                if data["outcome"] == "rejected":
                    _send(request, decided)
                return redirect("workbench:review_dispute", dispute_id=dispute.pk)
        except ArrangementInvalid as exc:
            form.add_error(exc.field if exc.field in form.fields else None, _decision_error(exc))
        except ToneRefused as exc:
            form.add_error("explanation", str(exc))
        status = 400
    config = portal_settings_for(creditor=request.creditor)
    context = {
        "dispute": dispute,
        "form": form,
        "due_on": review.dispute_due_on(
            dispute=dispute, creditor=request.creditor, review_days=config.review_days
        ),
        "state": review.DISPUTE_STATE[dispute.status],
        "history": review.dispute_history(dispute=dispute),
        "today": _today(request),
    }
    return render(request, "workbench/review/dispute.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@member_required
def review_submission(request: HttpRequest, submission_id: int) -> HttpResponse:
    require(request, "read")
    submission = review.review_submission(submission_id=submission_id)
    items = review.submission_items(submission=submission)
    named = (submission.facts or {}).get("item_id")
    first = next((i for i in items if i.pk == named), None) or next(iter(items), None)
    initial = (
        {"credit_item": first, "credit_amount": quantize(first.open_amount, first.currency)} if first else {}
    )
    form = SubmissionDecisionForm(kind=submission.kind, items=items, initial=initial)
    status = 200
    if request.method == "POST":
        require(request, "write")
        try:
            if request.POST.get("action") == "take":
                review.submission_take(submission=submission, by=request.user)
                return redirect("workbench:review_submission", submission_id=submission.pk)
            form = SubmissionDecisionForm(request.POST, kind=submission.kind, items=items)
            if form.is_valid():
                data = form.cleaned_data
                decided = review.submission_resolve(
                    submission=submission, outcome=data["outcome"], answer=data["answer"], by=request.user,
                    today=_today(request), now=timezone.now(), credit_item=data.get("credit_item"),
                    credit_note_number=data.get("credit_note_number", ""), credit_amount=data.get("credit_amount"),
                    mediator=data.get("mediator", ""),
                )  # fmt: skip
                messages.success(request, _("The request is resolved."))
                if decided.message is not None or form.cleaned_data["answer"].strip():
                    _send(request, decided)
                return redirect("workbench:review_submission", submission_id=submission.pk)
        except review.ReviewInvalid as exc:
            form.add_error(exc.field if exc.field in form.fields else None, _review_error(exc))
        except ArrangementInvalid as exc:  # the credit note of a granted cancellation
            form.add_error(exc.field if exc.field in form.fields else None, _decision_error(exc))
        except InvoiceNumberTaken:
            form.add_error("credit_note_number", _("This number is taken already."))
        except ToneRefused as exc:
            form.add_error("answer", str(exc))
        status = 400
    facts = submission.facts or {}
    context = {
        "submission": submission,
        "facts": {k: facts.get(k) or "" for k in ("amount", "currency", "paid_on", "reply_to")}
        | {"text": facts.get("text") or facts.get("note") or ""},
        "subject": review.submission_subject(submission),
        "form": form,
        "today": _today(request),
    }
    return render(request, "workbench/review/submission.html", context, status=status)


def _document(field, content_type: str, name: str) -> FileResponse:
    """A debtor's upload from the private root: as a download, never sniffed, never cached."""
    if not field or not field.storage.exists(field.name):
        raise Http404("no document")
    response = FileResponse(
        field.storage.open(field.name, "rb"), content_type=content_type or "application/octet-stream",
        as_attachment=True, filename=name or field.name.rsplit("/", 1)[-1],
    )  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@member_required
def review_dispute_document(request: HttpRequest, dispute_id: int) -> HttpResponse:
    require(request, "read")
    dispute = review.review_dispute(dispute_id=dispute_id)
    return _document(dispute.document, dispute.document_type, dispute.document_name)


@require_GET
@member_required
def review_submission_document(request: HttpRequest, submission_id: int) -> HttpResponse:
    require(request, "read")
    submission = review.review_submission(submission_id=submission_id)
    return _document(submission.document, submission.document_type, submission.document_name)


# -- the FAQ (settings) ---------------------------------------------------------------------


def _faq_save(request: HttpRequest, form: FaqEntryForm, entry: FaqEntry | None) -> bool:
    if not form.is_valid():
        return False
    try:
        faq_entry_save(creditor=request.creditor, by=request.user, entry=entry, **form.cleaned_data)
    except FaqInvalid as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return False
    messages.success(request, _("The question was saved."))
    return True


@require_http_methods(["GET", "POST"])
@member_required
def faq(request: HttpRequest) -> HttpResponse:
    require(request, "manage_settings")
    form = FaqEntryForm(request.POST or None)
    if request.method == "POST" and _faq_save(request, form, None):
        return redirect("workbench:faq")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "entries": faq_entries(creditor=request.creditor)}
    return render(request, "workbench/review/faq.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def faq_edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    require(request, "manage_settings")
    entry = FaqEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        raise Http404("no such entry")
    initial = {f: getattr(entry, f) for f in ("topic", "language", "position", "question", "answer")}
    form = FaqEntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and _faq_save(request, form, entry):
        return redirect("workbench:faq")
    status = 400 if request.method == "POST" else 200
    return render(request, "workbench/review/faq_edit.html", {"form": form, "entry": entry}, status=status)


@require_POST
@member_required
def faq_delete(request: HttpRequest, entry_id: int) -> HttpResponse:
    require(request, "manage_settings")
    entry = FaqEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        raise Http404("no such entry")
    faq_entry_delete(entry=entry, by=request.user)
    messages.success(request, _("The question was removed."))
    return redirect("workbench:faq")
