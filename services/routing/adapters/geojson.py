"""A plan as GeoJSON (RFC 7946) for maps: a LineString per van route, a Point per stop.

Coordinates are [longitude, latitude]. Lines join the stops straight: the plan knows the
order and times of stops, not the roads between them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kulkuri.routing.adapters.plan_events import route_code, stop_code
from kulkuri.routing.domain.plan import RoutePlan


def plan_geojson(plan: RoutePlan, places: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    """``places``: place id -> (lat, lon)."""
    features: list[dict[str, Any]] = []
    for n, route in enumerate(plan.routes, start=1):
        if not route.used:
            continue
        code = route_code(n)  # by fleet order: a van keeps its code when others change
        line = [[places[s.place_id][1], places[s.place_id][0]] for s in route.stops]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {
                    "kind": "route",
                    "van_id": route.van_id,
                    "route_code": code,
                    "distance_m": route.distance_m,
                    "duration_s": route.duration_s,
                },
            }
        )
        for i, stop in enumerate(route.stops):
            lat, lon = places[stop.place_id]
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": {
                        "kind": "stop",
                        "van_id": route.van_id,
                        "stop_code": stop_code(code, i),
                        "place_id": stop.place_id,
                        "arrival_s": stop.arrival_s,
                        "departure_s": stop.departure_s,
                        "unload": list(stop.unload),
                        "load": list(stop.load),
                        "load_after": stop.load_after,
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}
