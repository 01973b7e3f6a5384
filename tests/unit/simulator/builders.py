"""Small networks and configurations for the simulator's unit tests."""

from __future__ import annotations

from datetime import date, time

from kulkuri.simulator import SimulationConfig
from kulkuri.simulator.core.config import HELSINKI
from kulkuri.simulator.core.network import Library, SimNetwork, Windows

WEDNESDAY = date(2026, 11, 25)
NINE_TO_EIGHT: Windows = ((9 * 3600, 20 * 3600),)


def toy_network(closed_on_sundays: bool = True) -> SimNetwork:
    """Four libraries in a row 10 km apart; the first is twice the size of the others."""
    libraries = [
        Library("L1", "Big", 61.0, 25.0, 200.0),
        Library("L2", "North", 61.09, 25.0, 100.0),
        Library("L3", "Far north", 61.18, 25.0, 100.0),
        Library("L4", "Farthest", 61.27, 25.0, 100.0),
    ]

    def hours(library: str, day: date) -> Windows:
        if closed_on_sundays and day.weekday() == 6:
            return ()
        return NINE_TO_EIGHT

    return SimNetwork("Toy", libraries, hours, HELSINKI)


def small_config(seed: int = 2026, **changes: object) -> SimulationConfig:
    """A quick Lastu run: a small collection, a day and its eve."""
    settings: dict[str, object] = {
        "network": "Lastu",
        "seed": seed,
        "run": "unit",
        "first_day": WEDNESDAY,
        "items": 3000,
        "eve_from": time(12, 0),
    }
    settings.update(changes)
    return SimulationConfig(**settings)  # type: ignore[arg-type]
