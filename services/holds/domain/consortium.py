"""A consortium's configuration as the allocation rules see it: pure, standard library only.

Member libraries with their locations and opening hours, the cost of moving an item between
two of them, each collection's circulation policy, the hold-queue policy and the formats that
never travel by van. The adapter ``kulkuri.holds.adapters.consortium_config`` builds one from a
consortium's TOML file.

Transport costs are integers in metres of road-equivalent. Integers compare exactly, so equal
costs tie the same way every time; the unit reads naturally in a config file ("as far as
25 km of road"); and the routing service's solver (OR-Tools) works in integer metres too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum

from kulkuri.holds.domain.model import UnknownLibrary

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG); the haversine error against the ellipsoid is under 0.5 %."""

DEFAULT_CIRCUITY = 1.3
"""Road distance over great-circle distance. Road-network studies put this "circuity" or
"detour index" at roughly 1.2-1.4: Newell (1980) about 1.2 within cities; Ballou, Rahardja and
Sakai (2002, Transportation Research A) give national factors by country; Kim et al. (2015)
report 1.26 for South Korea and higher for the EU. 1.3 is a middle value, not measured on
Finnish roads, where lakes can lengthen a route; a consortium can change it in its config."""

Period = tuple[time, time]
"""One opening period of a day, (opens, closes), with opens < closes."""

CostEstimate = Callable[[str, str], int]
"""A default cost for an ordered pair of library ids, in metres of road-equivalent."""


@dataclass(frozen=True)
class Library:
    """A member library (outlet), identified by its kirjastot.fi directory id."""

    id: str
    name: str
    municipality: str
    lat: float
    lon: float


def _check_periods(periods: Iterable[Period], where: str) -> None:
    previous_close: time | None = None
    for opens, closes in periods:
        if opens >= closes:
            raise ValueError(f"{where}: period {opens}-{closes} closes before it opens")
        if previous_close is not None and opens < previous_close:
            raise ValueError(f"{where}: periods overlap or are out of order")
        previous_close = closes


