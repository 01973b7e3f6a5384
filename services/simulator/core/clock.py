"""Simulated time: faster than the wall clock during service hours, nights skipped.

A simulated day runs from ``day_starts`` (the lane cut-off, 06:00) to ``day_ends`` (22:00)
at ``speed`` simulated seconds per wall second; nothing the simulator models happens at
night, so the clock jumps from one day's end to the next day's start. The clock is anchored
at a pair (simulated instant, wall instant); ``reanchor`` moves the anchor after the runner
waited for the system (a route plan, say), so that simulated time does not rush to catch up.

Pure: the wall instants are numbers the caller passes in (``time.monotonic()``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ServiceHours:
    starts: time
    ends: time
    zone: ZoneInfo

    def span(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.starts, tzinfo=self.zone),
            datetime.combine(day, self.ends, tzinfo=self.zone),
        )

    def active_seconds(self, a: datetime, b: datetime) -> float:
        """Seconds between ``a`` and ``b`` that fall within service hours (0 if b <= a)."""
        if b <= a:
            return 0.0
        total = 0.0
        day = a.astimezone(self.zone).date()
        last = b.astimezone(self.zone).date()
        while day <= last:
            start, end = self.span(day)
            total += max(0.0, (min(end, b) - max(start, a)).total_seconds())
            day += timedelta(days=1)
        return total

    def advance(self, a: datetime, seconds: float) -> datetime:
        """The instant ``seconds`` of service hours after ``a``."""
        at = a
        left = seconds
        while True:
            day = at.astimezone(self.zone).date()
            start, end = self.span(day)
            if at < start:
                at = start
            if at >= end:
                at = self.span(day + timedelta(days=1))[0]
                continue
            room = (end - at).total_seconds()
            if left <= room:
                return at + timedelta(seconds=left)
            left -= room
            at = self.span(day + timedelta(days=1))[0]


class SimClock:
    def __init__(self, hours: ServiceHours, speed: float, at: datetime, wall: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.hours = hours
        self.speed = speed
        self._sim = at
        self._wall = wall

    def reanchor(self, at: datetime, wall: float) -> None:
        """Simulated ``at`` is now: time continues from there at ``speed``."""
        self._sim, self._wall = at, wall

    def wall_due(self, at: datetime) -> float:
        """The wall instant at which simulated ``at`` is due."""
        return self._wall + self.hours.active_seconds(self._sim, at) / self.speed

    def now(self, wall: float) -> datetime:
        """The simulated instant at wall instant ``wall``."""
        return self.hours.advance(self._sim, max(0.0, wall - self._wall) * self.speed)
