"""The texts tact ships, one file per language (``de.txt``, ``nl.txt``, ``en.txt``, ``fr.txt``).

Each text starts with a header line ``=== <key> <tone> <channel> [<channel> …]``; e-mail and
letter share one text when the header names both (the blocks adapt to the channel). For
e-mail and letter a ``Subject:`` line follows; then a blank line and the body up to the
next header.

``shipped_sync`` makes the database hold exactly these texts as the current shipped
versions: a changed text becomes a new version, an unchanged one is left alone. Migration
0002 runs it; a later change of the files ships with a migration that runs it again (or
run ``tact messaging defaults sync``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULTS_DIR = Path(__file__).resolve().parent
LANGUAGES = ("de", "nl", "en", "fr")
CHANNELS = ("email", "letter", "sms", "phone")
TONES = ("friendly", "neutral", "firm")


@dataclass(frozen=True, slots=True)
class ShippedText:
    key: str
    language: str
    tone: str
    channel: str
    subject: str
    body: str
    line: int  # where the text starts in its file, for error messages


class DefaultsFileError(ValueError):
    pass


def _parse(language: str, text: str) -> list[ShippedText]:
    out: list[ShippedText] = []
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("=== ")]
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        head = lines[start][4:].split()
        where = f"{language}.txt line {start + 1}"
        if len(head) < 3:
            raise DefaultsFileError(f"{where}: header needs key, tone and channel(s)")
        key, tone, channels = head[0], head[1], head[2:]
        if tone not in TONES or any(c not in CHANNELS for c in channels):
            raise DefaultsFileError(f"{where}: unknown tone or channel in {lines[start]!r}")
        chunk = lines[start + 1 : end]
        subject = ""
        if chunk and chunk[0].startswith("Subject:"):
            subject = chunk[0][len("Subject:") :].strip()
            chunk = chunk[1:]
        body = "\n".join(chunk).strip()
        if not body:
            raise DefaultsFileError(f"{where}: empty body")
        if any(c in ("email", "letter") for c in channels) and not subject:
            raise DefaultsFileError(f"{where}: e-mail and letter texts need a Subject line")
        out.extend(ShippedText(key, language, tone, c, subject, body, start + 1) for c in channels)
    return out


def shipped_texts() -> list[ShippedText]:
    texts: list[ShippedText] = []
    seen: set[tuple[str, str, str, str]] = set()
    for language in LANGUAGES:
        for text in _parse(language, (DEFAULTS_DIR / f"{language}.txt").read_text(encoding="utf-8")):
            ident = (text.key, text.language, text.tone, text.channel)
            if ident in seen:
                raise DefaultsFileError(f"{language}.txt line {text.line}: {ident} is defined twice")
            seen.add(ident)
            texts.append(text)
    return texts


def shipped_sync(*, model: Any) -> dict[str, int]:
    """Write the shipped texts as current versions of ``model`` (the MessageTemplate model,
    or its historical version inside a migration). Returns counts; idempotent."""
    counts = {"created": 0, "updated": 0, "unchanged": 0, "retired": 0}
    current = {
        (row.key, row.language, row.tone, row.channel): row
        for row in model._base_manager.filter(creditor__isnull=True, is_current=True)
    }
    wanted = set()
    for text in shipped_texts():
        ident = (text.key, text.language, text.tone, text.channel)
        wanted.add(ident)
        row = current.get(ident)
        if row is not None and row.subject == text.subject and row.body == text.body:
            counts["unchanged"] += 1
            continue
        last = (
            model._base_manager.filter(
                creditor__isnull=True,
                key=text.key,
                language=text.language,
                tone=text.tone,
                channel=text.channel,
            )
            .order_by("-version")
            .first()
        )
        if row is not None:
            model._base_manager.filter(pk=row.pk).update(is_current=False)
        model._base_manager.create(
            creditor=None,
            key=text.key,
            language=text.language,
            tone=text.tone,
            channel=text.channel,
            subject=text.subject,
            body=text.body,
            version=(last.version + 1) if last else 1,
            is_current=True,
            note="shipped",
        )
        counts["updated" if row is not None else "created"] += 1
    # A text removed from the files stops being current; its versions stay for the record.
    for ident, row in current.items():
        if ident not in wanted:
            model._base_manager.filter(pk=row.pk).update(is_current=False)
            counts["retired"] += 1
    return counts
