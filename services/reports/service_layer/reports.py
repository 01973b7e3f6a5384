"""Building the two reports: what to read for a period, then the domain's rules.

Inputs that can be checked without the database (the period, the population of every member
municipality) are checked first, so a bad request is refused before any query runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Protocol

from kulkuri.reports.domain import (
    AnnualStatistics,
    CostSharing,
    ItemCounts,
    Network,
    Period,
    PlannedDay,
    PopulationTable,
    VanRates,
    YearActivity,
    annual_statistics,
    fleet_cost,
    hold_history_notes,
    share_costs,
)


class ReportReader(Protocol):
    """What the services stored, read for a report (``adapters.report_queries``)."""

    async def planned_days(self, period: Period) -> list[PlannedDay]:
        """The latest plan of each day of ``period`` that has one."""
        ...

    async def items_moved(self, start: datetime, end: datetime) -> dict[str, ItemCounts]:
        """Per library id: copies sent (first loaded there) and received in ``[start, end)``."""
        ...

    async def holds_placed(self, start: datetime, end: datetime) -> dict[str, int]:
        """Per pickup library: holds placed in ``[start, end)``."""
        ...

    async def hold_seconds(self, start: datetime, end: datetime) -> dict[str, list[float]]:
        """Per pickup library: placement to filling, of each hold filled in ``[start, end)``."""
        ...


@dataclass(frozen=True)
class CostInputs:
    """What the consortium supplies for sharing costs: residents, and the vans' rates."""

    population: PopulationTable
    rates: Mapping[str, VanRates]  # per van id
    rates_source: str  # the routing file, for messages and the report's footer


async def cost_sharing_report(
    reader: ReportReader, network: Network, period: Period, inputs: CostInputs, zone: tzinfo
) -> CostSharing:
    inputs.population.of(network)
    days = await reader.planned_days(period)
    fleet = fleet_cost(
        days,
        inputs.rates,
        network.library_ids,
        rates_source=inputs.rates_source,
        network=network.name,
    )
    items = await reader.items_moved(*period.bounds(zone))
    return share_costs(
        network, period, fleet, inputs.population, items, rates_source=inputs.rates_source
    )


async def annual_report(
    reader: ReportReader,
    network: Network,
    year: int,
    zone: tzinfo,
    *,
    now: datetime,
    hold_retention: timedelta | None,
) -> AnnualStatistics:
    """``hold_retention``: how long the holds service keeps closed holds (None: forever)."""
    start, end = Period.year(year).bounds(zone)
    items = await reader.items_moved(start, end)
    activity = YearActivity(
        sent={library: counts.sent for library, counts in items.items()},
        received={library: counts.received for library, counts in items.items()},
        placed=await reader.holds_placed(start, end),
        hold_seconds=await reader.hold_seconds(start, end),
    )
    notes = hold_history_notes(start, now, hold_retention)
    return annual_statistics(network, year, activity, notes)
