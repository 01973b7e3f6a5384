"""Routing events, version 1: the day's van routes as the routing service planned them.

The routing service publishes ``route-plan-published`` on ``kulkuri.routing.v1`` whenever it
plans or re-plans a day, keyed by the service day so a day's plans stay in order; the latest
``version`` of a day replaces the earlier ones. Drivers' sheets, crate labels (route and stop
codes) and the coordinators' page read it. Nothing here names a person: vans and libraries.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from kulkuri.shared.events.circulation import Identifier, LibraryId
from kulkuri.shared.events.envelope import CloudEvent, EventData


class PlannedStopData(EventData):
    library: LibraryId = Field(description="The library (or depot) stopped at.")
    stop_code: str = Field(description="'{route}-{n}': the n-th stop of the route, for labels.")
    arrival: AwareDatetime
    departure: AwareDatetime
    unload_crates: int = Field(ge=0, description="Crates taken off the van here.")
    load_crates: int = Field(ge=0, description="Crates put on the van here.")
    load_after: int = Field(ge=0, description="Crates on board when the van leaves.")


class VanRouteData(EventData):
    van_id: Identifier
    route_code: str = Field(description="Printed on crate labels and the driver's sheet.")
    stops: list[PlannedStopData] = Field(description="In driving order; first and last: depot.")
    distance_m: int = Field(ge=0)
    duration_s: int = Field(ge=0)


class DroppedLaneData(EventData):
    from_library: LibraryId
    to_library: LibraryId
    crates: int = Field(ge=1)
    reason: str = Field(description="no_capacity, closed, unreachable_in_time, not_served.")


class RoutePlanData(EventData):
    service_day: dt.date
    version: int = Field(ge=1, description="1 for the day's first plan; each re-plan adds 1.")
    mode: Literal["hub", "direct"]
    routes: list[VanRouteData] = Field(description="The vans used, each with its stops.")
    dropped: list[DroppedLaneData] = Field(description="Crates carried to the next day.")
    distance_m: int = Field(ge=0)
    duration_s: int = Field(ge=0)
    vans_used: int = Field(ge=0)
    planned_at: AwareDatetime


class RoutePlanPublished(CloudEvent):
    TYPE: ClassVar[str] = "kulkuri.routing.route-plan-published.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.routing.route-plan-published.v1"]
    data: RoutePlanData

    def partition_key(self) -> bytes:
        return self.data.service_day.isoformat().encode()


ROUTING_EVENTS: tuple[type[CloudEvent], ...] = (RoutePlanPublished,)
