"""The demand both policies face: the collection at the start, and the holds placed and the
loans returned on each service day, in the order they happen."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StartingCopy:
    item_id: str
    bib_id: str
    owner: str
    on_loan: bool = False  # out with a patron when the run starts; else on the owner's shelf
    collection: str = "adult-fiction"
    format: str = "book"


@dataclass(frozen=True)
class HoldPlaced:
    hold_id: str
    bib_id: str
    pickup: str
    day: int  # service day, from 0
    second: int = 0  # seconds from the day's start: orders the day's events


@dataclass(frozen=True)
class LoanReturned:
    item_id: str
    bib_id: str
    library: str
    day: int
    second: int = 0


DemandEvent = HoldPlaced | LoanReturned


@dataclass(frozen=True)
class Demand:
    days: int
    copies: tuple[StartingCopy, ...]
    events: tuple[DemandEvent, ...]

    def __post_init__(self) -> None:
        keys = [(e.day, e.second) for e in self.events]
        if keys != sorted(keys):
            raise ValueError("demand events must be in time order")
        if any(not 0 <= e.day < self.days for e in self.events):
            raise ValueError("a demand event falls outside the run's days")

    def on_day(self, day: int) -> list[DemandEvent]:
        return [e for e in self.events if e.day == day]

    @property
    def holds(self) -> list[HoldPlaced]:
        return [e for e in self.events if isinstance(e, HoldPlaced)]
