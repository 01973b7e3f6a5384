"""When a van may stop at a library on a given day, from the shipped opening hours.

``kulkuri.shared.data`` ships four weeks of daily opening periods (2026-07-26 to 2026-08-22)
per library, each with a status. A van can deliver while the building is open:

- ``Open`` (staffed) and ``Self-service``: open; touching or overlapping periods merge into
  one window (07-10 self-service then 10-16 staffed is one window 07-16);
- ``Closed for the whole day``, and ``Temporarily closed`` (a break inside the day, listed
  between the open periods around it): no window;
- ``Unknown``: treated as closed. The directory has no hours, so nobody can say the door
  will open; a van sent there may find it locked, and a wasted stop costs more than a crate
  waiting a day, which the plan reports as dropped. (One library has no hours at all in the
  shipped weeks; fixing its directory entry fixes its planning.)

A day inside the data uses its own periods. A day outside uses the ``typical`` periods of
the same weekday: those most of the data's weeks have, the newest week breaking a tie. So a
one-off closure in the data (a holiday, a training day) is not repeated every fourth week.

The parsing and window rules are pure functions over text and values; ``shipped_hours()``
reads the package data once.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from importlib import resources

from kulkuri.routing.domain.problem import TimeWindow

HOURS_CSV = "opening_hours_2026-07-26_2026-08-22.csv"


class Status(StrEnum):
    OPEN = "Open"
    SELF_SERVICE = "Self-service"
    CLOSED = "Closed for the whole day"
    TEMPORARILY_CLOSED = "Temporarily closed"
    UNKNOWN = "Unknown"


DELIVERABLE = frozenset({Status.OPEN, Status.SELF_SERVICE})


@dataclass(frozen=True)
class Period:
    status: Status
    start_s: int = 0  # seconds from local midnight; 0-0 when the row has no times
    end_s: int = 0


def clock_seconds(text: str) -> int:
    """``"07:30"`` -> 27000; ``"24:00"`` is the end of the day."""
    hours, _, minutes = text.partition(":")
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ValueError(f"{text!r} is not a time of day")
    return h * 3600 + m * 60


def windows(periods: Iterable[Period]) -> tuple[TimeWindow, ...]:
    """The day's delivery windows: open periods, merged where they touch or overlap."""
    spans = sorted((p.start_s, p.end_s) for p in periods if p.status in DELIVERABLE)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple(TimeWindow(start, end) for start, end in merged if end > start)


def typical(days: Mapping[date, tuple[TimeWindow, ...]]) -> tuple[TimeWindow, ...]:
    """The windows most of ``days`` have; among equally common ones, the newest day's."""
    if not days:
        return ()
    counts = Counter(days.values())
    newest = {w: day for day, w in sorted(days.items())}
    return max(counts, key=lambda w: (counts[w], newest[w]))


def same_weekday(day: date, covered: Iterable[date]) -> list[date]:
    return sorted(d for d in covered if d.weekday() == day.weekday())


def parse_hours_csv(text: str) -> dict[str, dict[date, tuple[Period, ...]]]:
    """``library_id,date,from,to,status`` rows -> periods per library and date."""
    found: dict[str, dict[date, list[Period]]] = defaultdict(lambda: defaultdict(list))
    for line, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        try:
            status = Status(row["status"])
            start = clock_seconds(row["from"]) if row["from"] else 0
            end = clock_seconds(row["to"]) if row["to"] else 0
            day = date.fromisoformat(row["date"])
        except (KeyError, ValueError) as exc:
            raise ValueError(f"opening hours line {line}: {exc}") from None
        found[row["library_id"]][day].append(Period(status, start, end))
    return {lib: {d: tuple(ps) for d, ps in days.items()} for lib, days in found.items()}


class OpeningHours:
    """Delivery windows per library and date, from periods as ``parse_hours_csv`` gives."""

    def __init__(self, periods: Mapping[str, Mapping[date, tuple[Period, ...]]]) -> None:
        self._windows = {
            lib: {day: windows(ps) for day, ps in days.items()} for lib, days in periods.items()
        }

    def __contains__(self, library_id: object) -> bool:
        return library_id in self._windows

    def windows(self, library_id: str, day: date) -> tuple[TimeWindow, ...]:
        """The library's windows that day; none for a library without data."""
        days = self._windows.get(library_id, {})
        if day in days:
            return days[day]
        return typical({d: days[d] for d in same_weekday(day, days)})


@cache
def shipped_hours() -> OpeningHours:
    """The four shipped weeks of all 720 outlets (read once per process)."""
    text = resources.files("kulkuri.shared.data").joinpath(HOURS_CSV).read_text("utf-8")
    return OpeningHours(parse_hours_csv(text))
