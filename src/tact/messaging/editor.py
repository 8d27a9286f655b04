"""What the template editor needs: which texts exist, and what is wrong with a draft.

``template_catalog`` lists every template a creditor can edit (the shipped defaults and the
creditor's own versions, side by side). ``template_draft_check`` reads a draft the way the
renderer will and reports each problem with its place (subject or body, line) and the
variable it names, then renders the draft for a real debtor and runs the tone check — so
the editor can show a preview as the creditor types and say exactly why a save would be
refused. It never raises for a bad draft: a bad draft is the editor's normal input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.template import TemplateSyntaxError
from django.template.base import Lexer, TokenType
from django.template.context import Context
from django.template.loader import render_to_string
from django.utils.text import smart_split

from tact.dunning.models import Stage
from tact.ledger.models import Debtor, Invoice
from tact.ledger.selectors import open_items_of
from tact.tenancy.models import Creditor

from .channels.letter import letter_html
from .context import FINAL_KEYS, HANDOVER_KEYS, MessageContext, message_context
from .errors import AddressUnusable, TemplateInvalid
from .models import MessageChannel, MessageTemplate, Tone
from .rendering import BLOCKS, CONTEXT_DOC, Rendered, context_plain, context_words, render_source
from .samples import SAMPLE_NAMES, sample_context
from .sandbox import MISSING_PREFIX, SandboxEngine
from .tone import Finding, tone_check

LANGUAGE_CODES = ("de", "nl", "en", "fr")
SAMPLES = tuple((country, kind) for country in ("DE", "AT", "NL", "BE") for kind in ("business", "consumer"))
_MISSING = re.compile(re.escape(MISSING_PREFIX) + "([^\ue001]*)\ue001")
# Errors a creditor's text can raise inside the template engine: a filter given a bad
# argument (``divisibleby:0``, ``wordwrap:"x"``), a tag used wrongly at render time.
DRAFT_ERRORS = (TemplateSyntaxError, ValueError, TypeError, ArithmeticError, AttributeError, LookupError)

LETTER_SCREEN_CSS = "@media screen { html { zoom: .5; } body { width: 210mm; margin: 0; background: #fff; } }"

# The same sandbox as ``sandbox.TEXT_ENGINE``, with debug on: errors then carry the line
# they happened on. Used to diagnose drafts only; messages render with the fast engine.
DEBUG_ENGINE = SandboxEngine(
    dirs=[],
    app_dirs=False,
    loaders=[],
    libraries={},
    builtins=["tact.messaging.sandbox"],
    autoescape=False,
    string_if_invalid=MISSING_PREFIX + "%s\ue001",
    debug=True,
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a draft cannot be used. ``kind``: syntax, unknown_variable, render, required."""

    part: str  # "subject" or "body"
    kind: str
    message: str
    line: int | None = None
    name: str = ""  # the unknown variable, for kind unknown_variable


@dataclass(frozen=True)
class DraftCheck:
    problems: tuple[Problem, ...]
    findings: tuple[Finding, ...]  # the tone check's, on the sample debtors and the previewed one
    preview: Rendered | None  # the draft rendered for the chosen debtor, when it renders
    preview_error: str = ""  # why the chosen debtor's preview failed though the draft is sound
    context: MessageContext | None = None  # the facts the preview was rendered from

    @property
    def may_save(self) -> bool:
        return not self.problems and not self.findings


@dataclass(frozen=True)
class CatalogRow:
    key: str
    channel: str
    language: str
    tone: str
    shipped: MessageTemplate | None
    own: MessageTemplate | None  # the creditor's current version

    @property
    def current(self) -> MessageTemplate:
        return self.own or self.shipped  # type: ignore[return-value]


@dataclass(frozen=True)
class CatalogFilter:
    key: str = ""
    language: str = ""
    tone: str = ""
    channel: str = ""
    only_own: bool = False


@dataclass
class Catalog:
    rows: list[CatalogRow] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)


