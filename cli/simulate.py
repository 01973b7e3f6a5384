"""``kulkuri simulate``: simulated patrons, staff and vans of a network drive the running
system, or (``--dry-run``) the circulation events are written as JSON lines."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO

import httpx
import typer
from rich.console import Console

from kulkuri.holds.config import HoldsSettings
from kulkuri.shared.auth import authority_from
from kulkuri.shared.settings import AuthSettings, KafkaSettings
from kulkuri.simulator import (
    SimulationConfig,
    SimulationSummary,
    SystemConnection,
    SystemNames,
    dry_run_lines,
    run_simulation,
)
from kulkuri.simulator.core.config import HELSINKI
from kulkuri.transport.config import TransportSettings
from kulkuri.transport.lanes.settings import LaneSettings

console = Console(stderr=True)


def simulate(
    network: str = typer.Option("Lastu", help="Lastu (19 outlets), Helmet (70) or Finland (720)."),
    days: int = typer.Option(1, min=1, help="Service days; the eve of the first is simulated too."),
    speed: float = typer.Option(1800.0, min=1.0, help="Simulated seconds per wall second."),
    seed: int = typer.Option(2026, help="The same seed gives the same events."),
    run: str = typer.Option("", help="Names the run's ids (default: the start time)."),
    day: str = typer.Option("", help="First service day, YYYY-MM-DD (default: today or Monday)."),
    scale: float = typer.Option(0.0, min=0.0, max=1.0, help="Share of the network (0: default)."),
    items: int = typer.Option(0, min=0, help="Collection size instead of the scale's (0: off)."),
    dry_run: bool = typer.Option(False, help="Write the event stream; no broker, no services."),
    output: Path = typer.Option(Path("-"), help="Where --dry-run writes its JSON lines."),
    api: str = typer.Option("http://127.0.0.1:8000", help="The transport service's HTTP API."),
) -> None:
    """Simulate a network's circulation: patrons' events to the broker, the staff's and
    drivers' scans to the transport API, a day's cut-off and vans by its route plan. Needs
    KAFKA_BOOTSTRAP_SERVERS and the system's AUTH_TOKEN_SECRET (see docs/simulator.md)."""
    config = SimulationConfig(
        network=network,
        days=days,
        speed=speed,
        seed=seed,
        run=run or datetime.now(UTC).strftime("%Y%m%d%H%M%S"),
        first_day=date.fromisoformat(day) if day else None,
        scale=scale or None,
        items=items or None,
    )
    today = datetime.now(UTC).astimezone(HELSINKI).date()
    if dry_run:
        with _opened(output) as sink:
            count = 0
            for line in dry_run_lines(config, today):
                sink.write(line)
                count += 1
        console.print(f"[green]{count} circulation events (run {config.run}, seed {seed})[/]")
        return
    summary = asyncio.run(_live(config, api))
    for text in summary.lines():
        console.print(text, soft_wrap=True)
    console.print(f"the day's plan: {api}/coordinator?day={summary.first_day}")


async def _live(config: SimulationConfig, api: str) -> SimulationSummary:
    kafka = KafkaSettings()
    if not kafka.bootstrap_servers:
        raise typer.BadParameter("set KAFKA_BOOTSTRAP_SERVERS to the running system's broker")
    authority = authority_from(AuthSettings())
    if authority is None:
        raise typer.BadParameter("set AUTH_TOKEN_SECRET to the key the system's tokens use")
    names = SystemNames(
        holds_group=HoldsSettings().consumer_group,
        transport_group=TransportSettings().consumer_group,
        lanes_app_id=LaneSettings().app_id,
    )
    async with httpx.AsyncClient(base_url=api, timeout=60.0) as client:
        system = SystemConnection(kafka.bootstrap_servers, client, authority, kafka, names)
        return await run_simulation(config, system, progress=console.print)


@contextmanager
def _opened(path: Path) -> Iterator[IO[bytes]]:
    if str(path) == "-":
        yield sys.stdout.buffer
        sys.stdout.flush()
        return
    with path.open("wb") as sink:
        yield sink
