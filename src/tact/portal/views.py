"""The debtor's pages. Each view is thin: ``portal_page`` resolves the link, limits the
rate, enters the creditor's scope and the debtor's language, and asks for the second
factor; the view then calls one selector or service and renders.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_scopes import scope

from tact.arrangements.errors import ArrangementInvalid
from tact.arrangements.services import open_balance
from tact.core.money import quantize
from tact.payments.errors import CheckoutInvalid
from tact.payments.models import CheckoutStatus
from tact.payments.selectors import checkout_by_public_id
from tact.tenancy.models import LANGUAGES

from . import ratelimit
from .access import (
    BAD_LINKS_PER_ADDRESS,
    FACTOR_FAILURES_PER_ADDRESS,
    FACTOR_FAILURES_PER_LINK,
    REQUESTS_PER_LINK,
    Access,
    Refusal,
    access_resolve,
    second_factor_check,
    second_factor_expected,
)
from .forms import (
    ContactForm,
    DisputeForm,
    PaidClaimForm,
    PayOnlineForm,
    PreferencesForm,
    PromiseForm,
    SecondFactorForm,
)
from .pages import confirmed, portal_today, render_page, session_state, session_state_set
from .selectors import portal_item, portal_items, portal_overview
from .services import (
    ACTOR,
    portal_checkout_start,
    portal_dispute_open,
    portal_event,
    portal_message_send,
    portal_paid_claim,
    portal_preferences_change,
    portal_promise_make,
)
from .statement import statement_pdf

log = logging.getLogger(__name__)
LANGUAGE_CODES = [code for code, _name in LANGUAGES]


# -- the frame ------------------------------------------------------------------------------


def _address(request: HttpRequest) -> str:
    # Behind a proxy: TACT_TRUSTED_PROXIES names it, and X-Forwarded-For gives the client.
    return ratelimit.client_address(request)


def _private(response: HttpResponse, language: str | None = None) -> HttpResponse:
    """No caching, no indexing, no token in a Referer header to another site."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"  # no-referrer would make form posts Origin: null (CSRF)
    response["X-Robots-Tag"] = "noindex, nofollow"
    if language:
        response["Content-Language"] = language
    return response


def neutral(request: HttpRequest) -> HttpResponse:
    """The one page every refused link gets, whatever the reason."""
    return _private(render(request, "portal/neutral.html", status=404))


def limited(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "portal/limited.html", status=429))


def _language(request: HttpRequest, access: Access) -> str:
    chosen = session_state(request, access).get("language")
    return chosen if chosen in LANGUAGE_CODES else (access.debtor.language or access.creditor.language)


def portal_page(*, verified: bool = True) -> Callable:
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
            address = _address(request)
            limit, window = BAD_LINKS_PER_ADDRESS
            if ratelimit.over(f"bad:{address}", limit=limit):
                return limited(request)
            result = access_resolve(token=token, now=timezone.now())
            if isinstance(result, Refusal):
                ratelimit.hit(f"bad:{address}", window_seconds=window)
                _refusal_audit(result)
                return neutral(request)
            access = result
            limit, window = REQUESTS_PER_LINK
            if ratelimit.hit(f"req:{access.link.link_id}", window_seconds=window) > limit:
                return limited(request)
            language = _language(request, access)
            with scope(creditor=access.creditor), translation.override(language):
                request.portal = access
                if (
                    verified
                    and access.needs_second_factor
                    and not session_state(request, access).get("verified")
                ):
                    return _private(redirect("portal:verify", token=token))
                if not session_state(request, access).get("opened") == access.link.link_id:
                    session_state_set(request, access, opened=access.link.link_id)
                    portal_event(access=access, action="portal_opened", facts={"page": view.__name__})
                response = view(request, access, *args, **kwargs)
            return _private(response, language)

        return wrapper

    return decorate


def _refusal_audit(refusal: Refusal) -> None:
    """A genuine link that no longer opens is worth a line on the debtor's timeline; a
    forged one is only logged (it names nobody)."""
    if refusal.debtor is None:
        log.info("portal.link_refused", extra={"why": refusal.why})
        return
    from tact.audit.services import audit_record

    with scope(creditor=refusal.debtor.creditor):
        audit_record(
            creditor=refusal.debtor.creditor, actor=ACTOR, action="portal_link_refused", subject=refusal.debtor,
            after={"why": refusal.why, "link": refusal.link_id},
        )  # fmt: skip


# -- access ---------------------------------------------------------------------------------


