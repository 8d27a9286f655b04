"""Rendering real debtors' messages: languages, fallbacks, the sandbox, versions, tenancy."""

from datetime import date

import pytest
from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.messaging.context import message_context
from tact.messaging.errors import ContextIncomplete, TemplateInvalid, TemplateNotFound, ToneRefused
from tact.messaging.models import MessageTemplate, SenderProfile
from tact.messaging.rendering import CONTEXT_DOC, context_plain
from tact.messaging.services import template_check, template_render, template_save

from .conftest import TODAY


def ctx_for(portfolio, creditor, language, **facts):
    debtor, items = portfolio[language]
    return message_context(creditor=creditor, debtor=debtor, items=items, action_facts=facts, today=TODAY)


GREETING = {"de": "Guten Tag Jana Sommer,", "nl": "Beste Sanne van Dijk,", "en": "Dear Martin Gruber,",
            "fr": "Bonjour Claire Lemaire,"}  # fmt: skip
AMOUNT = {"de": "1.428,00 €", "nl": "€ 1.428,00", "en": "€1,428.00", "fr": "1 428,00 €"}


def spaced(text):
    """Babel writes no-break spaces in amounts; compare them as spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.parametrize("language", ["de", "nl", "en", "fr"])
def test_a_reminder_renders_for_a_real_debtor_in_each_language(portfolio, in_scope, language):
    ctx = ctx_for(portfolio, in_scope, language, stage="reminder")
    rendered = template_render(
        key="reminder", language=language, tone="neutral", channel="email", context=ctx
    )
    debtor, items = portfolio[language]
    assert rendered.language == language and rendered.template_version_id
    assert debtor.number in rendered.subject
    assert rendered.text.startswith(GREETING[language])
    assert AMOUNT[language] in spaced(rendered.text)
    assert all(i.number in rendered.text and i.number in rendered.html for i in items)
    assert ctx.payment.reference.display in rendered.text
    assert "<table" in rendered.html and "<p>" in rendered.html
    assert "Lea Hoffmann" in rendered.text


def test_the_usual_payment_method_is_named_from_payment_history(portfolio, in_scope, usual_payments):
    ctx = ctx_for(portfolio, in_scope, "de", stage="reminder")
    assert ctx.payment.method == "card"
    rendered = template_render(key="reminder", language="de", tone="neutral", channel="email", context=ctx)
    assert "mit Kreditkarte bezahlen" in rendered.text


def test_a_direct_debit_payer_is_asked_to_transfer_not_promised_a_debit(portfolio, in_scope):
    ctx = ctx_for(portfolio, in_scope, "en", stage="reminder")
    rendered = template_render(key="reminder", language="en", tone="neutral", channel="letter", context=ctx)
    assert (
        "You normally pay by SEPA direct debit; for this amount, please make a transfer or pay online."
        in rendered.text
    )


def test_the_creditors_own_text_wins_over_the_shipped_one(portfolio, in_scope):
    own = template_save(creditor=in_scope, key="reminder", language="de", tone="neutral", channel="email",
                        subject="Offene Posten {{ debtor.number }}", body="{{ salutation }}\n\nBitte zahlen Sie {{ totals.due }}.",
                        by=None)  # fmt: skip
    rendered = template_render(key="reminder", language="de", tone="neutral", channel="email",
                               context=ctx_for(portfolio, in_scope, "de"))  # fmt: skip
    assert rendered.template_version_id == own.pk
    assert rendered.subject == "Offene Posten D-100"


def test_a_missing_tone_falls_back_to_neutral_and_a_missing_language_to_the_creditors(portfolio, in_scope):
    ctx = ctx_for(portfolio, in_scope, "de")
    firm = template_render(key="reminder", language="de", tone="firm", channel="email", context=ctx)
    assert (firm.tone, firm.language) == ("neutral", "de")
    MessageTemplate.shipped.filter(key="reminder", language="nl").update(is_current=False)
    dutch = template_render(key="reminder", language="nl", tone="neutral", channel="email", context=ctx)
    assert dutch.language == "de"  # the creditor writes German
    with pytest.raises(TemplateNotFound):
        template_render(key="no_such_stage", language="de", tone="neutral", channel="email", context=ctx)


def test_another_creditors_text_is_never_used(portfolio, in_scope, other_creditor):
    with scope(creditor=other_creditor):
        template_save(creditor=other_creditor, key="reminder", language="de", tone="neutral", channel="email",
                      subject="Rival", body="Rival {{ totals.due }}", by=None)  # fmt: skip
    rendered = template_render(key="reminder", language="de", tone="neutral", channel="email",
                               context=ctx_for(portfolio, in_scope, "de"))  # fmt: skip
    assert "Rival" not in rendered.subject
    assert rendered.template_version_id in set(MessageTemplate.shipped.values_list("pk", flat=True))


def test_saving_twice_keeps_both_versions_and_audits_each(portfolio, in_scope):
    kw = dict(creditor=in_scope, key="reminder", language="en", tone="neutral", channel="sms", by="api:test")
    first = template_save(subject="", body="Please pay {{ totals.due }}: {{ payment.short_link }}", **kw)
    second = template_save(subject="", body="Kindly pay {{ totals.due }}: {{ payment.short_link }}", **kw)
    same = template_save(subject="", body="Kindly pay {{ totals.due }}: {{ payment.short_link }}", **kw)
    first.refresh_from_db()
    assert (first.version, first.is_current, second.version, second.is_current) == (1, False, 2, True)
    assert same.pk == second.pk
    assert AuditEvent.objects.filter(action="message_template_saved").count() == 2


def test_a_threatening_text_is_refused_on_save_with_the_sentence(in_scope):
    with pytest.raises(ToneRefused) as caught:
        template_save(creditor=in_scope, key="reminder", language="de", tone="neutral", channel="email",
                      subject="Zahlung", body="Zahlen Sie sofort. Sonst schalten wir ein Inkassobüro ein.", by=None)  # fmt: skip
    assert caught.value.findings[0]["sentence"] == "Sonst schalten wir ein Inkassobüro ein."
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ("{% load static %}", "load"),
        ("{% include 'base.html' %}", "include"),
        ("{% debug %}", "debug"),
        ("{{ debtor.name|safe }}", "safe"),
        ("{{ debtor.nmae }}", "unknown variable(s): debtor.nmae"),
        ("{% if %}", "if"),
    ],
)
def test_the_sandbox_refuses_what_a_template_may_not_do(in_scope, body, detail):
    with pytest.raises(TemplateInvalid) as caught:
        template_check(key="reminder", language="de", tone="neutral", channel="sms", subject="", body=body)
    assert detail in caught.value.message


def test_data_and_literal_text_are_escaped_in_html(portfolio, in_scope):
    debtor, items = portfolio["de"]
    debtor.name = "<script>alert(1)</script> & Co"
    debtor.save()
    template_save(creditor=in_scope, key="reminder", language="de", tone="neutral", channel="email",
                  subject="Hallo", body="<b>fett</b> {{ debtor.name }}", by=None)  # fmt: skip
    rendered = template_render(key="reminder", language="de", tone="neutral", channel="email",
                               context=message_context(creditor=in_scope, debtor=debtor, items=items,
                                                       action_facts={}, today=TODAY))  # fmt: skip
    assert "<script>" not in rendered.html and "<b>" not in rendered.html
    assert "&lt;b&gt;fett&lt;/b&gt; &lt;script&gt;" in rendered.html
    assert "<b>fett</b> <script>alert(1)</script> & Co" in rendered.text


def test_a_belgian_consumer_reminder_needs_the_enterprise_number(portfolio, in_scope):
    SenderProfile.objects.filter(creditor=in_scope).update(enterprise_number="", registration="")
    with pytest.raises(ContextIncomplete):
        template_render(key="payment_reminder", language="fr", tone="neutral", channel="email",
                        context=ctx_for(portfolio, in_scope, "fr"))  # fmt: skip


def test_a_belgian_consumer_gets_an_ogm_reference_and_at_least_fourteen_days(portfolio, in_scope):
    ctx = ctx_for(portfolio, in_scope, "fr", stage="payment_reminder")
    assert ctx.payment.reference.kind == "ogm"
    assert (ctx.stage["deadline_on"] - TODAY).days >= 14 + 3
    rendered = template_render(
        key="payment_reminder", language="fr", tone="neutral", channel="email", context=ctx
    )
    assert "Ce premier rappel est gratuit." in rendered.text
    assert "Numéro d'entreprise 0123.456.749" in rendered.text
    assert "Communication structurée" in rendered.text and ctx.payment.reference.display in rendered.text


def test_every_context_variable_is_documented(portfolio, in_scope):
    plain = context_plain(ctx_for(portfolio, in_scope, "de"), language="de", channel="email", tone="neutral")
    names = set()
    for key, value in plain.items():
        if isinstance(value, dict) and key not in ("labels", "first_item"):
            names |= {f"{key}.{sub}" for sub in value}
        else:
            names.add(key)
    names |= {"items_table", "payment_details", "signature"}
    assert names == set(CONTEXT_DOC)


def test_the_deadline_is_ten_days_unless_the_action_says_otherwise(portfolio, in_scope):
    assert ctx_for(portfolio, in_scope, "de").stage["deadline_on"] == date(2026, 3, 12)
    assert ctx_for(portfolio, in_scope, "de", deadline_days=21).stage["deadline_on"] == date(2026, 3, 23)
