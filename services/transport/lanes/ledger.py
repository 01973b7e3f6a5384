"""The lane ledger: which transfers wait on which lane for which service day (pure rules).

A transfer waits for transport on the lane ``location -> next_stop`` exactly while a move says
so (``next_stop`` set); any later move without a next stop takes it off. Each transfer has one
:class:`Entry`, replaced by :func:`fold` as its moves arrive, and the day's demand is counted
from the entries (set membership, not increments), so a redelivered move changes nothing.

The day rule: a transfer that starts waiting on a lane at local time ``t`` belongs to service
day ``date(t)`` if ``t`` is before that day's cut-off, else to the next day. The demand of day
``d`` is every transfer still waiting whose service day is ``d`` or earlier; the earlier ones
are carried over. No faust, no pydantic: the stream app in ``app.py`` feeds this module.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Container, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

PACKED = "packed"


@dataclass(frozen=True)
class CutOff:
    """The local time of day after which waiting copies count for the next day's vans."""

    at: dt.time
    zone: ZoneInfo

    def instant(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.at, tzinfo=self.zone)

    def service_day(self, waiting_since: dt.datetime) -> dt.date:
        local = waiting_since.astimezone(self.zone)
        day = local.date()
        return day if local < self.instant(day) else day + dt.timedelta(days=1)

    def due_day(self, now: dt.datetime, published: Container[dt.date]) -> dt.date | None:
        """The day to publish at ``now``: today once its cut-off has passed, if not yet done."""
        today = now.astimezone(self.zone).date()
        if now >= self.instant(today) and today not in published:
            return today
        return None


class Lane(NamedTuple):
    from_library: str
    to_library: str


@dataclass(frozen=True)
class Move:
    """What the ledger needs of one ``transfer-moved`` event."""

    transfer_id: str
    status: str
    location: str | None
    next_stop: str | None
    crate_id: str | None
    moved_at: dt.datetime


@dataclass(frozen=True)
class Entry:
    """A transfer's latest known move: its lane and service day while it waits, else none."""

    moved_at: dt.datetime
    lane: Lane | None = None
    service_day: dt.date | None = None
    crate_id: str | None = None


def fold(entry: Entry | None, move: Move, cutoff: CutOff) -> Entry | None:
    """The transfer's entry after ``move``, or ``None`` when the move is older than the entry
    (a redelivery or a late duplicate: the stored state already contains it)."""
    if entry is not None and move.moved_at < entry.moved_at:
        return None
    if move.location is None or move.next_stop is None:
        return Entry(moved_at=move.moved_at)
    lane = Lane(move.location, move.next_stop)
    # Pulled then packed on the same lane keeps the day it started waiting; a new lane (a
    # retarget, or unloaded at a hub) starts a new wait.
    if entry is not None and entry.lane == lane and entry.service_day is not None:
        day = entry.service_day
    else:
        day = cutoff.service_day(move.moved_at)
    crate = move.crate_id if move.status == PACKED else None
    return Entry(moved_at=move.moved_at, lane=lane, service_day=day, crate_id=crate)


@dataclass(frozen=True)
class LaneCount:
    lane: Lane
    items: int
    crates: int
    carried_over: int


@dataclass(frozen=True)
class DayDemand:
    day: dt.date
    lanes: tuple[LaneCount, ...]

    @property
    def items(self) -> int:
        return sum(lane.items for lane in self.lanes)

    @property
    def crates(self) -> int:
        return sum(lane.crates for lane in self.lanes)


def demand(entries: Iterable[Entry], day: dt.date) -> DayDemand:
    """Every lane with something waiting for ``day``'s vans, sorted by lane."""
    items: dict[Lane, int] = defaultdict(int)
    carried: dict[Lane, int] = defaultdict(int)
    crates: dict[Lane, set[str]] = defaultdict(set)
    for entry in entries:
        if entry.lane is None or entry.service_day is None or entry.service_day > day:
            continue
        items[entry.lane] += 1
        if entry.service_day < day:
            carried[entry.lane] += 1
        if entry.crate_id is not None:
            crates[entry.lane].add(entry.crate_id)
    lanes = tuple(
        LaneCount(lane, items[lane], len(crates[lane]), carried[lane]) for lane in sorted(items)
    )
    return DayDemand(day, lanes)


# -- the entry as a JSON-able record (the table's changelog value) -------------------------


def to_record(entry: Entry) -> dict[str, Any]:
    record: dict[str, Any] = {"moved_at": entry.moved_at.isoformat()}
    if entry.lane is not None and entry.service_day is not None:
        record["lane"] = list(entry.lane)
        record["day"] = entry.service_day.isoformat()
        if entry.crate_id is not None:
            record["crate"] = entry.crate_id
    return record


def from_record(record: dict[str, Any]) -> Entry:
    lane = record.get("lane")
    return Entry(
        moved_at=dt.datetime.fromisoformat(record["moved_at"]),
        lane=Lane(lane[0], lane[1]) if lane else None,
        service_day=dt.date.fromisoformat(record["day"]) if "day" in record else None,
        crate_id=record.get("crate"),
    )
