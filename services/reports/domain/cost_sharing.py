"""The consortium's transport cost for a period, shared among its member municipalities.

Two splits side by side:

- by population (the Lastu rule): each municipality pays in proportion to its residents;
- by use: in proportion to the items its libraries sent and received in the period.

Both split the same total by the largest remainder rule (``shares.split_cents``), so each
column sums to the total to the cent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from kulkuri.reports.domain.fleet_cost import FleetCost, euros
from kulkuri.reports.domain.network import Network, PopulationTable
from kulkuri.reports.domain.period import Period
from kulkuri.reports.domain.shares import exact_shares, split_cents


@dataclass(frozen=True)
class ItemCounts:
    sent: int = 0
    received: int = 0

    @property
    def moved(self) -> int:
        return self.sent + self.received

    def __add__(self, other: ItemCounts) -> ItemCounts:
        return ItemCounts(self.sent + other.sent, self.received + other.received)


@dataclass(frozen=True)
class MunicipalityShare:
    municipality: str
    population: int
    population_share: Fraction  # of the network's residents
    by_population_cents: int
    items: ItemCounts
    items_share: Fraction | None  # None when no item moved in the period
    by_items_cents: int | None

    @property
    def by_population(self) -> Decimal:
        return euros(self.by_population_cents)

    @property
    def by_items(self) -> Decimal | None:
        return None if self.by_items_cents is None else euros(self.by_items_cents)


@dataclass(frozen=True)
class CostSharing:
    network: str
    period: Period
    fleet: FleetCost
    population_source: str
    rates_source: str
    rows: tuple[MunicipalityShare, ...]
    notes: tuple[str, ...]

    @property
    def total(self) -> Decimal:
        return self.fleet.euros

    @property
    def population(self) -> int:
        return sum(row.population for row in self.rows)

    @property
    def items(self) -> ItemCounts:
        return sum((row.items for row in self.rows), ItemCounts())


def share_costs(
    network: Network,
    period: Period,
    fleet: FleetCost,
    population: PopulationTable,
    library_items: Mapping[str, ItemCounts],
    *,
    rates_source: str,
) -> CostSharing:
    """``library_items``: items sent and received per library id; libraries outside the
    network are left out (they pay nothing and their items price nothing here)."""
    residents = population.of(network)
    items = dict.fromkeys(residents, ItemCounts())
    for library_id, municipality in network.municipality_of().items():
        items[municipality] += library_items.get(library_id, ItemCounts())
    by_population = split_cents(fleet.cents, residents)
    population_shares = exact_shares(1, residents)
    moved = {m: counts.moved for m, counts in items.items()}
    notes: list[str] = []
    if fleet.days_planned == 0:
        notes.append(
            f"No route plans are stored for {period}: the transport cost is 0.00 €. "
            "Plans are kept from the day the routing service started planning."
        )
    if sum(moved.values()) == 0:
        notes.append(f"No item was sent or received in {period}: there is no split by use.")
        by_items: dict[str, int] | None = None
        items_shares: dict[str, Fraction] | None = None
    else:
        by_items = split_cents(fleet.cents, moved)
        items_shares = exact_shares(1, moved)
    rows = tuple(
        MunicipalityShare(
            municipality=m,
            population=residents[m],
            population_share=population_shares[m],
            by_population_cents=by_population[m],
            items=items[m],
            items_share=None if items_shares is None else items_shares[m],
            by_items_cents=None if by_items is None else by_items[m],
        )
        for m in network.municipalities
    )
    return CostSharing(
        network=network.name,
        period=period,
        fleet=fleet,
        population_source=population.source,
        rates_source=rates_source,
        rows=rows,
        notes=tuple(notes),
    )
