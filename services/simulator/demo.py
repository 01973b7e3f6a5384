"""The demo of ``kulkuri up``: a simulated day of a network through the whole local stack."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from kulkuri.shared.auth import TokenAuthority
from kulkuri.shared.settings import KafkaSettings
from kulkuri.simulator.adapters.settling import SystemNames
from kulkuri.simulator.core.config import SimulationConfig
from kulkuri.simulator.runner import Progress, SystemConnection, run_simulation
from kulkuri.simulator.summary import SimulationSummary


async def run_simulated_day(
    bootstrap_servers: str,
    *,
    api_base: str,
    authority: TokenAuthority,
    network: str = "Lastu",
    speed: float = 1800.0,
    seed: int = 2026,
    run: str | None = None,
    kafka: KafkaSettings | None = None,
    names: SystemNames | None = None,
    progress: Progress | None = None,
) -> SimulationSummary:
    """One simulated service day (and its eve) of ``network`` on today's date, or the next
    weekday's: patrons' events to the broker, staff and drivers through the transport API at
    ``api_base``, with tokens from ``authority``. Returns when the day's vans have driven and
    the day is over; the day's plan is then on the coordinator page (``?day=``)."""
    config = SimulationConfig(
        network=network,
        speed=speed,
        seed=seed,
        run=run or datetime.now(UTC).strftime("%Y%m%d%H%M%S"),
    )
    async with httpx.AsyncClient(base_url=api_base, timeout=60.0) as client:
        system = SystemConnection(
            bootstrap_servers,
            client,
            authority,
            kafka=kafka or KafkaSettings(),
            names=names or SystemNames(),
        )
        return await run_simulation(config, system, progress=progress)
