"""The agenda: timed actions in the order they happen (ties in the order they were added)."""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class DayBegins:
    """A service day's 06:00: patrons' visits and staff rounds of the day are drawn."""

    day: date
    patrons_from: datetime  # the eve starts later than 06:00 (``eve_from``)


@dataclass(frozen=True)
class CutOff:
    """The lane cut-off of ``day``: its demand is published and its vans planned."""

    day: date


@dataclass(frozen=True)
class WalkIn:
    library: str


@dataclass(frozen=True)
class HoldWanted:
    library: str  # the pickup library


@dataclass(frozen=True)
class LoanReturned:
    item_id: str


@dataclass(frozen=True)
class PatronCancels:
    hold_id: str


@dataclass(frozen=True)
class PatronCollects:
    hold_id: str


@dataclass(frozen=True)
class ShelfTimeOver:
    """A hold left on the hold shelf for the pickup window: the ILS expires it."""

    hold_id: str


@dataclass(frozen=True)
class PullRound:
    library: str


@dataclass(frozen=True)
class PackRound:
    library: str


@dataclass(frozen=True)
class VanAtStop:
    van_run: str
    stop: int  # its index in the route


@dataclass(frozen=True)
class Receive:
    library: str
    crate_ids: tuple[str, ...]


@dataclass(frozen=True)
class Finish:
    """The end of the run."""


Action = (
    DayBegins
    | CutOff
    | WalkIn
    | HoldWanted
    | LoanReturned
    | PatronCancels
    | PatronCollects
    | ShelfTimeOver
    | PullRound
    | PackRound
    | VanAtStop
    | Receive
    | Finish
)


class Agenda:
    def __init__(self) -> None:
        self._heap: list[tuple[datetime, int, Action]] = []
        self._order = itertools.count()

    def add(self, at: datetime, action: Action) -> None:
        heapq.heappush(self._heap, (at, next(self._order), action))

    def __len__(self) -> int:
        return len(self._heap)

    @property
    def next_at(self) -> datetime | None:
        return self._heap[0][0] if self._heap else None

    def pop(self) -> tuple[datetime, Action]:
        at, _, action = heapq.heappop(self._heap)
        return at, action
