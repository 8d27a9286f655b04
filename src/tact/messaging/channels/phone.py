"""Phone tasks: the call script an agent reads before and during a call.

The script is the rendered text of the stage's ``phone`` template: a first line naming whom
to call, a goal, talking points (lines starting with "- ") and the items. The outcome an
agent records is one of ``OUTCOMES``; recording it (and the holds and arrangements it
leads to) belongs to the outbox and arrangements steps of issue 5.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import TemplateInvalid
from ..rendering import Rendered

# Stable codes (never renamed); the form shows them translated.
OUTCOMES = ("reached", "not_reached", "promise", "dispute", "call_back", "hardship")


@dataclass(frozen=True, slots=True)
class CallScript:
    title: str
    notes: tuple[str, ...]  # lines that are not talking points (the goal, the items table)
    points: tuple[str, ...]
    text: str
    language: str
    template_version_id: int | None
    outcomes: tuple[str, ...] = OUTCOMES


def call_script(*, rendered: Rendered) -> CallScript:
    """Split a rendered phone template into title, notes and talking points."""
    if rendered.channel != "phone":
        raise TemplateInvalid(
            where=rendered.key, detail=f"a call script needs a phone template, not {rendered.channel}"
        )
    lines = [line.rstrip() for line in rendered.text.splitlines()]
    title = next((line for line in lines if line.strip()), "")
    points = tuple(line[2:].strip() for line in lines if line.startswith("- "))
    notes = tuple(line for line in lines[1:] if line.strip() and not line.startswith("- "))
    return CallScript(
        title=title,
        notes=notes,
        points=points,
        text=rendered.text,
        language=rendered.language,
        template_version_id=rendered.template_version_id,
    )
