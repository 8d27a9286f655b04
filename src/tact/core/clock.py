"""Today and now. Decision code receives these as arguments; only entry points call here."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def today(tz_name: str | None = None) -> date:
    return now().astimezone(ZoneInfo(tz_name or settings.TIME_ZONE)).date()
