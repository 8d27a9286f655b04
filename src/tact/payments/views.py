"""HTTP faces of the payments app: the providers' webhook endpoint and the test provider's
own checkout page (a stand-in for a provider's hosted payment page)."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_scopes import scope

from .errors import ProviderUnavailable, ProviderUnknown, SignatureInvalid
from .models import CheckoutStatus
from .providers import test as test_provider
from .selectors import checkout_by_ref, checkout_creditor
from .services import webhook_receive

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, provider: str, account: str = "") -> HttpResponse:
    """A provider's delivery: 400 and nothing changed unless its signature verifies (with
    the secret of the creditor's account the URL names, else the installation's)."""
    body = request.body
    if len(body) > MAX_BODY:
        return HttpResponseBadRequest("too large")
    try:
        result = webhook_receive(
            provider=provider, body=body, headers=request.headers, now=timezone.now(), account_id=account
        )
    except ProviderUnknown:
        raise Http404 from None
    except SignatureInvalid as exc:
        log.warning("payments.webhook_refused", extra={"provider": provider, "why": exc.message})
        return HttpResponseBadRequest("signature")
    except ProviderUnavailable as exc:  # its API is needed and did not answer: deliver again later
        log.warning("payments.webhook_deferred", extra={"provider": provider, "why": exc.message})
        return HttpResponse("provider unavailable", status=503)
    except (ValueError, KeyError, TypeError) as exc:  # a verified body we cannot read
        log.warning("payments.webhook_unreadable", extra={"provider": provider, "why": str(exc)})
        return HttpResponseBadRequest("body")
    return JsonResponse({"processed": result.processed, "duplicates": result.duplicates})


def _test_enabled() -> bool:
    # A page that "pays" without money must not exist where a real provider is configured.
    return getattr(settings, "TACT_PAYMENT_PROVIDER", "") == "test"


@require_http_methods(["GET", "POST"])
def test_checkout(request: HttpRequest, ref: str) -> HttpResponse:
    """The test provider's payment page: pay or cancel; either sends a signed webhook
    event through the same service the HTTP endpoint calls, then returns to the portal."""
    creditor = checkout_creditor(provider_ref=ref) if _test_enabled() else None
    if creditor is None:
        raise Http404
    with scope(creditor=creditor):
        checkout = checkout_by_ref(provider_ref=ref)
        if checkout is None or checkout.provider != test_provider.TestProvider.name:
            raise Http404
        if request.method == "POST" and checkout.status == CheckoutStatus.OPEN:
            kind = "checkout.paid" if request.POST.get("outcome") == "pay" else "checkout.cancelled"
            now = timezone.now()
            body = test_provider.event_body(
                kind=kind, checkout_ref=ref, amount=checkout.amount, currency=checkout.currency,
                created=int(now.timestamp()),
            )  # fmt: skip
            headers = {test_provider.HEADER: test_provider.sign(body, timestamp=int(now.timestamp()))}
            webhook_receive(provider=checkout.provider, body=body, headers=headers, now=now)
            return redirect(checkout.return_url)
        if request.method == "POST":
            return redirect(checkout.return_url)
        return render(
            request,
            "payments/test_checkout.html",
            {"checkout": checkout, "creditor": creditor, "payload_example": json.dumps({"checkout": ref})},
        )
