"""The simulated network built from the real data shipped with kulkuri: the library
directory (``kulkuri.shared.libraries``) and its four weeks of opening hours, read by the
same rules the routing service plans vans with (a date outside the four weeks takes the
typical hours of its weekday).

A library's size is its staffed hours plus a quarter of its self-service hours over the four
weeks (``Behaviour.self_service_weight``), at least ``min_weight_hours``: the directory has
no loans per outlet, and staffed hours follow a library's size closely enough (Lahden
pääkirjasto and Oodi are the largest in their networks by either measure).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from kulkuri.routing.adapters.opening_hours import (
    HOURS_CSV,
    Status,
    parse_hours_csv,
    shipped_hours,
)
from kulkuri.shared.libraries import load_outlets
from kulkuri.simulator.core.config import Behaviour, profile_for
from kulkuri.simulator.core.network import Library, SimNetwork, Windows


def load_network(network: str, behaviour: Behaviour, zone: ZoneInfo) -> SimNetwork:
    profile = profile_for(network)
    hours = _hours_by_status()
    libraries = []
    for outlet in load_outlets(profile.outlets):
        open_h = hours.get(outlet.id, {})
        staffed = open_h.get(Status.OPEN, 0.0)
        size = staffed + behaviour.self_service_weight * open_h.get(Status.SELF_SERVICE, 0.0)
        weight = max(behaviour.min_weight_hours, size)
        libraries.append(Library(outlet.id, outlet.name, outlet.lat, outlet.lon, weight))
    opening = shipped_hours()

    def windows(library: str, day: date) -> Windows:
        return tuple((w.start_s, w.end_s) for w in opening.windows(library, day))

    return SimNetwork(profile.name, libraries, windows, zone)


@cache
def _hours_by_status() -> dict[str, dict[Status, float]]:
    """Hours open per library over the shipped weeks, by status."""
    text = resources.files("kulkuri.shared.data").joinpath(HOURS_CSV).read_text("utf-8")
    totals: dict[str, dict[Status, float]] = {}
    for library, days in parse_hours_csv(text).items():
        hours: dict[Status, float] = defaultdict(float)
        for periods in days.values():
            for period in periods:
                hours[period.status] += (period.end_s - period.start_s) / 3600
        totals[library] = hours
    return totals
