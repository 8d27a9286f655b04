"""Matching money received to debtors and open items, with a confidence and the facts why.

The rules are tried in this order; the first that finds something decides (``RULES``):

1. ``reference`` — a structured reference (RF, Belgian OGM/VCS) names the debtor.
2. ``invoice_number`` — invoice numbers in the remittance text, tolerant of spaces,
   separators, prefixes (``RE``, ``Rechnung``, ``Factuur``, ``INV``) and leading zeros.
3. ``amount_iban`` / ``amount_name`` — the amount equals an open item (or the debtor's
   open total) of the debtor whose payer IBAN tact learned, or whose name is like the
   payer's name (rapidfuzz).
4. ``combination`` — a set of the known debtor's open items sums to the amount (at most
   ``COMBINATION_MAX_SIZE`` of its ``COMBINATION_MAX_ITEMS`` oldest items).
5. ``oldest`` — the known debtor pays part of (or more than) what is open: the money goes
   to the oldest items in the legal order, an excess stays as a credit.

Then ``paid_twice``, for the lines left unmatched or only to the oldest items: the text names
items of one debtor that are paid already, for their amount (``Matcher.paid_twice``; the paid
items are read for the batch's keys in one query).

Everything here works in memory on a ``Portfolio`` read once per batch: no query per line.
Lines of one batch that name the same item do not both get it: what a sure match takes is
claimed, and the next line sees the rest.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from rapidfuzz import fuzz

from . import conf
from .references import reference_parse, references_find
from .selectors import Item, PaidItem, Portfolio

ZERO = Decimal("0")
RULES = ("reference", "invoice_number", "amount_iban", "amount_name", "combination", "oldest")
# Tried after the others, for a line they left unmatched or only to the oldest items.
PAID_TWICE_AFTER = ("none", "oldest")
NAME_SCORE_MIN = 85
LEGAL_FORMS = {
    "gmbh", "mbh", "ag", "kg", "ohg", "ug", "ek", "eg", "ev", "co", "und", "haftungsbeschraenkt", "bv", "nv",
    "vof", "cv", "bvba", "bvbbvba", "sprl", "srl", "sa", "sas", "the", "ltd", "inc", "llc", "gesmbh", "og",
}  # fmt: skip
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})
_TOKENS = re.compile(r"[0-9A-Z]+")
_WINDOW = 4
_INITIALS = re.compile(r"\b(\w)\.(?=\w\.)")
_WORDS = re.compile(r"[a-z0-9]+")


def name_normal(name: str) -> str:
    """A name for comparing: ascii, lower case, without punctuation and legal forms.
    (An ascii name has no umlauts, nothing to decompose and no accents to drop.)"""
    text = name or ""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_UMLAUTS))
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = _INITIALS.sub(r"\1", text.lower())  # b.v. -> bv., e.k. -> ek.
    words = _WORDS.findall(text)
    return " ".join(w for w in words if w not in LEGAL_FORMS)


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGIT_GROUPS = re.compile(r"\d+")
_NOT_KEY = re.compile(r"[^0-9A-Z]+")


def number_key(value: str) -> str:
    """An invoice number reduced to what survives how payers write it: letters before the
    first digit dropped (RE, INV, Rechnung), separators and leading zeros removed.
    ``RE-2025-00042`` → ``202500042``; keys shorter than three characters are not used."""
    # Compiled patterns and lstrip: computed for every open item of a statement's import.
    compact = _NOT_KEY.sub("", (value or "").upper()).lstrip(_LETTERS).lstrip("0")
    return compact if len(compact) >= 3 and compact[0].isdigit() else ""


def loose_key(value: str) -> str:
    """The digit groups of a number without their leading zeros: ``RE-2025-00017`` and
    ``RE 2025/0017`` both give ``2025.17``. Only numbers of two or more groups get one
    (a single group is what ``number_key`` compares)."""
    groups = [g.lstrip("0") or "0" for g in _DIGIT_GROUPS.findall(value or "")]
    return ".".join(groups) if len(groups) >= 2 and sum(len(g) for g in groups) >= 4 else ""


def text_keys(text: str) -> list[str]:
    """Candidate invoice-number keys in a remittance text: each run of up to four
    consecutive words (so ``RE 2025 00042`` is read as one number), in order.

    The same keys as ``number_key`` and ``loose_key`` of each run give, computed from the
    words once rather than by regular expressions per run: 100,000 lines spent most of their
    matching here. Each word's digit groups are read once (a word of digits only or of
    letters only, the most common, without a regular expression), and a run's keys grow
    with it: its number key is the run without the letters before its first digit (the
    words are letters and digits only), its loose key the digit groups so far."""
    text = (text or "").upper()
    tokens = _TOKENS.findall(text if text.isascii() else text.translate(_UMLAUTS))
    if not tokens:
        return []
    dotted: list[str] = []  # a word's digit groups without leading zeros, joined by "."
    counts: list[int] = []  # how many digit groups
    sizes: list[int] = []  # their characters
    for token in tokens:
        if token.isdigit():
            group = token.lstrip("0") or "0"
            dotted.append(group)
            counts.append(1)
            sizes.append(len(group))
        elif token.isalpha():
            dotted.append("")
            counts.append(0)
            sizes.append(0)
        else:
            groups = [g.lstrip("0") or "0" for g in _DIGIT_GROUPS.findall(token)]
            dotted.append(".".join(groups))
            counts.append(len(groups))
            sizes.append(sum(map(len, groups)))
    if not any(counts):
        return []
    keys: dict[str, None] = {}
    count = len(tokens)
    for start in range(count):
        end = min(start + _WINDOW, count)
        # After a word without digits, the runs from here that are shorter than four words
        # give what the runs from that word gave: only the four-word run can add a key.
        new_from = start + _WINDOW - 1 if start and not counts[start - 1] else start
        if new_from >= end:
            continue
        stripped = ""  # the run from its first digit on
        loose = ""
        groups_in = size = 0
        loose_keys: list[str] = []
        for at in range(start, end):
            if stripped:
                stripped += tokens[at]
            elif counts[at]:
                stripped = tokens[at].lstrip(_LETTERS)
            if counts[at]:
                loose = f"{loose}.{dotted[at]}" if loose else dotted[at]
                groups_in += counts[at]
                size += sizes[at]
            if at < new_from:
                continue
            if stripped:
                key = stripped.lstrip("0")
                if len(key) >= 3 and key[0].isdigit():
                    keys.setdefault(key, None)
            if at > start and groups_in >= 2 and size >= 4:
                loose_keys.append(loose)
        for key in loose_keys:  # after the run's number keys, as before
            keys.setdefault(key, None)
    return list(keys)


def subset_summing(values: list[Decimal], target: Decimal, *, max_size: int) -> tuple[int, ...] | None:
    """Indexes of 2 to ``max_size`` (at most 4) of ``values`` that sum to ``target``: the
    smallest such set, the earliest items first. Pair sums are hashed, so the search is
    quadratic in the number of values, not of the order of their combinations."""
    pairs: dict[Decimal, list[tuple[int, int]]] = defaultdict(list)
    for a in range(len(values)):
        for b in range(a + 1, len(values)):
            pairs[values[a] + values[b]].append((a, b))
    if max_size >= 2 and pairs.get(target):
        return pairs[target][0]
    if max_size >= 3:
        for c in range(len(values)):
            for a, b in pairs.get(target - values[c], ()):
                if c not in (a, b):
                    return tuple(sorted((a, b, c)))
    if max_size >= 4:
        for a, b in (p for group in list(pairs.values()) for p in group):
            for c, d in pairs.get(target - values[a] - values[b], ()):
                if len({a, b, c, d}) == 4:
                    return tuple(sorted((a, b, c, d)))
    return None


class _Index:
    """Open items by a key that nearly always names one item (an invoice-number key, an
    amount), kept as ids: the first id of a key in one dict, the rare further ones in another.

    A list of items per key, 300,000 lists for 100,000 open items, made building the
    matcher twice as slow, most of it in the garbage collector's passes over them; a dict of
    keys and ids holds nothing it has to walk."""

    __slots__ = ("items", "first", "more")

    def __init__(self, items: dict[int, Item]) -> None:
        self.items = items
        self.first: dict = {}
        self.more: dict = {}

    def add(self, key, item_id: int) -> None:
        if self.first.setdefault(key, item_id) != item_id:
            self.more.setdefault(key, []).append(item_id)

    def get(self, key) -> tuple[Item, ...]:
        """The items of ``key``, in the order they were added."""
        found = self.first.get(key)
        if found is None:
            return ()
        more = self.more.get(key)
        if more:
            return tuple(self.items[i] for i in (found, *more))
        return (self.items[found],)


@dataclass(slots=True)
class Line:
    """What matching needs of a bank line."""

    id: int | None  # None for a line of an import, matched before it is stored
    amount: Decimal
    currency: str
    name: str
    iban: str
    remittance: str
    structured_reference: str
    keys: list[str] | None = None  # the invoice-number keys of the text, once read


@dataclass(slots=True)
class Match:
    rule: str  # one of RULES, or "none"
    confidence: int  # percent
    debtor_id: int | None = None
    named: list[int] = field(default_factory=list)  # item ids to apply first, in order
    facts: dict = field(default_factory=dict)


class Matcher:
    """Decides for each line of a batch, in memory, against one ``Portfolio``."""

    def __init__(self, portfolio: Portfolio, *, auto_confidence: int) -> None:
        self.portfolio = portfolio
        self.auto_confidence = auto_confidence
        # item id -> what is open of it after the sure matches of this batch took their part
        # (items no match took are not in it: their open amount is the portfolio's).
        self.left: dict[int, Decimal] = {}
        self.by_key = _Index(portfolio.items)
        self.by_amount = _Index(portfolio.items)
        for item in portfolio.items.values():
            key, loose = number_key(item.number), loose_key(item.number)
            if key:
                self.by_key.add(key, item.id)
            if loose and loose != key:
                self.by_key.add(loose, item.id)
            self.by_amount.add(item.open_amount, item.id)
        self._names: dict[str, list[int]] | None = None
        self._normal: dict[int, str] = {}
        self._payers: dict[str, str] = {}  # payer name -> name_normal (asked by up to three rules)
        # A debtor's open items (kept up to date by ``claim``) and their total (until a claim
        # changes it): the rules ask for them several times per line.
        self._open: dict[int, list[Item]] = {}
        self._total: dict[int, Decimal] = {}

    # -- helpers ---------------------------------------------------------------------------
    def open_of(self, item: Item) -> Decimal:
        return self.left.get(item.id, item.open_amount)

    def open_items(self, debtor_id: int) -> list[Item]:
        """The debtor's items with something open, oldest due first (do not change the list)."""
        found = self._open.get(debtor_id)
        if found is None:
            left = self.left
            found = [
                i for i in self.portfolio.by_debtor.get(debtor_id, ()) if left.get(i.id, i.open_amount) > 0
            ]
            self._open[debtor_id] = found
        return found

    def total(self, debtor_id: int) -> Decimal:
        found = self._total.get(debtor_id)
        if found is None:
            left = self.left
            found = self._total[debtor_id] = sum(
                [left.get(i.id, i.open_amount) for i in self.open_items(debtor_id)], ZERO
            )
        return found

    def payer_normal(self, name: str) -> str:
        found = self._payers.get(name)
        if found is None:
            found = self._payers[name] = name_normal(name)
        return found

    def debtor_label(self, debtor_id: int) -> str:
        number, name, _ = self.portfolio.debtors.get(debtor_id, ("?", "?", ""))
        return f"{name} ({number})"

    def debtor_normal(self, debtor_id: int) -> str:
        found = self._normal.get(debtor_id)
        if found is None:
            found = self._normal[debtor_id] = name_normal(self.portfolio.debtors[debtor_id][1])
        return found

    def names(self) -> dict[str, list[int]]:
        if self._names is None:
            found: dict[str, list[int]] = defaultdict(list)
            for pk in self.portfolio.debtors:
                normal = self.debtor_normal(pk)
                if normal:
                    found[normal].append(pk)
            self._names = dict(found)
        return self._names

    def claim(self, match: Match, amount: Decimal) -> None:
        """Take what a sure match will allocate off the items, so later lines see the rest.

        The debtor's list of open items loses the items paid in full rather than being read
        again; the total is summed again when asked (a difference kept instead could show
        another number of decimals than the sum)."""
        if match.debtor_id is None or match.confidence < self.auto_confidence:
            return
        left = amount
        items, opened = self.portfolio.items, self.left
        named = set(match.named)
        rest = [i for i in self.open_items(match.debtor_id) if i.id not in named]
        for item in [*(items[i] for i in match.named if i in items), *rest]:
            if left <= 0:
                break
            open_amount = opened.get(item.id, item.open_amount)
            part = min(open_amount, left)
            if part > 0:
                remaining = opened[item.id] = open_amount - part
                self._total.pop(item.debtor_id, None)
                cached = self._open.get(item.debtor_id)
                if cached is not None and not remaining > 0:
                    self._open[item.debtor_id] = [i for i in cached if i.id != item.id]
                left -= part

    # -- the rules -------------------------------------------------------------------------
    def match(self, line: Line) -> Match:
        if line.amount <= 0:
            return Match("none", 0, facts={"why": "not_money_received"})
        tried: list[str] = []
        for rule in (self._reference, self._invoice_numbers, self._amount_iban, self._amount_name,
                     self._combination, self._oldest):  # fmt: skip
            found = rule(line, tried)
            if found is not None:
                found.facts.setdefault("amount", str(line.amount))
                self.claim(found, line.amount)
                return found
        return Match("none", 0, facts={"why": "no_rule", "tried": tried})

    def _amount_facts(self, debtor_id: int, amount: Decimal) -> dict:
        total = self.total(debtor_id)
        facts = {"debtor": self.debtor_label(debtor_id), "open_total": str(total)}
        if amount > total:
            facts["credit"] = str(amount - total)
        return facts

    def _reference(self, line: Line, tried: list[str]) -> Match | None:
        refs = []
        given = reference_parse(line.structured_reference)
        if given is not None:
            refs.append(given)
        refs.extend(r for r in references_find(line.remittance) if r not in refs)
        for ref in refs:
            if ref.debtor_id is None or ref.debtor_id not in self.portfolio.debtors:
                tried.append(f"reference {ref.compact}: no such debtor")
                continue
            total = self.total(ref.debtor_id)
            if total <= 0:
                tried.append(f"reference {ref.compact}: nothing open")
                continue
            confidence = 99 if line.amount == total else 95 if line.amount < total else 90
            facts = {"reference": ref.compact, **self._amount_facts(ref.debtor_id, line.amount)}
            return Match("reference", confidence, ref.debtor_id, [], facts)
        return None

    def _invoice_numbers(self, line: Line, tried: list[str]) -> Match | None:
        found: dict[int, Item] = {}
        line.keys = text_keys(line.remittance)
        left, by_key = self.left, self.by_key
        for key in line.keys:
            for item in by_key.get(key):
                if left.get(item.id, item.open_amount) > 0:
                    found.setdefault(item.id, item)
        if not found:
            return None
        groups: dict[int, list[Item]] = defaultdict(list)
        for item in found.values():
            groups[item.debtor_id].append(item)
        # What is open of each debtor's named items, summed once (exact, so in any order).
        named_open = {
            d: sum([left.get(i.id, i.open_amount) for i in items], ZERO) for d, items in groups.items()
        }
        exact = [d for d, total in named_open.items() if total == line.amount]
        if len(exact) == 1:
            debtor_id, confidence = exact[0], 95
        elif len(groups) == 1:
            debtor_id = next(iter(groups))
            confidence = 80 if line.amount < named_open[debtor_id] else 75
        else:
            debtor_id = max(groups, key=lambda d: (len(groups[d]), -d))
            confidence = 50
        items = sorted(groups[debtor_id], key=lambda i: (i.due_on, i.id))
        facts = {
            "invoices": [i.number for i in items],
            "named_open": str(named_open[debtor_id]),
            **self._amount_facts(debtor_id, line.amount),
        }
        if len(groups) > 1:
            facts["other_debtors"] = [self.debtor_label(d) for d in groups if d != debtor_id]
        return Match("invoice_number", confidence, debtor_id, [i.id for i in items], facts)

    def _iban_debtor(self, line: Line) -> int | None:
        debtors = self.portfolio.payer_accounts.get(line.iban) if line.iban else None
        return next(iter(debtors)) if debtors and len(debtors) == 1 else None

    def _name_debtor(self, line: Line) -> int | None:
        found = self.names().get(self.payer_normal(line.name), []) if line.name else []
        return found[0] if len(found) == 1 else None

    def _amount_iban(self, line: Line, tried: list[str]) -> Match | None:
        debtor_id = self._iban_debtor(line)
        if debtor_id is None:
            return None
        same = [i for i in self.open_items(debtor_id) if self.open_of(i) == line.amount]
        facts = {"iban": line.iban, **self._amount_facts(debtor_id, line.amount)}
        if same:
            facts["invoices"] = [same[0].number]
            return Match("amount_iban", 90 if len(same) == 1 else 85, debtor_id, [same[0].id], facts)
        if self.total(debtor_id) == line.amount:
            return Match("amount_iban", 90, debtor_id, [], facts)
        return None

    def _amount_name(self, line: Line, tried: list[str]) -> Match | None:
        if not line.name:
            return None
        payer = self.payer_normal(line.name)
        if not payer:
            return None
        best: tuple[float, Item] | None = None
        for item in self.by_amount.get(line.amount):
            if self.open_of(item) != line.amount:
                continue
            score = fuzz.token_set_ratio(payer, self.debtor_normal(item.debtor_id))
            if score >= NAME_SCORE_MIN and (best is None or score > best[0]):
                best = (score, item)
        if best is None:
            return None
        score, item = best
        facts = {"payer": line.name, "score": round(score), "invoices": [item.number],
                 **self._amount_facts(item.debtor_id, line.amount)}  # fmt: skip
        return Match("amount_name", 80 if score >= 95 else 70, item.debtor_id, [item.id], facts)

    def _known_debtor(self, line: Line) -> tuple[int, str] | None:
        debtor_id = self._iban_debtor(line)
        if debtor_id is not None:
            return debtor_id, "iban"
        debtor_id = self._name_debtor(line)
        return (debtor_id, "name") if debtor_id is not None else None

    def _combination(self, line: Line, tried: list[str]) -> Match | None:
        known = self._known_debtor(line)
        if known is None:
            return None
        debtor_id, how = known
        items = self.open_items(debtor_id)[: conf.COMBINATION_MAX_ITEMS]
        combo = subset_summing(
            [self.open_of(i) for i in items], line.amount, max_size=conf.COMBINATION_MAX_SIZE
        )
        if combo is None:
            return None
        chosen = [items[k] for k in combo]
        facts = {
            "by": how,
            "invoices": [i.number for i in chosen],
            **self._amount_facts(debtor_id, line.amount),
        }
        return Match("combination", 85 if how == "iban" else 70, debtor_id, [i.id for i in chosen], facts)

    def paid_twice(self, line: Line, paid: dict[str, list[PaidItem]]) -> Match | None:
        """A line whose text names only items paid already, of one debtor, for their amount:
        most likely the same invoice paid a second time. Not booked by itself: the suggestion
        says so, and accepting it keeps the money as a credit on the debtor (to refund or to
        set against the next invoice)."""
        found: dict[int, PaidItem] = {}
        for key in line.keys or ():
            for item in paid.get(key, ()):
                found.setdefault(item.id, item)
        debtors = {i.debtor_id for i in found.values()}
        if len(debtors) != 1:
            return None
        items = sorted(found.values(), key=lambda i: (i.settled_on, i.id))
        same = [i for i in items if i.gross_amount == line.amount]
        if same:
            items = same[:1]
        elif sum((i.gross_amount for i in items), ZERO) != line.amount:
            return None
        (debtor_id,) = debtors
        facts = {"invoices": [i.number for i in items], "settled_on": [i.settled_on.isoformat() for i in items],
                 "debtor": self.debtor_label(debtor_id), "amount": str(line.amount), "credit": str(line.amount)}  # fmt: skip
        return Match("paid_twice", 85, debtor_id, [], facts)

    def _oldest(self, line: Line, tried: list[str]) -> Match | None:
        known = self._known_debtor(line)
        if known is None:
            return None
        debtor_id, how = known
        if self.total(debtor_id) <= 0:
            tried.append(f"debtor {self.debtor_label(debtor_id)}: nothing open")
            return None
        facts = {"by": how, **self._amount_facts(debtor_id, line.amount)}
        return Match("oldest", 60, debtor_id, [], facts)
