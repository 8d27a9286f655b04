"""The shipped texts: complete for every stage of the presets, rendering everywhere, polite."""

import pytest

from tact.messaging.channels.sms import sms_clean, sms_info
from tact.messaging.context import FINAL_KEYS, HANDOVER_KEYS
from tact.messaging.defaults import shipped_sync, shipped_texts
from tact.messaging.models import MessageTemplate
from tact.messaging.rendering import context_words, render_source
from tact.messaging.samples import sample_context
from tact.messaging.tone import tone_check

# The template keys of the dunning presets (tact.dunning.presets), with the tones they use.
KEYS = {
    "pre_due_reminder": "friendly",
    "friendly_reminder": "friendly",
    "personal_contact": "friendly",
    "payment_plan_offer": "neutral",
    "final_notice": "firm",
    "handover_notice": "neutral",
    "reminder": "neutral",
    "second_reminder": "firm",
    "payment_reminder": "friendly",
    "formal_reminder_14_days": "neutral",
    "costs_notice": "firm",
}
SMS_KEYS = {
    "pre_due_reminder", "friendly_reminder", "personal_contact", "payment_plan_offer", "reminder", "payment_reminder"
}  # fmt: skip
LANGUAGES = ("de", "nl", "en", "fr")
TEXTS = shipped_texts()
SAMPLES = [(country, kind) for country in ("DE", "AT", "NL", "BE") for kind in ("business", "consumer")]


def have():
    return {(t.key, t.language, t.tone, t.channel) for t in TEXTS}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_stage_has_email_and_letter_texts_in_friendly_neutral_and_its_own_tone(language):
    shipped = have()
    for key, tone in KEYS.items():
        for wanted in {"friendly", "neutral", tone}:
            for channel in ("email", "letter"):
                assert (key, language, wanted, channel) in shipped, (key, wanted, channel)


@pytest.mark.parametrize("language", LANGUAGES)
def test_sms_and_phone_texts_exist_where_a_stage_may_use_them(language):
    shipped = have()
    for key in SMS_KEYS:
        assert {(key, language, t, "sms") for t in ("friendly", "neutral")} <= shipped
    assert {("personal_contact", language, t, "phone") for t in ("friendly", "neutral")} <= shipped
    # Legal letters and final steps never go out as an SMS: the content required does not fit.
    assert not any(
        k in ("formal_reminder_14_days", "final_notice", "costs_notice")
        for k, _, _, c in shipped
        if c == "sms"
    )


def test_the_keys_are_those_of_the_dunning_presets():
    presets = pytest.importorskip("tact.dunning.presets")
    used = {stage["template_key"]: stage["tone"] for p in presets.PRESETS.values() for stage in p["stages"]}
    assert set(used) == set(KEYS)
    assert {k for k, _, _, _ in have()} == set(KEYS)


@pytest.mark.parametrize("text", TEXTS, ids=lambda t: f"{t.key}-{t.language}-{t.tone}-{t.channel}")
def test_every_shipped_text_renders_everywhere_and_passes_the_tone_check(text):
    for country, kind in SAMPLES:
        ctx = sample_context(country=country, kind=kind, key=text.key)
        subject, body, html = render_source(
            subject=text.subject,
            body=text.body,
            ctx=ctx,
            language=text.language,
            tone=text.tone,
            channel=text.channel,
        )
        assert body.strip()
        assert (subject != "") == (text.channel in ("email", "letter"))
        assert (html != "") == (text.channel in ("email", "letter"))
        findings = tone_check(
            text=f"{subject}\n{body}",
            language=text.language,
            stage_is_final=text.key in FINAL_KEYS,
            stage_is_handover=text.key in HANDOVER_KEYS,
            ignore_words=context_words(ctx),
        )
        assert findings == [], (country, kind, findings)
        if text.channel == "sms":
            info = sms_info(sms_clean(body))
            assert info.encoding == "gsm7" and info.segments <= 2, (country, kind, info, body)


def test_the_nl_fourteen_day_letter_has_the_supreme_courts_wording_and_the_costs():
    text = next(
        t
        for t in TEXTS
        if (t.key, t.language, t.tone, t.channel) == ("formal_reminder_14_days", "nl", "neutral", "letter")
    )
    ctx = sample_context(country="NL", kind="consumer", key=text.key)
    _, body, _ = render_source(
        subject=text.subject, body=text.body, ctx=ctx, language="nl", tone="neutral", channel="letter"
    )
    assert "binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd" in body
    assert "178,50" in body  # 15 % of the overdue 1,190.00 (BIK scale)
    assert "geen kosten" in body


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_belgian_first_reminder_names_what_book_xix_requires(language):
    text = next(
        t
        for t in TEXTS
        if (t.key, t.language, t.tone, t.channel) == ("payment_reminder", language, "neutral", "letter")
    )
    ctx = sample_context(country="BE", kind="consumer", key=text.key)
    _, body, _ = render_source(
        subject=text.subject, body=text.body, ctx=ctx, language=language, tone="neutral", channel="letter"
    )
    free = {"de": "kostenlos", "nl": "gratis", "en": "free of charge", "fr": "gratuit"}[language]
    assert free in body and "14" in body and "Nordlicht Handel GmbH" in body
    assert "99,50" in body or "99.50" in body  # the indemnity on 1,190.00: 65 + 5 % of 690
    assert "RE-2026-0107" in body  # the invoice and its due date, in the items table


def test_the_migration_loaded_them_and_a_second_sync_changes_nothing(db):
    assert MessageTemplate.shipped.filter(is_current=True).count() == len(TEXTS)
    assert shipped_sync(model=MessageTemplate) == {
        "created": 0,
        "updated": 0,
        "unchanged": len(TEXTS),
        "retired": 0,
    }
