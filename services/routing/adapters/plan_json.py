"""Route plans as JSON (stored in ``routing.plans``, answered by the API) and back."""

from __future__ import annotations

from datetime import date
from typing import Any

from kulkuri.routing.domain.plan import (
    DroppedShipment,
    PlannedStop,
    RoutePlan,
    SolverStats,
    VanRoute,
)
from kulkuri.routing.domain.problem import Mode


def plan_to_json(plan: RoutePlan) -> dict[str, Any]:
    return {
        "day": plan.day.isoformat(),
        "mode": plan.mode.value,
        "routes": [
            {
                "van_id": route.van_id,
                "distance_m": route.distance_m,
                "duration_s": route.duration_s,
                "stops": [
                    {
                        "place_id": s.place_id,
                        "arrival_s": s.arrival_s,
                        "departure_s": s.departure_s,
                        "unload": list(s.unload),
                        "load": list(s.load),
                        "load_after": s.load_after,
                    }
                    for s in route.stops
                ],
            }
            for route in plan.routes
        ],
        "dropped": [{"shipment_id": d.shipment_id, "reason": d.reason} for d in plan.dropped],
        "stats": None
        if plan.stats is None
        else {
            "engine": plan.stats.engine,
            "strategy": plan.stats.strategy,
            "wall_s": plan.stats.wall_s,
            "objective": plan.stats.objective,
            "solutions": plan.stats.solutions,
        },
        "notes": list(plan.notes),
        "distance_m": plan.distance_m,
        "duration_s": plan.duration_s,
        "vans_used": plan.vans_used,
    }


def plan_from_json(raw: dict[str, Any]) -> RoutePlan:
    stats = raw.get("stats")
    return RoutePlan(
        day=date.fromisoformat(raw["day"]),
        mode=Mode(raw["mode"]),
        routes=tuple(
            VanRoute(
                van_id=r["van_id"],
                distance_m=r["distance_m"],
                duration_s=r["duration_s"],
                stops=tuple(
                    PlannedStop(
                        place_id=s["place_id"],
                        arrival_s=s["arrival_s"],
                        departure_s=s["departure_s"],
                        unload=tuple(s["unload"]),
                        load=tuple(s["load"]),
                        load_after=s["load_after"],
                    )
                    for s in r["stops"]
                ),
            )
            for r in raw["routes"]
        ),
        dropped=tuple(DroppedShipment(d["shipment_id"], d["reason"]) for d in raw["dropped"]),
        stats=None if stats is None else SolverStats(**stats),
        notes=tuple(raw.get("notes", ())),
    )
