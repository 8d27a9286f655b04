"""The creditor's colours, made safe to read: text on the brand colour and links on white
reach WCAG AA contrast (4.5:1) whatever the creditor chose."""

from __future__ import annotations

import re
from dataclasses import dataclass

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
INK = "#1d2330"
WHITE = "#ffffff"
AA = 4.5


def _luminance(color: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass(frozen=True)
class Brand:
    primary: str  # buttons and the header bar
    on_primary: str  # text on it
    link: str  # links and focus outlines on white
    accent: str  # soft backgrounds
    on_accent: str


def brand_for(*, primary: str, accent: str) -> Brand:
    primary = primary if COLOR.match(primary or "") else "#1f6f5c"
    accent = accent if COLOR.match(accent or "") else "#e8f3ef"
    on_primary = WHITE if contrast(primary, WHITE) >= contrast(primary, INK) else INK
    return Brand(
        primary=primary,
        on_primary=on_primary,
        link=primary if contrast(primary, WHITE) >= AA else INK,
        accent=accent,
        on_accent=INK if contrast(accent, INK) >= AA else WHITE,
    )
