"""The new text of a reply: without the quoted message below it and without the signature.

Mail clients quote in a few recognisable ways, in every language we serve (de, nl, en, fr):
``>``-prefixed lines, an attribution line ("On … wrote:", "Am … schrieb …:", "Op … schreef …:",
"Le … a écrit :"), Outlook's separator ("-----Original Message-----", "-----Ursprüngliche
Nachricht-----", …) or its header block ("From: … Sent: …", "Von: … Gesendet: …", "Van: …
Verzonden: …", "De : … Envoyé : …"). A signature starts at "-- " (RFC 3676) or at a
"sent from my phone" line. Everything from the first such mark on is cut.
"""

from __future__ import annotations

import re

_ATTRIBUTION = re.compile(
    r"^\s*("
    r"on\b.{0,200}\bwrote:|"
    r"am\b.{0,200}\bschrieb\b.{0,200}:|"
    r".{0,200}\bschrieb\s*:|"
    r"op\b.{0,200}\bschreef\b.{0,200}:|"
    r".{0,200}\bschreef\s*:|"
    r"le\b.{0,200}\ba\s+[ée]crit\s*:|"
    r".{0,200}\ba\s+[ée]crit\s*:|"
    r".{0,200}\bwrote\s*:"
    r")\s*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"^\s*(-{2,}|_{5,})\s*("
    r"original message|forwarded message|ursprüngliche nachricht|weitergeleitete nachricht|"
    r"oorspronkelijk bericht|origineel bericht|doorgestuurd bericht|"
    r"message d'origine|message transféré|message d’origine|message original"
    r")?\s*-*\s*$",
    re.IGNORECASE,
)
# The first line of Outlook's quoted header block, followed within three lines by a date line.
_HEADER_FROM = re.compile(r"^\s*\*?(from|von|van|de)\s*\*?\s*:\s*\S", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\s*\*?(sent|date|gesendet|datum|verzonden|envoyé|date d'envoi|envoy[ée] le)\s*\*?\s*:\s*\S",
    re.IGNORECASE,
)
_MOBILE = re.compile(
    r"^\s*(sent from my|sent from outlook|get outlook for|von meinem .{0,40}gesendet|gesendet von meinem|"
    r"verzonden (vanaf|met) mijn|verstuurd vanaf mijn|envoy[ée] (de|depuis) mon)\b",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^(-- ?|--|__)\s*$")


def _is_header_block(lines: list[str], i: int) -> bool:
    if not _HEADER_FROM.match(lines[i]):
        return False
    return any(_HEADER_SENT.match(line) for line in lines[i + 1 : i + 4])


def _cut_at(lines: list[str]) -> int:
    """Index of the first line that starts the quote or the signature (len(lines) if none)."""
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(">"):
            # A quote block; an attribution line right above it belongs to it (handled there).
            return i
        if _SEPARATOR.match(line) and (stripped.strip("-_ ") or i > 0):
            return i
        if _SIGNATURE.match(line) or _MOBILE.match(line):
            return i
        if _ATTRIBUTION.match(line) or _is_header_block(lines, i):
            return i
        # Gmail wraps a long attribution line in two: "On Mon, 3 Mar 2026 at 10:12, Acme" / "<x@y> wrote:"
        if i + 1 < len(lines) and _ATTRIBUTION.match(f"{line} {lines[i + 1]}") and stripped:
            if re.match(r"^\s*(on|am|op|le)\b", line, re.IGNORECASE):
                return i
    return len(lines)


def reply_text(text: str) -> str:
    """The part of ``text`` the sender wrote now: above the first quote and the signature.

    >>> reply_text("Ich zahle am Freitag.\\n\\nAm 2. März 2026 schrieb Acme <x@y.de>:\\n> Sehr geehrte …")
    'Ich zahle am Freitag.'
    """
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out = _join(lines[: _cut_at(lines)])
    if not out:
        # Answered below the quote, or between its lines: keep what is not quoted.
        unquoted = [
            line for line in lines if not line.strip().startswith(">") and not _ATTRIBUTION.match(line)
        ]
        out = _join(unquoted[: _cut_at(unquoted)])
    return out


def _join(lines: list[str]) -> str:
    out = "\n".join(line.rstrip() for line in lines).strip()
    return re.sub(r"\n{3,}", "\n\n", out)
