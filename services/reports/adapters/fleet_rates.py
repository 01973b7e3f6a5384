"""The vans' rates, from the routing file the routing service plans with.

The routing file is the routing service's format, so it is read with that service's own
loader: the rates and their defaults are then exactly the ones the plans were made with.
This module is the reports' only use of routing code.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from kulkuri.reports.domain import PopulationTable, RoutingFileError, VanRates
from kulkuri.reports.service_layer import CostInputs
from kulkuri.routing.adapters.routing_config import (
    RoutingConfigError,
    load_routing_config,
    sample_path,
)


def fleet_rates(network: str, routing_file: Path | None) -> tuple[dict[str, VanRates], str]:
    """Each van's rates, and the file they come from: ``routing_file``, or the routing file
    shipped for ``network``."""
    try:
        path = routing_file or sample_path(network)
        config = load_routing_config(path)
    except RoutingConfigError as exc:
        raise RoutingFileError(str(exc)) from None
    except OSError as exc:
        raise RoutingFileError(f"{routing_file}: cannot read it ({exc.strerror})") from None
    rates = {
        van.van_id: VanRates(
            fixed=_money(van.fixed_cost),
            per_km=_money(van.cost_per_km),
            per_hour=_money(van.cost_per_hour),
        )
        for van in config.vans
    }
    return rates, str(
        path
    ) if routing_file else f"the routing file shipped for {network} ({path.name})"


def cost_inputs(network: str, population: PopulationTable, routing_file: Path | None) -> CostInputs:
    rates, source = fleet_rates(network, routing_file)
    return CostInputs(population=population, rates=rates, rates_source=source)


def _money(value: float) -> Decimal:
    # The file's decimal text (0.5, 35.0) back from the float TOML made of it.
    return Decimal(repr(value))
