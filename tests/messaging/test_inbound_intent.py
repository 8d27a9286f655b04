"""The intent tag of a reply: rules plus a model trained on the shipped examples."""

from __future__ import annotations

import pytest

from tact.messaging.inbound.intent import INTENTS, examples, intent_classify, intent_evaluate


def test_the_shipped_examples_cover_every_intent_in_every_language():
    rows = examples()

    assert len(rows) >= 450
    for language in ("de", "nl", "en", "fr"):
        for intent in INTENTS:
            assert sum(1 for r in rows if r[0] == language and r[1] == intent) >= 18


def test_held_out_accuracy_is_at_least_eighty_percent():
    result = intent_evaluate()

    print(f"held-out: {result.accuracy:.3f} (model alone {result.model_accuracy:.3f}), "
          f"{result.train} train / {result.test} test, per intent {result.per_intent}")  # fmt: skip
    assert result.test >= 110
    assert result.accuracy >= 0.8
    assert result.model_accuracy >= 0.6  # the model alone carries most of it
    assert min(result.per_intent.values()) >= 0.6


@pytest.mark.parametrize(
    "text, intent",
    [
        ("Wir haben die Rechnung schon letzte Woche überwiesen, bitte prüfen.", "already_paid"),
        ("We will pay the full amount on Friday 13 March.", "promise"),
        ("De bestelde stoelen zijn nooit geleverd, deze factuur betalen wij niet.", "dispute"),
        ("Je suis au chômage depuis janvier, pourrait-on mettre en place un échéancier ?", "hardship"),
        ("Können Sie mir bitte eine Kopie der Rechnung schicken?", "question"),
    ],
)
def test_unseen_replies_are_tagged(text, intent):
    tagged = intent_classify(text)

    assert tagged.intent == intent
    assert 0 < tagged.confidence <= 1


def test_a_reply_without_words_is_other_with_no_confidence():
    tagged = intent_classify(" \n-- \n")

    assert (tagged.intent, tagged.confidence, tagged.method) == ("other", 0.0, "empty")


def test_the_model_is_trained_once_and_gives_the_same_answer_each_time():
    first = intent_classify("Ich kann nur in Raten zahlen, mein Geschäft läuft schlecht.")
    second = intent_classify("Ich kann nur in Raten zahlen, mein Geschäft läuft schlecht.")

    assert first == second
    assert first.intent == "hardship"
