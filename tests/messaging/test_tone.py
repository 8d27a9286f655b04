"""The tone check: threats refused before the final stage, shouting and criminal threats always."""

import random
import re

import pytest

from tact.messaging.tone import _ANY, PATTERNS, tone_check


def rules(text, language, *, final=False, handover=False, ignore=frozenset()):
    findings = tone_check(
        text=text, language=language, stage_is_final=final, stage_is_handover=handover, ignore_words=ignore
    )
    return sorted({f.rule for f in findings})


@pytest.mark.parametrize(
    ("language", "text", "rule"),
    [
        ("de", "Andernfalls geben wir die Sache an ein Inkassobüro.", "collection_agency"),
        ("de", "Dann kommt der Gerichtsvollzieher zu Ihnen.", "collection_agency"),
        ("de", "Wir leiten ein gerichtliches Mahnverfahren ein.", "court"),
        ("de", "Wir melden den Vorgang der SCHUFA.", "credit_bureau"),
        ("de", "Dies ist unsere letzte Mahnung.", "last_warning"),
        ("nl", "Wij schakelen dan een incassobureau in.", "collection_agency"),
        ("nl", "De deurwaarder komt langs.", "collection_agency"),
        ("nl", "Wij stappen naar de rechter.", "court"),
        ("nl", "U krijgt een registratie bij het BKR.", "credit_bureau"),
        ("nl", "Dit is een laatste waarschuwing.", "last_warning"),
        ("en", "We will pass your account to a debt collection agency.", "collection_agency"),
        ("en", "A bailiff will visit you.", "collection_agency"),
        ("en", "We will take legal action in court.", "court"),
        ("en", "This will be reported to a credit bureau.", "credit_bureau"),
        ("en", "This is your last warning.", "last_warning"),
        ("fr", "Nous transmettrons le dossier à une société de recouvrement.", "collection_agency"),
        ("fr", "Un huissier vous rendra visite.", "collection_agency"),
        ("fr", "Nous saisirons le tribunal.", "court"),
        ("fr", "Vous serez inscrit au fichier national des incidents.", "credit_bureau"),
        ("fr", "Ceci est un dernier avertissement.", "last_warning"),
    ],
)
def test_a_threat_before_the_final_stage_is_refused_in_each_language(language, text, rule):
    assert rule in rules(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "Andernfalls übergeben wir die Forderung einem Inkassounternehmen."),
        ("nl", "Dan dragen wij de vordering over aan een incassobureau."),
        ("en", "We will then pass the claim to a collection agency."),
        ("fr", "Nous confierons alors la créance à une société de recouvrement."),
    ],
)
def test_a_final_notice_may_name_the_next_step(language, text):
    assert rules(text, language) == ["collection_agency"]
    assert rules(text, language, final=True) == []
    assert rules(text, language, handover=True) == []


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "Wir erstatten Strafanzeige wegen Betrug."),
        ("nl", "Wij doen aangifte bij de politie."),
        ("en", "We will file a criminal complaint with the police."),
        ("fr", "Nous porterons plainte auprès de la police."),
    ],
)
def test_a_criminal_threat_is_refused_even_in_a_final_notice(language, text):
    assert "criminal" in rules(text, language, final=True, handover=True)


def test_capitals_and_exclamation_marks_are_refused_at_every_stage():
    findings = tone_check(
        text="Zahlen Sie SOFORT! Danke.", language="de", stage_is_final=True, stage_is_handover=True
    )
    assert [(f.rule, f.sentence) for f in findings] == [
        ("all_caps", "Zahlen Sie SOFORT!"),
        ("exclamation", "Zahlen Sie SOFORT!"),
    ]
    assert findings[0].explanation.startswith("A word in capital letters")


def test_acronyms_roman_numerals_and_data_words_are_not_shouting():
    text = "IBAN, BIC und EUR der ACME GmbH nach Buch XIX; Rechnung RE-2026-001 an MÜLLER BAU."
    assert rules(text, "de", ignore=frozenset({"ACME", "MÜLLER", "BAU"})) == []
    assert rules(text, "de") == ["all_caps"]


def test_links_and_addresses_are_not_checked():
    assert rules("Details: https://pay.example/INKASSO!x und mail an MAHNUNG@example.org.", "de") == []


def test_harmless_lookalikes_are_not_threats():
    text = (
        "Der Betrag betrug 100 €. Das Schreiben ist an Sie gerichtet. Die Inkassokosten von 40 € "
        "werden außergerichtlich berechnet. Vous trouverez la facture en fichier joint."
    )
    assert rules(text, "de") == []
    assert rules("Buitengerechtelijke incassokosten van € 40.", "nl") == []


def test_each_finding_quotes_its_sentence():
    findings = tone_check(
        text="Guten Tag. Sonst droht die SCHUFA-Meldung. Viele Grüße",
        language="de",
        stage_is_final=False,
        stage_is_handover=False,
    )
    assert [(f.rule, f.sentence) for f in findings] == [("credit_bureau", "Sonst droht die SCHUFA-Meldung.")]


def test_a_sentence_seen_before_is_judged_again_by_its_stage_and_data():
    sentence = "Sonst geht die Forderung an ein Inkassobüro, sagt KLAUS."
    at_final = tone_check(text=sentence, language="de", stage_is_final=True, stage_is_handover=False,
                          ignore_words=frozenset({"KLAUS"}))  # fmt: skip
    assert at_final == []
    assert rules(sentence, "de") == ["all_caps", "collection_agency"]


def test_the_quick_search_finds_a_threat_exactly_where_the_rules_do():
    # Near-misses too: cut or extended words, capitals, words run together.
    every = [p for by_rule in PATTERNS.values() for patterns in by_rule.values() for p in patterns]
    one_by_one = [re.compile(p, re.IGNORECASE) for p in every]
    words = [w for p in every for w in re.findall(r"[^\W\d_]{3,}", p)]
    pick = random.Random(5)
    for _ in range(3000):
        parts = [w.upper() if pick.random() < 0.2 else w for w in pick.sample(words, 3)]
        parts = [w[: pick.randint(2, len(w))] if pick.random() < 0.3 else w + pick.choice(["", "s", "kosten", "-x"])
                 for w in parts]  # fmt: skip
        for sentence in (" ".join(parts), "x".join(parts)):
            assert bool(_ANY.search(sentence)) == any(p.search(sentence) for p in one_by_one), sentence
