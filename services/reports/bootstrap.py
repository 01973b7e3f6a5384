"""The reports' composition root: the network, population table and vans' rates a request
needs, from the settings or the CLI's options, and readers on a database pool."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from kulkuri.reports.adapters.directory import network_of
from kulkuri.reports.adapters.fleet_rates import cost_inputs
from kulkuri.reports.adapters.population_file import load_population, shipped_population
from kulkuri.reports.adapters.report_queries import PostgresReportReader, ReportSchemas
from kulkuri.reports.config import ReportsSettings
from kulkuri.reports.domain import Network, PopulationTable
from kulkuri.reports.service_layer import CostInputs, ReportReader

ReaderProvider = Callable[[], AbstractAsyncContextManager[ReportReader]]


@dataclass(frozen=True)
class ReportSources:
    """Where a report's inputs come from; the CLI's options override the settings."""

    settings: ReportsSettings

    def network(self, name: str | None = None) -> Network:
        return network_of(name or self.settings.network)

    def population(self, path: Path | None = None) -> PopulationTable:
        chosen = path or self.settings.population_file
        return shipped_population() if chosen is None else load_population(chosen)

    def cost_inputs(
        self,
        network: Network,
        *,
        population_file: Path | None = None,
        routing_file: Path | None = None,
    ) -> CostInputs:
        population = self.population(population_file)
        population.of(network)  # refuse a table without every member before anything else
        return cost_inputs(
            network.name, population, routing_file or self.settings.routing_config_file
        )


def pool_readers(pool: Callable[[], asyncpg.Pool], schemas: ReportSchemas) -> ReaderProvider:
    """A reader on a connection of ``pool()`` for the length of one report."""

    @asynccontextmanager
    async def reader() -> AsyncIterator[ReportReader]:
        async with pool().acquire() as conn:
            yield PostgresReportReader(conn, schemas)

    return reader