def template_catalog(*, creditor_id: int, flt: CatalogFilter) -> Catalog:
    """Every editable template: the current shipped text and the creditor's current own
    version per key, channel, language and tone. Two queries. Needs the creditor's scope."""
    wanted = {name: value for name in ("key", "language", "tone", "channel") if (value := getattr(flt, name))}
    rows: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    shipped = MessageTemplate.shipped.filter(is_current=True).only(
        "key", "channel", "language", "tone", "version", "subject", "created_at"
    )
    own = (
        MessageTemplate.objects.filter(creditor_id=creditor_id, is_current=True)
        .select_related("created_by")
        .only("key", "channel", "language", "tone", "version", "subject", "note", "created_at", "created_by__username",
              "created_by__first_name", "created_by__last_name")
    )  # fmt: skip
    keys: set[str] = set()
    for kind, qs in (("shipped", shipped), ("own", own)):
        for row in qs:
            keys.add(row.key)
            if any(getattr(row, name) != value for name, value in wanted.items()):
                continue
            rows.setdefault((row.key, row.channel, row.language, row.tone), {})[kind] = row
    out = [
        CatalogRow(
            key=k, channel=c, language=lang, tone=t, shipped=found.get("shipped"), own=found.get("own")
        )
        for (k, c, lang, t), found in rows.items()
        if found.get("own") or not flt.only_own
    ]
    channel_order = {c: i for i, c in enumerate(MessageChannel.values)}
    tone_order = {t: i for i, t in enumerate(Tone.values)}
    out.sort(key=lambda r: (r.key, channel_order.get(r.channel, 9), r.language, tone_order.get(r.tone, 9)))
    return Catalog(rows=out, keys=sorted(keys))


def template_known_keys(*, creditor_id: int) -> set[str]:
    """The keys a creditor may write a text for: the shipped ones, their own, and those their
    policies' stages name (a stage may use a key tact ships no text for)."""
    own = MessageTemplate.objects.filter(creditor_id=creditor_id).values_list("key", flat=True).distinct()
    shipped = MessageTemplate.shipped.values_list("key", flat=True).distinct()
    staged = Stage.objects.filter(creditor_id=creditor_id).values_list("template_key", flat=True).distinct()
    return set(own) | set(shipped) | {k for k in staged if k}


def context_documentation() -> list[tuple[str, str]]:
    """(variable, what it holds) for the editor's side panel, in the documented order."""
    return list(CONTEXT_DOC.items())


def preview_items(*, debtor: Debtor, today: date) -> list[Invoice]:
    """What a reminder to ``debtor`` would be about today: the overdue invoices, else
    (a pre-due reminder) every open item."""
    items = list(open_items_of(debtor=debtor))
    return [i for i in items if i.due_on < today and i.kind == "invoice"] or items


def preview_context(
    *, creditor: Creditor, debtor: Debtor, key: str, today: date, message_id: int | None = None
) -> MessageContext:
    """The facts a stage's message to ``debtor`` would be written from today (3 queries and the
    items); its links name ``message_id`` when the message exists already (a person's e-mail)."""
    items = preview_items(debtor=debtor, today=today)
    return message_context(
        creditor=creditor, debtor=debtor, items=items, action_facts={"stage": key}, today=today,
        message_id=message_id,
    )  # fmt: skip


def preview_debtors(*, limit: int = 200) -> list[tuple[int, str]]:
    """(id, "name (number)") of debtors with open items, for the editor's preview choice."""
    with_items = Invoice.objects.exclude(open_amount=0).values("debtor_id")
    rows = Debtor.objects.filter(pk__in=with_items).order_by("name", "pk").values_list("pk", "name", "number")
    return [(pk, f"{name} ({number})") for pk, name, number in rows[:limit]]


# --- checking a draft ---------------------------------------------------------------------


def _lines_naming(source: str, name: str) -> list[int]:
    """Lines of ``source`` whose ``{{ }}`` or ``{% %}`` tags use the variable ``name``."""
    pattern = re.compile(rf"(?<![\w.]){re.escape(name)}(?![\w])")
    lines = []
    for token in Lexer(source).tokenize():
        if token.token_type in (TokenType.VAR, TokenType.BLOCK) and pattern.search(token.contents):
            lines.append(token.lineno)
    return sorted(set(lines))


_LITERAL = re.compile(r"""^(?:".*"|'.*'|-?\d+(?:\.\d+)?)$""")
_OPERATORS = frozenset({"and", "or", "not", "in", "is", "==", "!=", "<", ">", "<=", ">=", "None", "True", "False",
                        "as", "by", "reversed", "silent", "only", "with"})  # fmt: skip
# Tags whose words are not variables (a format, a filter chain, a literal block).
_NO_VARIABLES = frozenset({"now", "templatetag", "filter", "comment", "verbatim", "spaceless", "load"})


