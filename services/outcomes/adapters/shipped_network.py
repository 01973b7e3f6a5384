"""A shipped network (``services/routing/sample/<name>.toml``) for the comparison: its vans,
places and matrix for the routes, and its libraries and transport cost for allocation.

Service days are the routing file's van days (Monday to Friday), from ``first_day``. The
transport cost both policies call nearness is the holds domain's default road estimate:
great-circle distance times the circuity 1.3, in metres.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from kulkuri.holds.domain.consortium import Library, RoadEstimate
from kulkuri.outcomes.routes.day_routes import VanNetwork
from kulkuri.routing.adapters.great_circle import GreatCircleMatrix
from kulkuri.routing.adapters.network import build_places, load_routing_config, sample_path
from kulkuri.routing.domain.problem import Place


@dataclass(frozen=True)
class ShippedNetwork:
    name: str
    vans: VanNetwork
    libraries: dict[str, tuple[str, float, float]]  # id -> (name, lat, lon)
    cost: Callable[[str, str], int]
    service_days: Callable[[int], date]  # service day number -> its date

    def visited(self, library: str, day: int) -> bool:
        return self.vans.visits(library, self.service_days(day))


def load_shipped_network(name: str, first_day: date) -> ShippedNetwork:
    config = load_routing_config(sample_path(name))
    if config.hub is None:
        raise ValueError(f"{name}: the comparison models hub mode; the file has no hub")

    @cache
    def places_on(day: date) -> tuple[Place, ...]:
        return build_places(config, day)

    @cache
    def service_day(number: int) -> date:
        day, left = first_day, number
        while day.weekday() not in config.van_days or left > 0:
            if day.weekday() in config.van_days:
                left -= 1
            day += timedelta(days=1)
        return day

    some_day = places_on(service_day(0))
    matrix = GreatCircleMatrix().compute([(p.lat, p.lon) for p in some_day])
    libraries = {lib.id: (lib.name, lib.lat, lib.lon) for lib in config.libraries}
    road = RoadEstimate.between(
        Library(i, n, "", lat, lon) for i, (n, lat, lon) in libraries.items()
    )
    return ShippedNetwork(
        name=config.name,
        vans=VanNetwork(places_on, config.vans, matrix, config.hub),
        libraries=libraries,
        cost=road,
        service_days=service_day,
    )