@portal_page(verified=False)
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, access: Access) -> HttpResponse:
    """The second factor: the postcode on file or the customer number."""
    if not access.needs_second_factor or session_state(request, access).get("verified"):
        return redirect("portal:home", token=access.token)
    factor, _expected = second_factor_expected(access=access)
    form = SecondFactorForm(request.POST or None, factor=factor)
    address = _address(request)
    link_key, address_key = f"factor:{access.link.link_id}", f"factor:{address}"
    locked = ratelimit.over(link_key, limit=FACTOR_FAILURES_PER_LINK[0]) or ratelimit.over(
        address_key, limit=FACTOR_FAILURES_PER_ADDRESS[0]
    )
    if request.method == "POST" and not locked and form.is_valid():
        if second_factor_check(access=access, answer=form.cleaned_data["answer"]):
            request.session.cycle_key()  # a new session id once the visitor is known
            session_state_set(request, access, verified=True)
            ratelimit.clear(link_key)
            portal_event(access=access, action="portal_verified", facts={"factor": factor})
            return redirect("portal:home", token=access.token)
        failures = ratelimit.hit(link_key, window_seconds=FACTOR_FAILURES_PER_LINK[1])
        ratelimit.hit(address_key, window_seconds=FACTOR_FAILURES_PER_ADDRESS[1])
        locked = failures >= FACTOR_FAILURES_PER_LINK[0]
        portal_event(
            access=access, action="portal_locked" if locked else "portal_verify_failed",
            facts={"factor": factor, "failures": failures},
        )  # fmt: skip
        if not locked:
            form.add_error(
                "answer", _("That does not match what we have on file. Please check and try again.")
            )
    status = 429 if locked else 200
    return render_page(request, access, "portal/verify.html", {"form": form, "locked": locked}, status=status)


@portal_page(verified=False)
@require_POST
def language(request: HttpRequest, access: Access) -> HttpResponse:
    chosen = request.POST.get("language", "")
    if chosen in LANGUAGE_CODES:
        session_state_set(request, access, language=chosen)
    target = request.POST.get("next", "")
    prefix = reverse("portal:home", kwargs={"token": access.token})
    return redirect(target if target.startswith(prefix) else prefix)


@portal_page(verified=False)
def logo(request: HttpRequest, access: Access) -> HttpResponse:
    if not access.creditor.logo:
        raise Http404
    return FileResponse(access.creditor.logo.open("rb"))


# -- reading --------------------------------------------------------------------------------


@portal_page()
def home(request: HttpRequest, access: Access) -> HttpResponse:
    overview = portal_overview(access=access, today=portal_today(access), qr_code=False)
    return render_page(request, access, "portal/home.html", {"o": overview, "ctx": overview.context})


@portal_page()
def item_pdf(request: HttpRequest, access: Access, invoice_id: int) -> HttpResponse:
    item = portal_item(access=access, invoice_id=invoice_id)
    if item is None or not item.pdf:
        raise Http404
    portal_event(access=access, action="portal_item_downloaded", facts={"item": item.number})
    return FileResponse(item.pdf.open("rb"), content_type="application/pdf", filename=f"{item.number}.pdf")


@portal_page()
def statement(request: HttpRequest, access: Access) -> HttpResponse:
    today = portal_today(access)
    overview = portal_overview(access=access, today=today, qr_code=True)
    pdf = statement_pdf(overview=overview, creditor=access.creditor, debtor=access.debtor)
    portal_event(access=access, action="portal_statement_downloaded", facts={"items": len(overview.items)})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="statement-{access.debtor.number}-{today}.pdf"'
    return response


@portal_page()
def done(request: HttpRequest, access: Access) -> HttpResponse:
    confirmation = session_state(request, access).get("confirmation")
    if not confirmation:
        return redirect("portal:home", token=access.token)
    return render_page(request, access, "portal/done.html", {"confirmation": confirmation})


# -- paying ---------------------------------------------------------------------------------


@portal_page()
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, access: Access) -> HttpResponse:
    """Transfer details with the EPC QR code; online payment of chosen items."""
    today = portal_today(access)
    overview = portal_overview(access=access, today=today, qr_code=True)
    payable = portal_items(access=access).filter(open_amount__gt=0, currency=access.debtor.currency)
    form = PayOnlineForm(request.POST or None, items=payable, initial={"items": list(payable)})
    online = access.config.online_payment and bool(_provider(access))  # none configured: transfer only
    if request.method == "POST" and online and form.is_valid():
        try:
            started = portal_checkout_start(
                access=access, items=list(form.cleaned_data["items"]), amount=form.cleaned_data["amount"],
                provider=_provider(access),
                return_url=lambda public_id: reverse("portal:pay_return", args=[access.token, public_id]),
            )  # fmt: skip
        except CheckoutInvalid:
            form.add_error(
                None, _("This payment cannot be started. Please check the invoices and the amount.")
            )
        else:
            return redirect(started.url)
    return render_page(request, access, "portal/pay.html", {"o": overview, "ctx": overview.context, "form": form,
                                                      "online": online})  # fmt: skip


def _provider(access: Access) -> str:
    """The creditor's own provider account, else the installation's provider."""
    from tact.payments.selectors import provider_name_for

    return provider_name_for(creditor=access.creditor)


