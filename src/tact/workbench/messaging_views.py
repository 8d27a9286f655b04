"""The messaging pages: the template editor, the call outcome form, a personal e-mail, the
outbox and each message with its history.

Like every workbench view they run in the creditor's scope: a debtor, contact, item,
action or template version of another creditor is not found (404). Reading needs a
membership. Recording a call and writing an e-mail need ``write`` (agents do it); saving a
template needs ``manage_policies``, like the policy whose stages use it. Without the right,
the pages show no form buttons and a post answers 403.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tact.core import clock
from tact.dunning.models import Action
from tact.dunning.selectors import holds_active
from tact.ledger.models import Contact, Debtor
from tact.ledger.selectors import open_items_of
from tact.messaging import selectors as msg_selectors
from tact.messaging import services as msg
from tact.messaging.errors import (
    ContextIncomplete,
    TemplateInvalid,
    TemplateNotFound,
    ToneRefused,
)
from tact.messaging.models import Message, MessageChannel, MessageStatus, MessageTemplate, Tone
from tact.tenancy.models import LANGUAGES, may

from .messaging_forms import (
    CallOutcomeForm,
    OutboxFilterForm,
    PersonalEmailForm,
    TemplateDraftForm,
    TemplateFilterForm,
    TemplateNewForm,
    finding_rows,
)
from .views import member_required, require

EDIT = "write"  # record a call, write an e-mail: an agent's work
EDIT_TEMPLATES = "manage_policies"  # what every debtor reads is decided with the policy
LANGUAGE_CODES = {code for code, _label in LANGUAGES}


def _today(request: HttpRequest):
    return clock.today(request.creditor.timezone)


# -- the template list ------------------------------------------------------------------


@require_GET
@member_required
def template_list(request: HttpRequest) -> HttpResponse:
    creditor_id = request.creditor.pk
    keys = sorted(msg_selectors.template_known_keys(creditor_id=creditor_id))
    form = TemplateFilterForm(request.GET or None, keys=keys)
    flt = msg_selectors.CatalogFilter(
        key=form.value("key"),
        language=form.value("language"),
        tone=form.value("tone"),
        channel=form.value("channel"),
        only_own=bool(form.value("only_own")),
    )
    catalog = msg_selectors.template_catalog(creditor_id=creditor_id, flt=flt)
    new = TemplateNewForm(keys=keys, initial={"language": request.creditor.language})
    context = {"form": form, "catalog": catalog, "new": new}
    return render(request, "workbench/messaging/template_list.html", context)


@require_GET
@member_required
def template_new(request: HttpRequest) -> HttpResponse:
    """Open the editor for the chosen key, channel, language and tone."""
    keys = sorted(msg_selectors.template_known_keys(creditor_id=request.creditor.pk))
    form = TemplateNewForm(request.GET, keys=keys)
    if not form.is_valid():
        raise Http404("no such template")
    data = form.cleaned_data
    return redirect("workbench:template_edit", data["key"], data["channel"], data["language"], data["tone"])


# -- the editor -------------------------------------------------------------------------


class Ident:
    """The four parts of a template's address, checked: unknown parts answer 404."""

    def __init__(self, request: HttpRequest, key: str, channel: str, language: str, tone: str) -> None:
        if channel not in MessageChannel.values or language not in LANGUAGE_CODES or tone not in Tone.values:
            raise Http404("no such template")
        if key not in msg_selectors.template_known_keys(creditor_id=request.creditor.pk):
            raise Http404("no such template")
        self.key, self.channel, self.language, self.tone = key, channel, language, tone

    @property
    def parts(self) -> dict[str, str]:
        return {"key": self.key, "channel": self.channel, "language": self.language, "tone": self.tone}

    def url(self, name: str, *extra) -> str:
        return reverse(f"workbench:{name}", args=[self.key, self.channel, self.language, self.tone, *extra])


def _history(request: HttpRequest, ident: Ident) -> tuple[list[MessageTemplate], list[MessageTemplate]]:
    wanted = {"key": ident.key, "language": ident.language, "tone": ident.tone, "channel": ident.channel}
    own = list(
        msg_selectors.template_history(creditor_id=request.creditor.pk, **wanted).select_related("created_by")
    )
    shipped = list(msg_selectors.template_history(creditor_id=None, **wanted)[:5])
    return own, shipped


