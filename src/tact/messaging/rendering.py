"""Turning a template and a ``MessageContext`` into the words a debtor reads.

A template's subject and body are written as plain text with Django template variables.
The body is rendered twice: once with escaping for the HTML part, once without for the
plain-text part. Blank lines separate paragraphs; a paragraph whose lines all start with
"- " becomes a list. The blocks ``{{ items_table }}``, ``{{ payment_details }}`` and
``{{ signature }}`` stand on their own paragraph and are filled with tact's own HTML or
text, so a creditor never writes table markup.

``CONTEXT_DOC`` lists every variable a template can use; the editor shows it and a test
keeps it equal to what ``context_plain`` builds.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import phonenumbers
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency
from django.template import Template, TemplateSyntaxError
from django.template.context import Context
from django.template.loader import render_to_string
from django.utils.html import escape, urlize

from tact.core.money import quantize

from . import labels as L
from .context import MessageContext
from .errors import TemplateInvalid, ToneRefused
from .sandbox import MISSING_PREFIX, TEXT_ENGINE
from .tone import Finding, data_words, tone_check

BLOCKS = ("items_table", "payment_details", "signature")
_MARK = "\ue002{}\ue003"
_MARK_RE = re.compile("(\ue002[a-z_]+\ue003)")
_MISSING_RE = re.compile("\ue000missing:([^\ue001]*)\ue001")
SHORT_DATE = {"de": "dd.MM.yyyy", "nl": "dd-MM-yyyy", "en": "dd/MM/yyyy", "fr": "dd/MM/yyyy"}

CONTEXT_DOC: dict[str, str] = {
    "language": "the message's language: de, nl, en or fr",
    "channel": "email, letter, sms or phone",
    "tone": "friendly, neutral or firm",
    "today": 'today\'s date, written out ("4. Januar 2026")',
    "salutation": "the greeting line, with the contact's name when known",
    "closing": 'the closing formula for the tone ("Freundliche Grüße")',
    "creditor.name": "your company's legal name",
    "creditor.street": "your street",
    "creditor.postal_code": "your postal code",
    "creditor.city": "your city",
    "creditor.email": "the e-mail address debtors may write to",
    "creditor.phone": "the phone number debtors may call",
    "creditor.website": "your website",
    "creditor.iban": "your IBAN, in groups of four",
    "creditor.bic": "your BIC",
    "creditor.vat_id": "your VAT id",
    "creditor.registration": 'your register entry ("Amtsgericht Köln HRB 12345")',
    "creditor.enterprise_number": "your Belgian enterprise number (KBO/BCE)",
    "creditor.company_number": '"Unternehmensnummer 0123.456.789", else the register entry (Belgian consumer '
    "reminders must name it)",
    "reach_us": "one sentence saying how to reach you (reply, phone, e-mail), for the channel",
    "debtor.name": "the debtor's name",
    "debtor.number": "the debtor's customer number",
    "debtor.is_consumer": "true for a private person",
    "debtor.country": "the debtor's country code (DE, NL, BE, AT)",
    "contact.name": "the contact person's name (the debtor's name for a private person)",
    "contact.email": "the contact's e-mail address",
    "contact.phone": "the contact's phone number",
    "items": "the open items: number, kind, issued_on, due_on, due_on_long, open_amount, days_overdue, "
    "is_overdue, order_reference",
    "item_count": "how many items the message is about",
    "overdue_count": "how many of them are overdue",
    "max_days_overdue": "days the oldest overdue item is late",
    "oldest_due_on": "the earliest due date, written out",
    "first_item": "the first item (same fields as in items), or empty",
    "totals.open": 'the open items\' sum, formatted ("1.428,00 €")',
    "totals.overdue": "the overdue items' sum, formatted",
    "totals.charges": "interest and costs the stage adds, formatted",
    "totals.due": "what is to be paid: open items plus charges, formatted",
    "has_charges": "true when the stage adds interest or costs",
    "charges": "the charges: label, amount and basis (the legal basis)",
    "law.country": "the country whose law applies",
    "law.is_consumer": "true when consumer-protection rules apply",
    "law.collection_costs": "the collection costs the law allows on the overdue sum, formatted, or empty",
    "law.flat_compensation": "the flat compensation the law allows (EUR 40 B2B), formatted, or empty",
    "law.fees_rule": "the legal basis of those figures",
    "law.waiting_days": "the legal waiting period in days before costs (NL/BE consumers), or empty",
    "law.fees_allowed_from": "the first day costs may be charged after this message, written out, or empty",
    "law.first_reminder_free": "true where the first reminder must be free of charge",
    "payment.method": "the debtor's usual payment method (code)",
    "payment.method_name": 'its name ("SEPA-Lastschrift", "iDEAL")',
    "payment.method_sentence": "one sentence naming the usual way to pay, for this channel",
    "payment.link": "the page where the debtor pays online",
    "payment.portal_link": "the debtor's own page: items, payment plan, question or dispute",
    "payment.short_link": "a short link for SMS",
    "payment.beneficiary": "the account holder's name",
    "payment.iban": "the IBAN to pay to, in groups of four",
    "payment.bic": "the BIC",
    "payment.reference": "the structured reference to quote (RF… or +++…+++)",
    "payment.reference_label": "what that reference is called in the message's language",
    "payment.amount": "the amount to transfer, formatted",
    "payment.has_qr": "true when a transfer QR code can be printed",
    "stage.key": "the stage's template key",
    "stage.is_final": "true for a final notice",
    "stage.is_handover": "true for a handover proposal",
    "stage.deadline": "the date to pay by, written out",
    "stage.deadline_days": "the days given to pay",
    "signature_name": "the signing person's name, or empty",
    "signature_role": "the signing person's role or department",
    "labels": "table headings and other fixed words in the message's language",
    "items_table": "block: the items with dates, amounts, days overdue, charges and the total",
    "payment_details": "block: how to pay (link, bank details, reference, QR code on letters)",
    "signature": "block: closing, name, role, company and how to reach you",
}


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str
    template_version_id: int | None  # None for an unsaved draft (the editor's preview)
    key: str
    language: str
    tone: str
    channel: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)


# --- formatting -------------------------------------------------------------------------


@lru_cache(maxsize=64)
def babel_locale(identifier: str) -> Locale:
    """A parsed locale, once per process: given a string, babel parses it again on every
    call and loads its data afresh into the new object (most of a formatted amount's cost)."""
    return Locale.parse(identifier)


# Babel takes tens of microseconds per call; a run writes the same dates (today, deadlines)
# and many of the same amounts (fees, totals) over and over.
@lru_cache(maxsize=8192)
def money(amount: Decimal, currency: str, locale: str) -> str:
    return format_currency(quantize(amount, currency), currency, locale=babel_locale(locale))


@lru_cache(maxsize=4096)
def date_long(day: date | None, locale: str) -> str:
    return format_date(day, "long", locale=babel_locale(locale)) if day else ""


@lru_cache(maxsize=4096)
def date_short(day: date, language: str) -> str:
    return format_date(day, SHORT_DATE[language], locale=babel_locale(L.locale_for(language, "")))


@lru_cache(maxsize=4096)  # the creditor's own number is in every message
def phone_display(number: str) -> str:
    """+4940123456 as "+49 40 123456"; a number phonenumbers cannot read stays as written."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def iban_display(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


# --- the plain context ------------------------------------------------------------------


def context_plain(ctx: MessageContext, *, language: str, channel: str, tone: str) -> dict[str, Any]:
    """The documented dictionary a template sees: strings, numbers, booleans, lists, dicts."""
    loc = L.locale_for(language, ctx.debtor["country"])
    words = L.LABELS[language]
    cur = ctx.currency

    def item(f) -> dict[str, Any]:
        return {
            "number": f.number,
            "kind": words["credit_note"] if f.kind == "credit_note" else words["invoice"],
            "issued_on": date_short(f.issued_on, language),
            "due_on": date_short(f.due_on, language),
            "due_on_long": date_long(f.due_on, loc),
            "open_amount": money(f.open_amount, f.currency, loc),
            "days_overdue": f.days_overdue,
            "is_overdue": f.days_overdue > 0,
            "order_reference": f.order_reference,
        }

    items = [item(f) for f in ctx.items]
    overdue = [f for f in ctx.items if f.days_overdue > 0]
    law = ctx.law
    pay = ctx.payment
    creditor = ctx.creditor
    # A role given in another language would be the wrong language here: the default fits better.
    role = creditor["signature_role"].get(language) or L.DEFAULT_ROLE[language]
    return {
        "language": language,
        "channel": channel,
        "tone": tone,
        "today": date_long(ctx.today, loc),
        "salutation": L.salutation(language=language, tone=tone, name=ctx.contact["name"]),
        "closing": L.CLOSINGS[language][tone],
        "creditor": {
            "name": creditor["name"],
            "street": creditor["street"],
            "postal_code": creditor["postal_code"],
            "city": creditor["city"],
            "email": creditor["email"],
            "phone": phone_display(creditor["phone"]),
            "website": creditor["website"],
            "iban": iban_display(creditor["iban"]),
            "bic": creditor["bic"],
            "vat_id": creditor["vat_id"],
            "registration": creditor["registration"],
            "enterprise_number": creditor["enterprise_number"],
            "company_number": (
                f"{words['enterprise_number']} {creditor['enterprise_number']}"
                if creditor["enterprise_number"]
                else creditor["registration"]
            ),
        },
        "reach_us": L.reach_us(
            language=language,
            channel=channel,
            phone=phone_display(creditor["phone"]),
            email=creditor["email"],
            portal=pay.portal_url,
        ),
        "debtor": {
            "name": ctx.debtor["name"],
            "number": ctx.debtor["number"],
            "is_consumer": ctx.debtor["kind"] == "consumer",
            "country": ctx.debtor["country"],
        },
        "contact": {**ctx.contact, "phone": phone_display(ctx.contact["phone"])},
        "items": items,
        "item_count": len(items),
        "overdue_count": len(overdue),
        "max_days_overdue": max((f.days_overdue for f in ctx.items), default=0),
        "oldest_due_on": date_long(min((f.due_on for f in ctx.items), default=None), loc),
        "first_item": items[0] if items else {},
        "totals": {
            "open": money(ctx.open_total, cur, loc),
            "overdue": money(ctx.overdue_total, cur, loc),
            "charges": money(ctx.charges_total, cur, loc),
            "due": money(ctx.total_due, cur, loc),
        },
        "has_charges": bool(ctx.charges),
        "charges": [
            {"label": words.get(c.kind, c.kind), "amount": money(c.amount, c.currency, loc), "basis": c.basis}
            for c in ctx.charges
        ],
        "law": {
            "country": law["country"],
            "is_consumer": law["is_consumer"],
            "collection_costs": money(law["collection_costs"], "EUR", loc) if law["collection_costs"] else "",
            "flat_compensation": money(law["flat_compensation"], "EUR", loc)
            if law["flat_compensation"]
            else "",
            "fees_rule": law["fees_rule"],
            "waiting_days": law["waiting_days"] or "",
            "fees_allowed_from": date_long(law["fees_allowed_from"], loc),
            "first_reminder_free": law["first_reminder_free"],
        },
        "payment": {
            "method": pay.method,
            "method_name": L.method_name(language=language, country=ctx.debtor["country"], method=pay.method),
            "method_sentence": L.method_sentence(
                language=language, country=ctx.debtor["country"], method=pay.method, channel=channel
            ),
            "link": pay.pay_url,
            "portal_link": pay.portal_url,
            "short_link": pay.short_url,
            "beneficiary": creditor["name"],
            "iban": iban_display(creditor["iban"]),
            "bic": creditor["bic"],
            "reference": pay.reference.display,
            "reference_label": words["reference_ogm"] if pay.reference.kind == "ogm" else words["reference"],
            "amount": money(ctx.total_due, cur, loc),
            "has_qr": bool(pay.epc_payload),
        },
        "stage": {
            "key": ctx.stage["key"],
            "is_final": ctx.stage["is_final"],
            "is_handover": ctx.stage["is_handover"],
            "deadline": date_long(ctx.stage["deadline_on"], loc),
            "deadline_days": ctx.stage["deadline_days"],
        },
        "signature_name": creditor["signature_name"],
        "signature_role": role,
        "labels": dict(words),
    }


def _block_context(ctx: MessageContext, plain: dict[str, Any], channel: str) -> dict[str, Any]:
    return {
        **plain,
        "qr_image": ctx.payment.qr_png_data_uri if channel == "letter" else "",
        "creditor_facts": ctx.creditor,
        "is_letter": channel == "letter",
        "colon": L.COLON[plain["language"]],
    }


_BLOCK_SPLIT = re.compile(r"<!--tact:([a-z_]+)-->")


def blocks_html(ctx: MessageContext, plain: dict[str, Any], channel: str) -> dict[str, str]:
    """The blocks' HTML: all three from one template (one render, not three), the letter's
    with classes its style sheet lays out, the e-mail's with the inline styles mail
    clients need."""
    data = _block_context(ctx, plain, channel)
    name = "letter" if channel == "letter" else "email"
    pieces = _BLOCK_SPLIT.split(render_to_string(f"messaging/blocks/{name}.html", data))
    return {pieces[i]: pieces[i + 1].strip() for i in range(1, len(pieces), 2)}


def _text_table(rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def blocks_text(plain: dict[str, Any]) -> dict[str, str]:
    w = plain["labels"]
    c = L.COLON[plain["language"]]
    rows = [[w["invoice"], w["issued_on"], w["due_on"], w["open_amount"], w["days_overdue"]]]
    for i in plain["items"]:
        late = str(i["days_overdue"]) if i["is_overdue"] else "–"
        rows.append([i["number"], i["issued_on"], i["due_on"], i["open_amount"], late])
    table = _text_table(rows, right={3, 4})
    totals = []
    if plain["has_charges"]:
        totals.append(f"{w['subtotal']}{c}{plain['totals']['open']}")
        totals += [f"{ch['label']}{c}{ch['amount']} ({ch['basis']})" for ch in plain["charges"]]
    totals.append(f"{w['total_due']}{c}{plain['totals']['due']}")
    pay = plain["payment"]
    payment = [
        f"{w['pay_online_text']}{c}{pay['link']}",
        f"{w['beneficiary']}{c}{pay['beneficiary']}",
        f"IBAN{c}{pay['iban']}" + (f", BIC{c}{pay['bic']}" if pay["bic"] else ""),
        f"{w['amount']}{c}{pay['amount']}",
        f"{pay['reference_label']}{c}{pay['reference']}",
        f"{w['portal']}{c}{pay['portal_link']}",
    ]
    creditor = plain["creditor"]
    signature = [plain["closing"], ""]
    if plain["signature_name"]:
        signature.append(plain["signature_name"])
    signature += [plain["signature_role"], creditor["name"]]
    signature += [part for part in (creditor["phone"], creditor["email"]) if part]
    return {
        "items_table": table + "\n\n" + "\n".join(totals),
        "payment_details": "\n".join(payment),
        "signature": "\n".join(signature),
    }


# --- compiling and rendering ------------------------------------------------------------

# Compiled templates by their source: a saved version never changes (an edit is a new row),
# and keying on the text rather than the row id stays right across databases and tests.
_CACHE: OrderedDict[str, Template] = OrderedDict()
_CACHE_SIZE = 2048


def _compile(source: str, *, cache: bool, where: str) -> Template:
    key = source if cache else None
    if key and key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    try:
        template = TEXT_ENGINE.from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateInvalid(where=where, detail=str(exc)) from exc
    if key:
        _CACHE[key] = template
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return template


def _render(template: Template, data: dict[str, Any], where: str) -> str:
    out = template.render(Context(data, autoescape=False))
    missing = sorted(set(_MISSING_RE.findall(out)))
    if missing or MISSING_PREFIX in out:
        raise TemplateInvalid(where=where, detail=f"unknown variable(s): {', '.join(missing)}")
    return out


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


# What Django's urlize turns into a link contains one of these (its own patterns, as loose):
# a line without any comes out of it unchanged, and urlize is slow.
_MAYBE_LINK = re.compile(r"@|://|www\.|\.(?:com|edu|gov|int|mil|net|org)", re.IGNORECASE)


def _links(line: str) -> str:
    return urlize(line, autoescape=False) if _MAYBE_LINK.search(line) else line


def _paragraph_html(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and all(line.startswith("- ") for line in lines):
        return "<ul>" + "".join(f"<li>{_links(line[2:])}</li>" for line in lines) + "</ul>"
    return "<p>" + "<br>\n".join(_links(line) for line in lines) + "</p>"


def _to_html(rendered: str, blocks: dict[str, str]) -> str:
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n", _tidy_text(rendered)):
        for piece in _MARK_RE.split(paragraph):
            if _MARK_RE.fullmatch(piece):
                out.append(blocks[piece[1:-1]])
            elif piece.strip():
                out.append(_paragraph_html(piece))
    return "\n".join(out)


def render_source(
    *,
    subject: str,
    body: str,
    ctx: MessageContext,
    language: str,
    tone: str,
    channel: str,
    cache: bool = False,
    where: str = "draft",
) -> tuple[str, str, str]:
    """(subject, text, html) of a template source; raises TemplateInvalid.

    The body is rendered once, as text; the HTML part is that text escaped (a template
    cannot inject markup, not even in its literal words) with tact's own blocks put in.
    """
    plain = context_plain(ctx, language=language, channel=channel, tone=tone)
    marked = {**plain, **{name: _MARK.format(name) for name in BLOCKS}}
    subject_out = " ".join(_render(_compile(subject, cache=cache, where=where), plain, where).split())
    raw = _tidy_text(_render(_compile(body, cache=cache, where=where), marked, where))
    text_blocks = blocks_text(plain)
    text = _MARK_RE.sub(lambda m: text_blocks[m.group(0)[1:-1]], raw)
    if channel in ("sms", "phone"):
        return subject_out, text, ""
    return subject_out, text, _to_html(str(escape(raw)), blocks_html(ctx, plain, channel))


def context_words(ctx: MessageContext) -> frozenset[str]:
    """Words that came from data in this context (exempt from the capitals rule)."""
    values = [*ctx.creditor.values(), *ctx.debtor.values(), *ctx.contact.values()]
    values += [i.number for i in ctx.items] + [i.order_reference for i in ctx.items]
    values += [ctx.address.city, ctx.address.street, ctx.payment.reference.display]
    return data_words([v for v in values if isinstance(v, str)])


def tone_enforce(
    *,
    subject: str,
    text: str,
    language: str,
    is_final: bool,
    is_handover: bool,
    ignore: frozenset[str],
    where: str,
) -> None:
    findings = tone_check(
        text=f"{subject}\n{text}",
        language=language,
        stage_is_final=is_final,
        stage_is_handover=is_handover,
        ignore_words=ignore,
    )
    if findings:
        raise ToneRefused(findings=[f.as_dict() for f in findings], where=where)
