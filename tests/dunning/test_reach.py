"""The channel table: the stage's first channel the debtor can be reached on."""

from __future__ import annotations

from tact.dunning.plan import StageRule
from tact.dunning.reach import CHANNELS, PREFERRED, REACH_SPAN, channel_table

STAGE = StageRule(1, 1, 0, "reminder", 3, 0, ("preferred", "email", "letter"), ("letter",))


def chosen(*, preferred: str, email: bool, phone: bool, address: bool, consumer: bool = False) -> str | None:
    code = email + 2 * phone + 4 * address + 8 * consumer + 16 * (PREFERRED.index(preferred) + 1)
    index = channel_table((STAGE,))[code]
    return CHANNELS[index - 1] if index else None


def test_the_preferred_channel_comes_first_when_it_reaches_the_debtor():
    assert chosen(preferred="letter", email=True, phone=False, address=True) == "letter"


def test_an_unreachable_preference_falls_back_to_the_next_channel_that_reaches():
    # prefers e-mail, but has no (deliverable) address for it: the letter
    assert chosen(preferred="email", email=False, phone=False, address=True) == "letter"


def test_the_portal_as_preference_always_reaches():
    assert chosen(preferred="portal", email=False, phone=False, address=False) == "portal"


def test_consumers_get_the_stage_channels_for_consumers():
    assert chosen(preferred="email", email=True, phone=False, address=True, consumer=True) == "letter"


def test_a_debtor_no_channel_reaches_has_none():
    assert chosen(preferred="sms", email=False, phone=False, address=False) is None


def test_the_table_has_an_entry_per_stage_and_reach_code():
    assert len(channel_table((STAGE, STAGE))) == 2 * REACH_SPAN