def _bound_names(tokens: list[Any]) -> set[str]:
    """Names a ``for``, ``with``, ``regroup`` or ``cycle … as`` tag binds anywhere in the text."""
    names = {"forloop", "block"}
    for token in tokens:
        if token.token_type != TokenType.BLOCK:
            continue
        bits = list(smart_split(token.contents))
        if not bits:
            continue
        if bits[0] == "for" and "in" in bits:
            names.update(n.strip() for n in " ".join(bits[1 : bits.index("in")]).split(",") if n.strip())
        elif bits[0] == "with":
            names.update(b.split("=", 1)[0] for b in bits[1:] if "=" in b)
            if "as" in bits:
                names.add(bits[bits.index("as") + 1] if bits.index("as") + 1 < len(bits) else "")
        elif bits[0] in ("regroup", "cycle", "firstof", "widthratio") and "as" in bits:
            i = bits.index("as")
            names.update(bits[i + 1 : i + 2])
    return names


def _tag_unknowns(source: str, plain: dict[str, Any]) -> list[tuple[str, int]]:
    """Variables named inside tags (``{% if debtor.nmae %}``) that the context does not have.

    The renderer only reports unknown variables it prints; a tag treats one as empty and
    silently takes the other branch. Names bound by ``for`` and ``with`` are not checked.
    """
    tokens = Lexer(source).tokenize()
    bound = _bound_names(tokens)
    found: list[tuple[str, int]] = []
    for token in tokens:
        if token.token_type != TokenType.BLOCK:
            continue
        bits = list(smart_split(token.contents))
        if not bits or bits[0] in _NO_VARIABLES or bits[0].startswith("end"):
            continue
        words = bits[1:]
        if bits[0] == "for" and "in" in bits:
            words = bits[bits.index("in") + 1 :]
        elif bits[0] == "with":
            words = [b.split("=", 1)[1] if "=" in b else b for b in words]
        for word in words:
            path = word.split("|", 1)[0].split(":", 1)[0].strip("(),")
            if not path or path in _OPERATORS or _LITERAL.match(path) or "=" in path:
                continue
            root, _, rest = path.partition(".")
            if root in bound or not re.fullmatch(r"[A-Za-z_]\w*", root):
                continue
            if root not in plain and root not in BLOCKS:
                found.append((path, token.lineno))
            elif rest and isinstance(plain.get(root), dict) and plain[root]:
                first = rest.split(".", 1)[0]
                if first not in plain[root] and not first.isdigit():
                    found.append((f"{root}.{first}", token.lineno))
    return found


def _error_line(exc: BaseException) -> int | None:
    info = getattr(exc, "template_debug", None)
    return info.get("line") if isinstance(info, dict) else None


def _diagnose(part: str, source: str, plain_contexts: list[dict[str, Any]]) -> list[Problem]:
    try:
        template = DEBUG_ENGINE.from_string(source)
    except TemplateSyntaxError as exc:
        return [Problem(part=part, kind="syntax", message=str(exc), line=_error_line(exc))]
    missing: dict[str, None] = {}
    for data in plain_contexts:
        try:
            out = template.render(Context(data, autoescape=False))
        except DRAFT_ERRORS as exc:
            return [
                Problem(
                    part=part, kind="render", message=str(exc) or type(exc).__name__, line=_error_line(exc)
                )
            ]
        missing.update(dict.fromkeys(_MISSING.findall(out)))
    problems = []
    for name, line in _tag_unknowns(source, plain_contexts[0]):
        if name not in missing:
            problems.append(
                Problem(
                    part=part,
                    kind="unknown_variable",
                    name=name,
                    line=line,
                    message=f"unknown variable {name!r}",
                )
            )
    for name in missing:
        lines = _lines_naming(source, name) or [None]
        problems.extend(
            Problem(
                part=part, kind="unknown_variable", name=name, line=line, message=f"unknown variable {name!r}"
            )
            for line in lines
        )
    return problems


def _choices(*, language: str, tone: str, channel: str) -> None:
    for value, allowed, name in (
        (language, LANGUAGE_CODES, "language"),
        (tone, Tone.values, "tone"),
        (channel, MessageChannel.values, "channel"),
    ):
        if value not in allowed:
            raise TemplateInvalid(where=name, detail=f"{value!r} is not one of {', '.join(allowed)}")


