"""The tone check: no threats, no shouting, per language.

tact writes to customers it wants to keep. A reminder that threatens a collection agency,
a court, a credit-bureau entry or a bailiff before the stage that really is a final notice or
a handover is refused; so is "last warning" phrasing. Criminal threats (a criminal complaint,
the police, "fraud") are refused at every stage: in Germany they can be coercion (§ 240
StGB). Words in capitals and exclamation marks are refused at every stage too.

Each finding quotes the sentence it was found in, names the rule (a stable code) and
explains it. The check runs when a template is saved and on every rendered message; at
render time the words that came from data (names, invoice numbers) are passed in
``ignore_words`` so a debtor called "ACME GMBH" does not count as shouting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Acronyms and abbreviations a careful text still writes in capitals.
ACRONYMS = frozenset(
    """
    IBAN BIC EUR SEPA SCT QR EPC PDF SMS URL PIN TAN ID IDS VAT BTW TVA MWST UST USTID KBO BCE BV NV
    VOF CV BVBA SRL SA SPRL SAS SARL AG KG OHG UG GMBH EK EG AB BGB HGB UGB ABGB BW ZPO
    BDSG AVG RGPD DSGVO GDPR WIK BIK WKI HR KVK HRB HRA FN UID DE NL BE AT EU FAQ CEO CFO
    OK PS NB UTC CET CEST AM PM USD GBP CHF ISO RF OGM VCS IT HR
    """.split()
)

EXPLANATIONS = {
    "collection_agency": "Announces a collection agency or bailiff before the stage that really hands the "
    "case over. Offer help first; name the next step only in a final notice or a handover.",
    "court": "Announces court proceedings before the final notice or handover stage.",
    "credit_bureau": "Announces a credit-bureau entry (SCHUFA, BKR, …) before the final notice or handover stage; "
    "in Germany it may only be announced with the note that disputing the claim prevents it (BGH I ZR 157/13).",
    "last_warning": '"Last warning" phrasing pressures the reader; say what happens next, plainly, in the '
    "final notice only.",
    "criminal": "Threatens criminal steps (a criminal complaint, the police, fraud). Never acceptable in a "
    "reminder; in Germany it can be coercion (§ 240 StGB).",
    "all_caps": "A word in capital letters reads as shouting.",
    "exclamation": "An exclamation mark reads as pressure or alarm.",
}

# Rules a final notice or handover may break; the others hold at every stage.
RELAXED_AT_FINAL = frozenset({"collection_agency", "court", "credit_bureau", "last_warning"})

_W = r"[\w-]*"  # the rest of a compound word ("Inkassobüro", "incassobureaus")

PATTERNS: dict[str, dict[str, list[str]]] = {
    "de": {
        "collection_agency": [rf"\binkasso(?!kosten){_W}", rf"\bgerichtsvollzieh{_W}", r"\bpfändung\w*", r"\bzwangsvollstreck\w*"],
        "court": [rf"\bgericht(?!svollzieh|et){_W}", r"\bmahnbescheid\w*", r"\bmahnverfahren\w*", r"\bklage\b", r"\bverklagen\b",
                  r"\brechtsanwalt\w*", r"\banwalt\w*", r"\brechtliche schritte\b", r"\bjuristische schritte\b"],
        "credit_bureau": [r"\bschufa\b", r"\bcreditreform\b", r"\bcrif\b", r"\bksv\s*1870\b", r"\bauskunftei\w*",
                          r"\bbonität\w*", r"\bkreditwürdigkeit\b"],
        "last_warning": [r"\bletzte mahnung\b", r"\bletzte warnung\b", r"\bletztmalig\w*", r"\bletzte aufforderung\b",
                         r"\bletzte chance\b", r"\bletzte gelegenheit\b"],
        "criminal": [r"\bstrafanzeige\w*", r"\banzeige erstatten\b", r"\bstrafrechtlich\w*", r"\bpolizei\b", r"(?-i:\bBetrug\w*)", r"\bbetrüg\w*",
                     r"\bstaatsanwalt\w*", r"\beingehungsbetrug\b", r"\bstrafbar\w*"],
    },
    "nl": {
        "collection_agency": [rf"\bincassobureau{_W}", r"\bincassopartner\w*", rf"\bdeurwaarder{_W}",
                              rf"\bgerechtsdeurwaarder{_W}", r"\bbeslag\w*"],
        "court": [r"\brechter\w*", r"\brechtbank\w*", r"\bdagvaard\w*", r"\bgerechtelijke?\b", r"\brechtszaak\w*",
                  r"\badvocaat\w*", r"\bjuridische stappen\b"],
        "credit_bureau": [r"\bbkr\b", r"\bkredietregistratie\w*", r"\bzwarte lijst\b", r"\bkredietwaardigheid\b"],
        "last_warning": [r"\blaatste waarschuwing\b", r"\blaatste aanmaning\b", r"\blaatste kans\b",
                         r"\blaatste sommatie\b", r"\buiterlijk laatste\b"],
        "criminal": [r"\baangifte\b", r"\bpolitie\b", r"\boplichting\w*", r"\bfraude\w*", r"\bstrafbaar\w*", r"\bjustitie\b"],
    },
    "en": {
        "collection_agency": [r"\bcollection agenc\w*", r"\bdebt collect\w*", r"\bcollections? partner\w*",
                              r"\bcollectors?\b", r"\bbailiffs?\b", r"\bseiz\w*", r"\brepossess\w*"],
        "court": [r"\bcourts?\b", r"\blegal action\b", r"\blegal proceedings\b", r"\bsue\b", r"\bsued\b", r"\blawsuit\w*",
                  r"\blawyers?\b", r"\bsolicitors?\b", r"\battorneys?\b", r"\blegal steps\b", r"\bjudgment\b"],
        "credit_bureau": [r"\bcredit bureau\w*", r"\bcredit reference agenc\w*", r"\bcredit rating\b", r"\bcredit score\b",
                          r"\bcredit file\b", r"\bcredit record\b", r"\bschufa\b", r"\bbkr\b", r"\bexperian\b", r"\bequifax\b"],
        "last_warning": [r"\blast warning\b", r"\bfinal warning\b", r"\blast chance\b", r"\blast reminder\b"],
        "criminal": [r"\bcriminal\b", r"\bpolice\b", r"\bfraud\w*", r"\bprosecut\w*"],
    },
    "fr": {
        "collection_agency": [r"\b(?:agence|société|bureau|cabinet) de recouvrement\b", r"\bhuissiers?\b",
                              r"\bsaisies?\b", r"\brecouvrement (?:judiciaire|forcé)\b"],
        "court": [r"\btribunal\w*", r"\bjustice\b", r"\bjuge\b", r"\bpoursuites?\b", r"\bjudiciaire\w*", r"\bavocats?\b",
                  r"\bprocès\b", r"\bcitation à comparaître\b", r"\binjonction de payer\b", r"\bmesures juridiques\b"],
        "credit_bureau": [r"\bfichiers? (?:central|national|des incidents|positif|négatif)\w*", r"\bficp\b", r"\bcentrale des crédits\b", r"\bbanque de france\b", r"\bfichage\b",
                          r"\bsolvabilité\b"],
        "last_warning": [r"\bdernier avertissement\b", r"\bdernière chance\b", r"\bdernier rappel\b",
                         r"\bultime rappel\b", r"\bdernière relance\b"],
        "criminal": [r"\bplainte\b", r"\bpénale?s?\b", r"\bpolice\b", r"\bescroquerie\w*", r"\bfraude\w*", r"\bparquet\b"],
    },
}  # fmt: skip

_COMPILED = {
    language: {rule: re.compile("|".join(pats), re.IGNORECASE) for rule, pats in rules.items()}
    for language, rules in PATTERNS.items()
}


def _any_pattern(patterns: list[str]) -> str:
    r"""One pattern that matches where any of ``patterns`` does, faster to search: those that
    start with ``\b`` and a word are merged letter by letter (as in a trie), so at each word
    start the engine follows one branch instead of trying every pattern."""
    tree: dict = {}
    other = []
    for pattern in patterns:
        if not pattern.startswith(r"\b"):
            other.append(pattern)
            continue
        rest = pattern[2:]
        stem = re.match(r"[^\W\d_ ]*", rest).group(0)
        if rest[len(stem) : len(stem) + 1] in ("?", "*", "+", "{"):
            stem = stem[:-1]  # that letter is optional or repeated: it belongs to the rest
        node = tree
        for letter in stem:
            node = node.setdefault(letter, {})
        node.setdefault("", []).append(rest[len(stem) :])

    def branch(node: dict) -> str:
        alternatives = [re.escape(k) + branch(v) for k, v in node.items() if k]
        alternatives += [f"(?:{tail})" for tail in node.get("", [])]
        return "(?:" + "|".join(alternatives) + ")"

    return "|".join([r"\b" + branch(tree), *other])


# Any rule of any language: most sentences match none, and one search tells.
_ANY = re.compile(
    _any_pattern([p for rules in PATTERNS.values() for pats in rules.values() for p in pats]), re.IGNORECASE
)
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
_ROMAN = re.compile(r"[IVXLCDM]+")  # "Buch XIX", "Boek XIX"
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")


@dataclass(frozen=True, slots=True)
class Finding:
    sentence: str
    rule: str
    explanation: str

    def as_dict(self) -> dict[str, str]:
        return {"sentence": self.sentence, "rule": self.rule, "explanation": self.explanation}


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


def _loud_words(sentence: str) -> tuple[str, ...]:
    """The words of ``sentence`` in capitals that are no acronym, numeral or identifier: each
    one is shouting unless it came from data (see ``tone_check``'s ``ignore_words``)."""
    out = []
    for token in sentence.split():
        # Fewer than two capitals after the first letter: no word in it can be all capitals.
        if token[1:].islower():
            continue
        # Identifiers (RE-2026-001, RF18…, 4000BE) carry capitals without raising a voice.
        if any(c.isdigit() for c in token):
            continue
        for word in _WORD.findall(token):
            letters = [c for c in word if c.isalpha()]
            if len(letters) < 2 or not all(c.isupper() for c in letters):
                continue
            if word.upper().replace("-", "") in ACRONYMS or _ROMAN.fullmatch(word):
                continue
            out.append(word)
    return tuple(out)


@lru_cache(maxsize=16384)
def _sentence_check(
    sentence: str, language: str, relaxed: bool
) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """(rules hit, loud words, has "!") of one sentence; the rules in ``tone_check``'s order,
    without capitals and "!", which come after them, capitals depending on the message's data.

    Kept per sentence: the literal sentences of a template recur in every message, and a
    sentence is checked the same wherever it stands.
    """
    plain = (
        _URL.sub(" ", sentence) if "@" in sentence or "://" in sentence or "www." in sentence else sentence
    )
    rules_hit: list[str] = []
    if _ANY.search(plain):
        order = [language] + [lang for lang in PATTERNS if lang != language]
        for lang in order:
            for rule, pattern in _COMPILED.get(lang, {}).items():
                if rule in rules_hit or (relaxed and rule in RELAXED_AT_FINAL):
                    continue
                if pattern.search(plain):
                    rules_hit.append(rule)
    return tuple(rules_hit), _loud_words(plain), "!" in plain


def tone_check(
    *,
    text: str,
    language: str,
    stage_is_final: bool,
    stage_is_handover: bool,
    ignore_words: frozenset[str] = frozenset(),
) -> list[Finding]:
    """The findings in ``text`` (empty: the text may go out). One per sentence and rule.

    Words of every language are checked, not only ``language``'s: a German text quoting an
    English "last warning" is still a last warning. Text inside links and e-mail addresses
    is not checked (a URL may carry "!" or capitals).
    """
    relaxed = stage_is_final or stage_is_handover
    findings: list[Finding] = []
    for sentence in _sentences(text):
        rules, loud, exclaims = _sentence_check(sentence, language, relaxed)
        rules_hit = list(rules)
        if any(word not in ignore_words for word in loud):
            rules_hit.append("all_caps")
        if exclaims:
            rules_hit.append("exclamation")
        findings.extend(Finding(sentence=sentence, rule=r, explanation=EXPLANATIONS[r]) for r in rules_hit)
    return findings


def data_words(values: list[str]) -> frozenset[str]:
    """Words that came from data (names, numbers): exempt from the capitals rule."""
    return frozenset(word for value in values for word in _WORD.findall(value))
