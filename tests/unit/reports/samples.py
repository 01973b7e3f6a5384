"""A small network, its population and vans, and reports made of them, for the unit tests.

Three municipalities of Päijät-Häme with their real end-2024 populations; Lahti has two
libraries. Library ids are the real directory ids.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from kulkuri.reports.domain import (
    MemberLibrary,
    Network,
    PlannedDay,
    PopulationTable,
    VanDay,
    VanRates,
)

LAHTI_MAIN, LIIPOLA, HEINOLA, SYSMA = "85910", "85520", "85381", "85927"
OUTSIDE = "85132"  # Akaan pääkirjasto: not a member

NETWORK = Network(
    "Lastu",
    (
        MemberLibrary(LAHTI_MAIN, "Lahden pääkirjasto", "Lahti"),
        MemberLibrary(LIIPOLA, "Liipolan kirjasto", "Lahti"),
        MemberLibrary(HEINOLA, "Heinolan kirjasto", "Heinola"),
        MemberLibrary(SYSMA, "Sysmän kunnankirjasto", "Sysmä"),
    ),
)
POPULATION = PopulationTable("test table", {"Lahti": 121_337, "Heinola": 17_829, "Sysmä": 3_428})
RESIDENTS = 121_337 + 17_829 + 3_428
RATES = {
    "van-1": VanRates(fixed=Decimal(60), per_km=Decimal("0.5"), per_hour=Decimal(35)),
    "van-2": VanRates(fixed=Decimal(40), per_km=Decimal("0.4"), per_hour=Decimal(30)),
}


def van(
    van_id: str = "van-1",
    distance_m: int = 100_000,
    duration_s: int = 4 * 3600,
    places: tuple[str, ...] = (LAHTI_MAIN, HEINOLA),
) -> VanDay:
    stops = 2 + len(places) - 1 if places else 2
    return VanDay(van_id, distance_m, duration_s, stops, frozenset(places) | {LAHTI_MAIN})


def day(on: date, *vans: VanDay, version: int = 1) -> PlannedDay:
    return PlannedDay(on, version, vans)