def template_draft_check(
    *,
    key: str,
    language: str,
    tone: str,
    channel: str,
    subject: str,
    body: str,
    context: MessageContext | None,
    sample_country: str = "DE",
) -> DraftCheck:
    """Check a draft as ``template_save`` will, and render it for ``context`` (a real debtor).

    Problems name the part (subject, body), the line and the unknown variable. The draft
    is read against the sample debtors of every country and kind (as ``template_check``
    does) and against ``context``; a sound draft is then rendered for ``context`` and
    tone-checked on both. Without ``context`` the preview shows the sample debtor of
    ``sample_country``. Raises TemplateInvalid only for a language, tone or channel tact
    does not know (the editor's address, not the draft, is wrong then).
    """
    _choices(language=language, tone=tone, channel=channel)
    problems: list[Problem] = []
    if not body.strip():
        problems.append(Problem(part="body", kind="required", message="the text is empty"))
    if channel in (MessageChannel.EMAIL, MessageChannel.LETTER) and not subject.strip():
        problems.append(Problem(part="subject", kind="required", message=f"an {channel} needs a subject"))
    contexts = [sample_context(country=country, kind=kind, key=key) for country, kind in SAMPLES]
    if context is not None:
        contexts.append(context)
    plain = [context_plain(ctx, language=language, channel=channel, tone=tone) for ctx in contexts]
    marked = [{**p, **{name: f"[{name}]" for name in BLOCKS}} for p in plain]
    problems += _diagnose("subject", subject, plain)
    problems += _diagnose("body", body, marked)
    if problems:
        return DraftCheck(problems=tuple(problems), findings=(), preview=None)

    findings: dict[tuple[str, str], Finding] = {}
    preview, preview_error = None, ""
    if context is None:
        context = sample_context(country=sample_country if sample_country in SAMPLE_NAMES else "DE", key=key)
    try:
        out_subject, text, html = render_source(
            subject=subject, body=body, ctx=context, language=language, tone=tone, channel=channel
        )
    except TemplateInvalid as exc:  # e.g. a debtor without items for {{ first_item.number }}
        preview_error = exc.message
    else:
        for finding in tone_check(
            text=f"{out_subject}\n{text}",
            language=language,
            stage_is_final=context.stage["is_final"],
            stage_is_handover=context.stage["is_handover"],
            ignore_words=context_words(context),
        ):
            findings.setdefault((finding.sentence, finding.rule), finding)
        preview = Rendered(
            subject=out_subject, text=text, html=html, template_version_id=None, key=key,
            language=language, tone=tone, channel=channel, findings=tuple(findings.values()),
        )  # fmt: skip
    # The sample debtors cover the branches the chosen debtor does not take (a consumer's
    # sentence, another country's notice); only rules not already shown are added.
    shown = {f.rule for f in findings.values()}
    for ctx in contexts[: len(SAMPLES)]:
        out_subject, text, _html = render_source(
            subject=subject, body=body, ctx=ctx, language=language, tone=tone, channel=channel
        )
        for finding in tone_check(
            text=f"{out_subject}\n{text}",
            language=language,
            stage_is_final=key in FINAL_KEYS,
            stage_is_handover=key in HANDOVER_KEYS,
            ignore_words=context_words(ctx),
        ):
            if finding.rule not in shown:
                findings.setdefault((finding.sentence, finding.rule), finding)
    return DraftCheck(
        problems=(),
        findings=tuple(findings.values()),
        preview=preview,
        preview_error=preview_error,
        context=context,
    )


def preview_document(check: DraftCheck) -> str:
    """The previewed draft as the debtor would see it: the e-mail's HTML, or the letter in
    its DIN 5008 layout (the page WeasyPrint prints). Empty for SMS and phone texts."""
    preview, context = check.preview, check.context
    if preview is None or context is None or not preview.html:
        return ""
    if preview.channel == MessageChannel.LETTER:
        try:
            page = letter_html(rendered=preview, context=context)
        except AddressUnusable:
            pass  # no postal address: the e-mail frame still shows the words
        else:
            # An A4 page (210 mm) shown whole in the editor's narrow frame.
            return page.replace("</head>", f"<style>{LETTER_SCREEN_CSS}</style></head>", 1)
    return render_to_string(
        "messaging/email.html",
        {
            "body": preview.html,
            "subject": preview.subject,
            "language": preview.language,
            "creditor": context.creditor,
        },
    )


def template_version_get(*, creditor_id: int, version_id: int) -> MessageTemplate:
    """A version of the creditor's own texts or a shipped one; another creditor's is not found.

    Raises MessageTemplate.DoesNotExist.
    """
    row = MessageTemplate.objects.filter(creditor_id=creditor_id, pk=version_id).first()
    return row or MessageTemplate.shipped.get(pk=version_id)


def version_label(row: MessageTemplate) -> dict[str, Any]:
    """Who wrote a version and when, for the history list."""
    user = row.created_by
    who = (user.get_full_name() or user.get_username()) if user is not None else ""
    at: datetime = row.created_at
    return {
        "version": row.version,
        "who": who,
        "at": at,
        "note": row.note,
        "is_shipped": row.creditor_id is None,
    }
