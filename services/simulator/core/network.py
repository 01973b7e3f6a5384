"""The simulated network: libraries with a size, their opening hours, where returns go.

Opening hours come in as a function (library, date) -> windows in seconds from local
midnight, so this module stays pure; ``adapters.network_data`` builds it from the shipped
directory and opening hours, the same hours the routing service plans vans by.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

Windows = tuple[tuple[int, int], ...]
"""Open periods of a day: (start, end) in seconds from local midnight, sorted."""

HoursOf = Callable[[str, date], Windows]

_SEARCH_DAYS = 14  # a library closed longer than this is treated as closed for the run
_NEAR_KM = 5.0  # the distance at which a library's pull on returns has halved (squared)


@dataclass(frozen=True)
class Library:
    id: str
    name: str
    lat: float
    lon: float
    weight: float  # its size: loans and copies are spread in proportion


class SimNetwork:
    def __init__(
        self, name: str, libraries: Sequence[Library], hours: HoursOf, zone: ZoneInfo
    ) -> None:
        if not libraries:
            raise ValueError("a network needs at least one library")
        self.name = name
        self.libraries = tuple(libraries)
        self.by_id = {library.id: library for library in self.libraries}
        self.zone = zone
        self._hours = lru_cache(maxsize=None)(hours)
        self._size_cum = list(itertools.accumulate(lib.weight for lib in self.libraries))
        self._nearby: dict[str, tuple[list[str], list[float]]] = {}

    @property
    def total_weight(self) -> float:
        return self._size_cum[-1]

    def share(self, library: str) -> float:
        return self.by_id[library].weight / self.total_weight

    def pick_by_size(self, rng: random.Random) -> str:
        at = rng.random() * self.total_weight
        return self.libraries[bisect.bisect_right(self._size_cum, at)].id

    def windows(self, library: str, day: date) -> Windows:
        return self._hours(library, day)

    def is_open_on(self, library: str, day: date) -> bool:
        return bool(self.windows(library, day))

    def open_at(self, library: str, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        second = local.hour * 3600 + local.minute * 60 + local.second
        return any(start <= second < end for start, end in self.windows(library, local.date()))

    def next_open(self, library: str, at: datetime) -> datetime | None:
        """``at`` if the library is open then, else when it next opens (None: not soon)."""
        local = at.astimezone(self.zone)
        for offset in range(_SEARCH_DAYS):
            day = local.date() + timedelta(days=offset)
            for start, end in self.windows(library, day):
                opens = _at(day, start, self.zone)
                closes = _at(day, end, self.zone)
                if local < closes:
                    return max(local, opens)
        return None

    def random_open_time(
        self, library: str, day: date, rng: random.Random, after: datetime | None = None
    ) -> datetime | None:
        """A uniformly random instant of the day's open hours (after ``after``, if given)."""
        floor = 0 if after is None else _seconds_of(after.astimezone(self.zone), day)
        spans = [(max(s, floor), e) for s, e in self.windows(library, day) if e > floor]
        spans = [(s, e) for s, e in spans if e > s]
        total = sum(e - s for s, e in spans)
        if total <= 0:
            return None
        offset = rng.random() * total
        for start, end in spans:
            if offset < end - start:
                return _at(day, start + int(offset), self.zone)
            offset -= end - start
        return _at(day, spans[-1][1] - 1, self.zone)

    def return_library(self, borrowed_at: str, rng: random.Random, elsewhere: float) -> str:
        """Where a loan comes back: mostly where it was borrowed; otherwise another library,
        the larger and nearer the likelier (a gravity model: size / (1 + d/5 km)²)."""
        if len(self.libraries) == 1 or rng.random() >= elsewhere:
            return borrowed_at
        ids, cum = self._gravity(borrowed_at)
        return ids[bisect.bisect_right(cum, rng.random() * cum[-1])]

    def _gravity(self, origin: str) -> tuple[list[str], list[float]]:
        found = self._nearby.get(origin)
        if found is None:
            here = self.by_id[origin]
            others = [lib for lib in self.libraries if lib.id != origin]
            pull = [lib.weight / (1 + distance_km(here, lib) / _NEAR_KM) ** 2 for lib in others]
            found = ([lib.id for lib in others], list(itertools.accumulate(pull)))
            self._nearby[origin] = found
        return found


def distance_km(a: Library, b: Library) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + (
        math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _at(day: date, second: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone) + timedelta(seconds=second)


def _seconds_of(local: datetime, day: date) -> int:
    if local.date() < day:
        return 0
    if local.date() > day:
        return 24 * 3600
    return local.hour * 3600 + local.minute * 60 + local.second
