"""What every portal page shares once the frame (``views.portal_page``) has let the visitor
in: the visitor's state in the session, the creditor's business day, the page rendered
with the creditor's brand, and the confirmation page after an action. Used by ``views``,
``request_views`` and ``plan_views`` alike."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from tact.tenancy.models import LANGUAGES

from .access import Access
from .branding import brand_for
from .confirmations import confirmation_text

SESSION = "tact_portal"


def session_state(request: HttpRequest, access: Access) -> dict[str, Any]:
    """What the session knows of this debtor's visit (verified, language, confirmation)."""
    return request.session.get(SESSION, {}).get(str(access.debtor.pk), {})


def session_state_set(request: HttpRequest, access: Access, **values: Any) -> None:
    store = dict(request.session.get(SESSION, {}))
    store[str(access.debtor.pk)] = {**store.get(str(access.debtor.pk), {}), **values}
    request.session[SESSION] = store


def portal_today(access: Access) -> date:
    """The creditor's business day now (its time zone)."""
    return timezone.now().astimezone(ZoneInfo(access.creditor.timezone)).date()


def render_page(
    request: HttpRequest, access: Access, template: str, context: dict | None = None, status: int = 200
) -> HttpResponse:
    """``template`` with the creditor's brand, the debtor and the language switch."""
    creditor = access.creditor
    base = {
        "access": access,
        "token": access.token,
        "creditor": creditor,
        "debtor": access.debtor,
        "brand": brand_for(primary=creditor.primary_color, accent=creditor.accent_color),
        "languages": LANGUAGES,
        "has_logo": bool(creditor.logo),
    }
    return render(request, template, {**base, **(context or {})}, status=status)


def confirmed(request: HttpRequest, access: Access, kind: str, facts: dict[str, Any]) -> HttpResponse:
    """After an action: to the confirmation page, with the same words the confirming
    message carries (``confirmations.confirmation_text``)."""
    title, text = confirmation_text(kind, facts)
    session_state_set(request, access, confirmation={"title": title, "text": text})
    return redirect("portal:done", token=access.token)
