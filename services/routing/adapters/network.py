"""The places a routing day is planned on: a network's libraries with that day's windows.

``build_places(config, day)`` gives one ``Place`` per library of the routing file's network,
in directory order (``index`` = position, so the travel matrix follows the same order):

- depots (where vans start) are flagged ``is_depot``; they and the hub are visited every
  day the vans run;
- a library is given its delivery windows (``opening_hours``: staffed or self-service
  hours, from the shipped weeks or the typical week) only on its visit days; on other days,
  and on days no vans run, it has no window: closed today for the plan.

``places_coordinates`` gives the (lat, lon) list a ``MatrixProvider`` takes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from kulkuri.routing.adapters.opening_hours import OpeningHours, shipped_hours
from kulkuri.routing.adapters.routing_config import (
    RoutingConfig,
    RoutingConfigError,
    load_routing_config,
    parse_routing_config,
    sample_path,
)
from kulkuri.routing.domain.problem import Place

__all__ = [
    "RoutingConfig",
    "RoutingConfigError",
    "build_places",
    "load_routing_config",
    "parse_routing_config",
    "places_coordinates",
    "sample_path",
]


def build_places(
    config: RoutingConfig, day: date, hours: OpeningHours | None = None
) -> tuple[Place, ...]:
    """The network's places on ``day``; ``hours`` defaults to the shipped opening hours."""
    hours = shipped_hours() if hours is None else hours
    depots = config.depots
    weekday = day.weekday()
    return tuple(
        Place(
            place_id=library.id,
            name=library.name,
            lat=library.lat,
            lon=library.lon,
            index=index,
            windows=hours.windows(library.id, day)
            if config.visited_on(library.id, weekday)
            else (),
            service_fixed_s=config.service_fixed_s,
            service_per_crate_s=config.service_per_crate_s,
            is_depot=library.id in depots,
        )
        for index, library in enumerate(config.libraries)
    )


def places_coordinates(places: Sequence[Place]) -> list[tuple[float, float]]:
    return [(place.lat, place.lon) for place in places]