@portal_page()
def pay_return(request: HttpRequest, access: Access, public_id: str) -> HttpResponse:
    checkout = checkout_by_public_id(public_id=public_id)
    if checkout is None or checkout.debtor_id != access.debtor.pk:
        raise Http404
    return render_page(request, access, "portal/pay_return.html", {"checkout": checkout, "paid": checkout.status ==
                                                              CheckoutStatus.PAID})  # fmt: skip


# -- arrangements ---------------------------------------------------------------------------

ARRANGEMENT_ERRORS = {
    "date_in_past": ("promised_on", lambda: _("Please choose today or a later day.")),
    "date_too_far": ("promised_on", lambda: _("Please choose an earlier day.")),
    "amount_not_positive": ("amount", lambda: _("Please give an amount above zero.")),
    "amount_above_balance": ("amount", lambda: _("That is more than you owe.")),
    "item_not_open": ("item", lambda: _("This invoice is no longer open.")),
    "text_missing": ("text", lambda: _("Please describe what is wrong.")),
}


def _service_error(form, exc: ArrangementInvalid) -> None:
    field, message = ARRANGEMENT_ERRORS.get(exc.reason, (None, lambda: _("Please check your entries.")))
    form.add_error(field if field in form.fields else None, message())


@portal_page()
@require_http_methods(["GET", "POST"])
def promise(request: HttpRequest, access: Access) -> HttpResponse:
    today = portal_today(access)
    currency = access.debtor.currency
    balance = quantize(open_balance(debtor=access.debtor), currency)
    form = PromiseForm(
        request.POST or None, today=today, max_days=access.config.promise_max_days, balance=balance,
        currency=currency, initial={"amount": balance},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            made = portal_promise_make(
                access=access, amount=form.cleaned_data["amount"], promised_on=form.cleaned_data["promised_on"],
                today=today,
            )  # fmt: skip
        except ArrangementInvalid as exc:
            _service_error(form, exc)
        else:
            return confirmed(
                request, access, "promise",
                {"amount": str(made.amount), "currency": made.currency, "promised_on": made.promised_on.isoformat()},
            )  # fmt: skip
    return render_page(
        request, access, "portal/promise.html", {"form": form, "balance": balance, "currency": currency}
    )


@portal_page()
@require_http_methods(["GET", "POST"])
def dispute(request: HttpRequest, access: Access) -> HttpResponse:
    items = portal_items(access=access).filter(kind="invoice", open_amount__gt=0)
    initial = {"item": request.GET.get("item")} if request.GET.get("item", "").isdigit() else {}
    form = DisputeForm(
        request.POST or None, request.FILES or None, items=items, max_bytes=access.config.upload_max_bytes,
        initial=initial,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = portal_dispute_open(
                access=access, invoice=data["item"], reason=data["reason"], text=data["text"],
                upload=data["document"], today=portal_today(access),
            )  # fmt: skip
        except ArrangementInvalid as exc:
            _service_error(form, exc)
        else:
            return confirmed(request, access, "dispute", {"number": made.invoice.number})
    return render_page(request, access, "portal/dispute.html", {"form": form})


@portal_page()
@require_http_methods(["GET", "POST"])
def paid(request: HttpRequest, access: Access) -> HttpResponse:
    today = portal_today(access)
    items = portal_items(access=access).filter(open_amount__gt=0)
    form = PaidClaimForm(
        request.POST or None, request.FILES or None, items=items, today=today,
        max_bytes=access.config.upload_max_bytes,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        portal_paid_claim(
            access=access, items=list(data["items"]), paid_on=data["paid_on"], amount=data["amount"],
            note=data["note"], upload=data["document"], today=today,
        )  # fmt: skip
        return confirmed(request, access, "paid", {})
    return render_page(request, access, "portal/paid.html", {"form": form})


@portal_page()
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, access: Access) -> HttpResponse:
    from tact.ledger.models import Contact

    debtor = access.debtor
    contact = Contact.objects.filter(debtor=debtor).order_by("-is_preferred", "id").first()
    initial = {"preferred_channel": debtor.preferred_channel, "language": debtor.language}
    if contact is not None:
        initial.update({f: getattr(contact, f) for f in ("email", "phone", "street", "postal_code", "city")})
    form = PreferencesForm(request.POST or None, region=debtor.country, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = portal_preferences_change(access=access, data=form.cleaned_data, today=portal_today(access))
        if "language" in changed:
            session_state_set(request, access, language=debtor.language)  # the pages follow the new language
        with translation.override(debtor.language if "language" in changed else translation.get_language()):
            return confirmed(request, access, "preferences", {"changed": bool(changed)})
    return render_page(request, access, "portal/preferences.html", {"form": form})


@portal_page()
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, access: Access) -> HttpResponse:
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        portal_message_send(
            access=access,
            topic=data["topic"],
            text=data["text"],
            reply_to=data["reply_to"],
            today=portal_today(access),
        )
        return confirmed(request, access, "contact", {})
    return render_page(request, access, "portal/contact.html", {"form": form})