def _starting_text(request: HttpRequest, ident: Ident, own, shipped) -> tuple[MessageTemplate | None, str]:
    """The text the editor opens with, and where it comes from (for the page to say)."""
    if version_id := request.GET.get("from", "").strip():
        if not version_id.isdigit():
            raise Http404("no such version")
        try:
            row = msg_selectors.template_version_get(
                creditor_id=request.creditor.pk, version_id=int(version_id)
            )
        except MessageTemplate.DoesNotExist:
            raise Http404("no such version") from None
        if (row.key, row.channel, row.language, row.tone) != (
            ident.key,
            ident.channel,
            ident.language,
            ident.tone,
        ):
            raise Http404("no such version")
        return row, "version"
    current = next((r for r in own if r.is_current), None) or next((r for r in shipped if r.is_current), None)
    if current is not None:
        return current, "current"
    try:
        fallback = msg_selectors.template_pick(
            creditor_id=request.creditor.pk,
            creditor_language=request.creditor.language,
            **ident.parts,
        )
    except TemplateNotFound:
        return None, "empty"
    return fallback, "fallback"


def _debtor_or_none(debtor_id: int | None) -> Debtor | None:
    if debtor_id is None:
        return None
    return get_object_or_404(Debtor, pk=debtor_id)  # another creditor's debtor: 404


def _draft_check(request: HttpRequest, ident: Ident, form: TemplateDraftForm) -> msg.DraftCheck | None:
    if not form.is_valid():
        return None
    debtor = _debtor_or_none(form.cleaned_data["debtor"])
    context = None
    error = ""
    if debtor is not None:
        try:
            context = msg.preview_context(
                creditor=request.creditor, debtor=debtor, key=ident.key, today=_today(request)
            )
        except ContextIncomplete as exc:
            error = exc.message
    check = msg.template_draft_check(
        subject=form.cleaned_data["subject"],
        body=form.cleaned_data["body"],
        context=context,
        sample_country=request.creditor.country,
        **ident.parts,
    )
    if error:
        check = msg.DraftCheck(
            problems=check.problems, findings=check.findings, preview=None, preview_error=error
        )
    return check


def _debtor_choices(request: HttpRequest) -> list[tuple[int, str]]:
    choices = msg_selectors.preview_debtors()
    wanted = request.GET.get("debtor", "")
    if wanted.isdigit() and int(wanted) not in {pk for pk, _label in choices}:
        debtor = _debtor_or_none(int(wanted))
        choices.insert(0, (debtor.pk, f"{debtor.name} ({debtor.number})"))
    return choices


def _result_context(
    request: HttpRequest, ident: Ident, form: TemplateDraftForm, check: msg.DraftCheck | None
) -> dict[str, Any]:
    """What the preview pane shows: problems, tone findings, the rendered draft."""
    document = msg_selectors.preview_document(check) if check is not None else ""
    return {
        "ident": ident,
        "form": form,
        "check": check,
        "findings": finding_rows(check.findings) if check is not None else [],
        "preview_document": document,
        "may_edit": may(request.membership.role, EDIT_TEMPLATES),
    }


