"""A stored plan as the ``route-plan-published`` event, and the codes printed from it.

Route codes name a van's route for the day (``R01``...) by the van's place in the fleet, so
a re-plan never renumbers the vans that keep driving; a stop code is the
route code and the stop's place in it (``R01-03``), so a crate label tells the driver where
the crate comes off. Times become local wall-clock times of the service day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from kulkuri.routing.domain.plan import RoutePlan
from kulkuri.routing.domain.problem import Shipment
from kulkuri.shared.events.routing import (
    DroppedLaneData,
    PlannedStopData,
    RoutePlanData,
    RoutePlanPublished,
    VanRouteData,
)

SOURCE = "urn:kulkuri:routing"


def route_code(position: int) -> str:
    return f"R{position:02d}"


def stop_code(route: str, position: int) -> str:
    return f"{route}-{position:02d}"


def plan_event(
    plan: RoutePlan,
    version: int,
    shipments: Mapping[str, Shipment],
    zone: ZoneInfo,
    planned_at: datetime,
) -> RoutePlanPublished:
    midnight = datetime.combine(plan.day, time(0), zone)

    def at(seconds: int) -> datetime:
        return midnight + timedelta(seconds=seconds)

    def crates(ids: tuple[str, ...]) -> int:
        return sum(shipments[i].crates for i in ids if i in shipments)

    routes = []
    for n, route in enumerate(plan.routes, start=1):
        if not route.used:
            continue
        code = route_code(n)  # by fleet order: a van keeps its code when others change
        stops = [
            PlannedStopData(
                library=stop.place_id,
                stop_code=stop_code(code, i),
                arrival=at(stop.arrival_s),
                departure=at(stop.departure_s),
                unload_crates=crates(stop.unload),
                load_crates=crates(stop.load),
                load_after=stop.load_after,
            )
            for i, stop in enumerate(route.stops)
        ]
        routes.append(
            VanRouteData(
                van_id=route.van_id,
                route_code=code,
                stops=stops,
                distance_m=route.distance_m,
                duration_s=route.duration_s,
            )
        )
    dropped = [
        DroppedLaneData(
            from_library=shipments[d.shipment_id].origin,
            to_library=shipments[d.shipment_id].destination,
            crates=shipments[d.shipment_id].crates,
            reason=d.reason,
        )
        for d in plan.dropped
        if d.shipment_id in shipments
    ]
    data = RoutePlanData(
        service_day=plan.day,
        version=version,
        mode=plan.mode.value,
        routes=routes,
        dropped=dropped,
        distance_m=plan.distance_m,
        duration_s=plan.duration_s,
        vans_used=plan.vans_used,
        planned_at=planned_at,
    )
    return RoutePlanPublished.create(
        id=f"route-plan:{plan.day.isoformat()}:{version}",
        source=SOURCE,
        time=planned_at,
        data=data,
    )
