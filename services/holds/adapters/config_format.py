"""Text conventions of the consortium config file, shared by its reader and its writer.

A day's opening hours are one string: ``"closed"``, or periods such as ``"08:00-19:00"`` or
``"10:00-12:00, 13:00-19:00"`` (24-hour clock, earliest first, not overlapping). One short
string a day keeps the file readable when a librarian edits it.
"""

from __future__ import annotations

import re
from datetime import time

from kulkuri.holds.domain.consortium import Period

FORMAT_VERSION = 1
"""The layout of the file; bumped only when old files would be read differently."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Keys of the regular week, in ``date.weekday()`` order."""

CLOSED = "closed"

_PERIOD = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")


def _clock(hours: str, minutes: str, text: str) -> time:
    try:
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(
            f"{hours}:{minutes} in {text!r} is not a time of day (00:00 to 23:59)"
        ) from None


def parse_day(text: str) -> tuple[Period, ...]:
    """``"10:00-12:00, 13:00-19:00"`` -> two periods; ``"closed"`` -> none."""
    if text.strip().lower() == CLOSED:
        return ()
    periods: list[Period] = []
    for part in text.split(","):
        match = _PERIOD.fullmatch(part.strip())
        if match is None:
            raise ValueError(f'{text!r} is not "closed" or periods like "10:00-19:00"')
        opens = _clock(match[1], match[2], text)
        closes = _clock(match[3], match[4], text)
        if opens >= closes:
            raise ValueError(f"{part.strip()!r} closes before it opens")
        if periods and opens < periods[-1][1]:
            raise ValueError(f"periods in {text!r} overlap or are not in order")
        periods.append((opens, closes))
    return tuple(periods)


def format_day(periods: tuple[Period, ...]) -> str:
    if not periods:
        return CLOSED
    return ", ".join(f"{opens:%H:%M}-{closes:%H:%M}" for opens, closes in periods)