def _editor_page(
    request: HttpRequest,
    ident: Ident,
    form: TemplateDraftForm,
    check: msg.DraftCheck | None,
    *,
    history: tuple[list[MessageTemplate], list[MessageTemplate]],
    start: tuple[MessageTemplate | None, str] = (None, "draft"),
    status: int = 200,
    error: str | None = None,
) -> HttpResponse:
    own, shipped = history
    start, source = start
    context = {
        **_result_context(request, ident, form, check),
        "ident_url": ident.url("template_edit"),
        "channel_label": MessageChannel(ident.channel).label,
        "tone_label": Tone(ident.tone).label,
        "own": own,
        "shipped": shipped,
        "start": start,
        "source": source,
        "save_error": error,
        "variables": msg_selectors.context_documentation(),
        "examples": {name: f"{{{{ {name} }}}}" for name in ("items_table", "payment_details", "signature")}
        | {"variable": "{{ debtor.name }}"},
        "preview_url": ident.url("template_preview"),
    }
    return render(request, "workbench/messaging/template_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def template_edit(request: HttpRequest, key: str, channel: str, language: str, tone: str) -> HttpResponse:
    ident = Ident(request, key, channel, language, tone)
    debtors = _debtor_choices(request)
    history = _history(request, ident)
    if request.method == "GET":
        start, source = _starting_text(request, ident, *history)
        wanted = request.GET.get("debtor", "")
        initial = {
            "subject": start.subject if start else "",
            "body": start.body if start else "",
            "debtor": int(wanted) if wanted.isdigit() else (debtors[0][0] if debtors else None),
        }
        if start is not None and request.GET.get("from"):
            initial["note"] = _("Back to version %(version)s") % {"version": start.version}
        form = TemplateDraftForm(initial, debtors=debtors)  # bound: the page opens with a preview
        check = _draft_check(request, ident, form)
        return _editor_page(request, ident, form, check, history=history, start=(start, source))

    require(request, EDIT_TEMPLATES)
    form = TemplateDraftForm(request.POST, debtors=debtors)
    check = _draft_check(request, ident, form)
    if check is None or not check.may_save:
        return _editor_page(request, ident, form, check, history=history, status=400)
    try:
        row = msg.template_save(
            creditor=request.creditor,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            note=form.cleaned_data["note"],
            by=request.user,
            **ident.parts,
        )
    except (TemplateInvalid, ToneRefused) as exc:
        return _editor_page(request, ident, form, check, history=history, status=400, error=exc.message)
    messages.success(
        request, _("Version %(version)s is saved and used from now on.") % {"version": row.version}
    )
    target = ident.url("template_edit")
    if form.cleaned_data["debtor"]:
        target += f"?debtor={form.cleaned_data['debtor']}"
    return redirect(target)


@require_POST
@member_required
def template_preview(request: HttpRequest, key: str, channel: str, language: str, tone: str) -> HttpResponse:
    """The preview and the checks of a draft, re-rendered as the creditor types (htmx)."""
    ident = Ident(request, key, channel, language, tone)
    form = TemplateDraftForm(request.POST, debtors=msg_selectors.preview_debtors())
    context = _result_context(request, ident, form, _draft_check(request, ident, form))
    return render(request, "workbench/messaging/_draft_result.html", context)


@require_POST
@member_required
def template_restore(
    request: HttpRequest, key: str, channel: str, language: str, tone: str, version_id: int
) -> HttpResponse:
    """Save an earlier version (or the shipped text) as the newest version."""
    require(request, EDIT_TEMPLATES)
    ident = Ident(request, key, channel, language, tone)
    try:
        row = msg_selectors.template_version_get(creditor_id=request.creditor.pk, version_id=version_id)
    except MessageTemplate.DoesNotExist:
        raise Http404("no such version") from None
    if (row.key, row.channel, row.language, row.tone) != (key, channel, language, tone):
        raise Http404("no such version")
    shipped = row.creditor_id is None
    try:
        saved = msg.template_save(
            creditor=request.creditor, subject=row.subject, body=row.body, by=request.user,
            note="restored shipped text" if shipped else f"restored version {row.version}", **ident.parts,
        )  # fmt: skip
    except (TemplateInvalid, ToneRefused) as exc:
        if shipped:
            text = _("The shipped text cannot be restored: %(why)s") % {"why": exc.message}
        else:
            text = _("Version %(old)s cannot be restored: %(why)s") % {"old": row.version, "why": exc.message}
        messages.error(request, text)
    else:
        if shipped:
            text = _("The shipped text is now version %(version)s.") % {"version": saved.version}
        else:
            text = _("Version %(old)s is now version %(version)s.") % {
                "old": row.version,
                "version": saved.version,
            }
        messages.success(request, text)
    return redirect(ident.url("template_edit"))


# -- the call outcome -------------------------------------------------------------------


def _call_form(debtor: Debtor, data=None) -> CallOutcomeForm:
    return CallOutcomeForm(
        data,
        contacts=Contact.objects.filter(debtor=debtor).order_by("-is_preferred", "id"),
        items=open_items_of(debtor=debtor),
    )


@require_http_methods(["GET", "POST"])
@member_required
def call_log(request: HttpRequest, debtor_id: int) -> HttpResponse:
    """The call script and the outcome form; for a phone action when ``?action=<id>``."""
    debtor = get_object_or_404(Debtor, pk=debtor_id)
    action = None
    if (action_id := request.GET.get("action", "")).strip():
        if not action_id.isdigit():
            raise Http404("no such action")
        action = get_object_or_404(Action, pk=int(action_id), debtor=debtor)
    form = _call_form(debtor)
    status = 200
    if request.method == "POST":
        require(request, EDIT)
        form = _call_form(debtor, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = msg.call_outcome_record(
                    debtor=debtor, outcome=data["outcome"], today=_today(request), by=request.user,
                    note=data["note"], contact=data["contact"], action=action, promise_on=data["promise_on"],
                    promise_amount=data["promise_amount"], disputed_items=list(data["disputed_items"]),
                    dispute_reason=data["dispute_reason"], call_back_on=data["call_back_on"],
                    hardship_until=data["hardship_until"],
                )  # fmt: skip
            except msg.CallInvalid as exc:
                form.add_error(
                    exc.field if exc.field in form.fields else None, exc.message.split(": ", 1)[-1]
                )
            else:
                label = msg.CallOutcome(record.outcome).label
                messages.success(request, _("The call is recorded: %(outcome)s.") % {"outcome": label})
                return redirect("workbench:debtor", debtor_id=debtor.pk)
        status = 400
    script, script_error = None, ""
    try:
        script = msg.call_script_for(
            creditor=request.creditor, debtor=debtor, today=_today(request), action=action
        )
    except (TemplateNotFound, TemplateInvalid, ToneRefused, ContextIncomplete) as exc:
        script_error = exc.message
    context = {
        "debtor": debtor,
        "action": action,
        "form": form,
        "script": script,
        "script_error": script_error,
        "holds": holds_active(debtor=debtor, on=_today(request)).select_related("invoice"),
        "may_edit": may(request.membership.role, EDIT),
    }
    return render(request, "workbench/messaging/call.html", context, status=status)


# -- a personal e-mail ------------------------------------------------------------------


def _email_form(debtor: Debtor, data=None, initial=None) -> PersonalEmailForm:
    contacts = Contact.objects.filter(debtor=debtor).exclude(email="").order_by("-is_preferred", "id")
    return PersonalEmailForm(data, contacts=contacts, initial=initial)


@require_http_methods(["GET", "POST"])
@member_required
def personal_email(request: HttpRequest, debtor_id: int) -> HttpResponse:
    """A one-off e-mail from a person to one of the debtor's contacts."""
    debtor = get_object_or_404(Debtor, pk=debtor_id)
    form = _email_form(
        debtor,
        initial=msg.personal_email_start(
            creditor=request.creditor, debtor=debtor, by=request.user, today=_today(request)
        ),
    )
    status = 200
    if request.method == "POST":
        require(request, EDIT)
        form = _email_form(debtor, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = msg.personal_email_send(
                    creditor=request.creditor, debtor=debtor, contact=data["contact"], subject=data["subject"],
                    body=data["body"], include_items=data["include_items"], by=request.user,
                    today=_today(request),
                )  # fmt: skip
            except ToneRefused as exc:
                for finding in exc.findings:
                    form.add_error("body", f"{finding['explanation']} “{finding['sentence']}”")
            except msg.PersonalEmailInvalid as exc:
                form.add_error(
                    exc.field if exc.field in form.fields else None, exc.message.split(": ", 1)[-1]
                )
            except ContextIncomplete as exc:
                form.add_error(None, exc.message)
            else:
                sent = result.message
                if result.sent:
                    messages.success(request, _("The e-mail to %(to)s was sent.") % {"to": result.to})
                    return redirect("workbench:debtor", debtor_id=debtor.pk)
                if sent.status == "queued":
                    messages.warning(
                        request,
                        _(
                            "The mail server did not take the e-mail to %(to)s just now (%(why)s). It waits in "
                            "the outbox and goes out by itself at the next try."
                        )
                        % {"to": result.to, "why": sent.last_error or _("no answer")},
                    )
                    return redirect("workbench:debtor", debtor_id=debtor.pk)
                form = _email_form(debtor, request.POST)
                form.is_valid()
                form.add_error(
                    "contact",
                    _("The mail server refused %(to)s (%(why)s); nothing was sent. Choose another contact.")
                    % {"to": result.to, "why": sent.last_error},
                )
        status = 400
    context = {"debtor": debtor, "form": form, "may_edit": may(request.membership.role, EDIT)}
    return render(request, "workbench/messaging/email.html", context, status=status)


# -- the outbox: every message, one message with its history ------------------------------

OUTBOX_PER_PAGE = 50
OUTBOX_COUNT_DAYS = 30


@require_GET
@member_required
def outbox(request: HttpRequest) -> HttpResponse:
    """Every message tact sent, is sending or could not send, newest first, with filters."""
    form = OutboxFilterForm(request.GET or None)
    flt = msg_selectors.MessageFilter(
        status=form.value("status"), channel=form.value("channel"), q=form.value("q")
    )
    qs = msg_selectors.messages_list(flt=flt)
    page = Paginator(qs, OUTBOX_PER_PAGE).get_page(request.GET.get("page", 1))
    since = clock.now() - timedelta(days=OUTBOX_COUNT_DAYS)
    counts = msg_selectors.messages_status_counts(since=since)
    for message in page:
        message.held_label = _held_label(message)
    context = {"form": form, "page": page, "counts": counts, "days": OUTBOX_COUNT_DAYS}
    return render(request, "workbench/messaging/outbox.html", context)


def _message(message_id: int) -> Message:
    try:
        return msg_selectors.message_get(message_id=message_id)
    except Message.DoesNotExist:
        raise Http404("no such message") from None


EVENT_TITLES = {
    "queued": _lazy("Queued"),
    "held": _lazy("Held back by a contact rule"),
    "sending": _lazy("Written and handed to the channel"),
    "data_end": _lazy("Handed over to the mail server"),
    "document": _lazy("Letter stored for the print batch"),
    "sent": _lazy("Sent"),
    "delivered": _lazy("Delivered"),
    "bounced": _lazy("Bounced"),
    "complaint": _lazy("Reported as spam"),
    "retry": _lazy("Failed for now; tried again later"),
    "waiting": _lazy("Waits for its text to be fixed"),
    "failed": _lazy("Failed"),
    "contact_bounced": _lazy("Address marked as bounced"),
    "cancelled": _lazy("Cancelled"),
    "recovered": _lazy("Found unsent after a stop; sent again"),
    "in_doubt": _lazy("Found handed over after a stop; counted as sent"),
}
# Why a message waits: the contact rule's code in words (the outbox records the code).
HELD_REASONS = {
    "quiet_hours": _lazy("quiet hours"),
    "weekly_cap": _lazy("contacts per week"),
    "sunday": _lazy("Sunday"),
    "public_holiday": _lazy("public holiday"),
    "no_window": _lazy("no time to send found"),
}


def _held_label(message: Message) -> str:
    return str(HELD_REASONS.get(message.held_reason, message.held_reason.replace("_", " ")))


# Internal ids in event details say nothing to a person (the page links what matters).
HIDDEN_DETAILS = frozenset({"items", "action", "template", "message", "contact", "worker"})
STATUS_NAMES = dict(MessageStatus.choices)


def _event_row(event) -> dict[str, Any]:
    """An event for the history table: a title in words, the status move, and its details
    as (name, text) pairs (a key such as ``items`` would shadow the dict's method in a
    template)."""
    details = []
    for name, value in (event.detail or {}).items():
        if name in HIDDEN_DETAILS:
            continue
        if isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value) or "—"
        elif isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        details.append((name.replace("_", " "), value))
    moved = event.status_from and event.status_to and event.status_from != event.status_to
    return {
        "at": event.at,
        "kind": event.kind,
        "title": EVENT_TITLES.get(event.kind, event.kind.replace("_", " ").capitalize()),
        "status_from": STATUS_NAMES.get(event.status_from, event.status_from) if moved else "",
        "status_to": STATUS_NAMES.get(event.status_to, event.status_to),
        "details": details,
    }


@require_GET
@member_required
def message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    """One message: what was sent, to whom, on which channel, and everything that happened to it."""
    message = _message(message_id)
    context = {
        "message": message,
        "debtor": message.debtor,
        "events": [_event_row(e) for e in msg_selectors.message_events(message=message)],
        "related": msg_selectors.message_related(message=message),
        "document": msg_selectors.message_document(message=message),
        "held_label": _held_label(message),
    }
    return render(request, "workbench/messaging/message.html", context)


@require_GET
@member_required
def message_letter(request: HttpRequest, message_id: int) -> HttpResponse:
    """The letter's PDF as it went to the print batch."""
    message = _message(message_id)
    if not message.document or not default_storage.exists(message.document):
        raise Http404("no letter")
    response = FileResponse(
        default_storage.open(message.document, "rb"),
        content_type="application/pdf",
        filename=message.document.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