@dataclass(frozen=True)
class OpeningHours:
    """A library's regular week plus dated exceptions; a day without periods is closed.

    ``week`` maps ``date.weekday()`` (0 = Monday) to that day's periods; a weekday left out
    is closed. ``exceptions`` replace the regular week on their date: an empty tuple means
    closed all day (a holiday), other periods mean different hours.
    """

    week: Mapping[int, tuple[Period, ...]]
    exceptions: Mapping[date, tuple[Period, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for weekday, periods in self.week.items():
            if weekday not in range(7):
                raise ValueError(f"weekday {weekday} is not 0 (Monday) to 6 (Sunday)")
            _check_periods(periods, f"weekday {weekday}")
        for day, periods in self.exceptions.items():
            _check_periods(periods, day.isoformat())

    def periods_on(self, day: date) -> tuple[Period, ...]:
        if day in self.exceptions:
            return self.exceptions[day]
        return self.week.get(day.weekday(), ())

    def is_open_on(self, day: date) -> bool:
        return bool(self.periods_on(day))


class CollectionPolicy(StrEnum):
    """Where a copy goes when it is returned at a library other than its owner."""

    FLOATING = "floating"  # it stays where it was returned: no van trip
    RETURN_TO_OWNER = "return_to_owner"  # it travels back to its owning library
    REBALANCE = "rebalance"  # it floats, and the rebalancer moves surpluses periodically


class QueueOrder(StrEnum):
    STRICT = "strict"  # holds are filled in the order they were placed
    LOCAL_FIRST = "local_first"  # like Koha's LocalHoldsPriority, within a window


@dataclass(frozen=True)
class QueuePolicy:
    """How a title's waiting holds are ordered when a copy becomes available.

    With ``LOCAL_FIRST`` a hold for pickup at the copy's own library goes ahead of holds
    elsewhere that were placed at most ``local_priority_days`` days before it, so a local
    copy need not travel while a local patron waits; older holds keep their turn.
    """

    order: QueueOrder = QueueOrder.STRICT
    local_priority_days: int = 0

    def __post_init__(self) -> None:
        if self.order is QueueOrder.STRICT and self.local_priority_days != 0:
            raise ValueError("local_priority_days must be 0 when holds are strictly in order")
        if self.order is QueueOrder.LOCAL_FIRST and self.local_priority_days < 1:
            raise ValueError("local_priority_days must be at least 1 for local-first holds")


@dataclass(frozen=True)
class RebalanceSettings:
    """For collections with the rebalance policy.

    ``window_days``: how many days of circulation show where demand is; ``min_gain``: the
    least improvement, in copies placed nearer demand, that is worth a van trip.
    """

    window_days: int = 28
    min_gain: int = 2

    def __post_init__(self) -> None:
        if self.window_days < 1 or self.min_gain < 1:
            raise ValueError("rebalance window_days and min_gain must be at least 1")


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance between two WGS84 points, in kilometres, on a spherical Earth."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class RoadEstimate:
    """The default cost: great-circle distance times a circuity factor, in whole metres."""

    locations: Mapping[str, tuple[float, float]]
    circuity: float = DEFAULT_CIRCUITY

    def __post_init__(self) -> None:
        if self.circuity < 1.0:
            raise ValueError(f"circuity {self.circuity} is below 1: no road beats a straight line")

    @classmethod
    def between(
        cls, libraries: Iterable[Library], circuity: float = DEFAULT_CIRCUITY
    ) -> RoadEstimate:
        return cls({lib.id: (lib.lat, lib.lon) for lib in libraries}, circuity)

    def __call__(self, source: str, destination: str) -> int:
        for library_id in (source, destination):
            if library_id not in self.locations:
                raise UnknownLibrary(library_id)
        km = great_circle_km(*self.locations[source], *self.locations[destination])
        return round(km * self.circuity * 1000)


@dataclass(frozen=True)
class TransportCosts:
    """Cost of moving one item from one library to another, per ordered pair (as in Koha).

    An override beats the road estimate for its pair only (the reverse direction keeps its
    own cost); an override of ``None`` disables the pair. A library costs 0 to itself.
    """

    default: CostEstimate
    overrides: Mapping[tuple[str, str], int | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for (source, destination), cost in self.overrides.items():
            if source == destination:
                raise ValueError(f"{source} -> {destination}: a library costs 0 to itself")
            if cost is not None and cost < 0:
                raise ValueError(f"{source} -> {destination}: cost {cost} is negative")

    def cost(self, source: str, destination: str) -> int | None:
        """Metres of road-equivalent, or None when items may not travel this way."""
        if source == destination:
            return 0
        if (source, destination) in self.overrides:
            return self.overrides[(source, destination)]
        return self.default(source, destination)


@dataclass(frozen=True)
class Consortium:
    """Member libraries and the rules the holds service applies between them."""

    name: str
    version: str
    libraries: Mapping[str, Library]
    opening_hours: Mapping[str, OpeningHours]
    costs: TransportCosts
    collection_policies: Mapping[str, CollectionPolicy]
    default_policy: CollectionPolicy
    queue_policy: QueuePolicy = field(default_factory=QueuePolicy)
    digital_formats: frozenset[str] = frozenset()
    rebalance: RebalanceSettings = field(default_factory=RebalanceSettings)
    _open_on: dict[date, frozenset[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for library_id, library in self.libraries.items():
            if library.id != library_id:
                raise ValueError(f"library {library.id!r} is filed under {library_id!r}")
        ids = set(self.libraries)
        if set(self.opening_hours) != ids:
            raise ValueError("opening hours must be given for exactly the member libraries")
        for pair in self.costs.overrides:
            for library_id in pair:
                if library_id not in ids:
                    raise UnknownLibrary(library_id)

    def library(self, library_id: str) -> Library:
        try:
            return self.libraries[library_id]
        except KeyError:
            raise UnknownLibrary(library_id) from None

    def is_member(self, library_id: str) -> bool:
        return library_id in self.libraries

    def policy_for(self, collection: str) -> CollectionPolicy:
        return self.collection_policies.get(collection, self.default_policy)

    def needs_transport(self, item_format: str) -> bool:
        """False for formats delivered digitally (e-books, Celia): they never take the van."""
        return item_format not in self.digital_formats

    def open_sources_on(self, day: date) -> frozenset[str]:
        """Ids of the libraries open on ``day``: only they can send a copy that day."""
        # Asked for every hold and return, of a handful of days: worked out once per day.
        known = self._open_on.get(day)
        if known is None:
            known = self._open_on[day] = frozenset(
                library_id
                for library_id, hours in self.opening_hours.items()
                if hours.is_open_on(day)
            )
        return known
