"""The ``kulkuri`` console script."""

from __future__ import annotations

import asyncio
import secrets
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path

import typer
from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from rich.console import Console

from kulkuri.cli.demo import DemoPlan, produce_demo
from kulkuri.cli.lanes import lanes_app
from kulkuri.cli.local_parts import broker_for, database_for
from kulkuri.cli.stack import serve
from kulkuri.cli.transport import transport_app
from kulkuri.holds.bootstrap import MIGRATIONS as HOLDS_MIGRATIONS
from kulkuri.holds.bootstrap import build_runtime as build_holds
from kulkuri.holds.bootstrap import load_consortium
from kulkuri.holds.config import HoldsConfig
from kulkuri.holds.entrypoints.http import holds_router
from kulkuri.shared.auth import Role, authority_from
from kulkuri.shared.db.migrations import upgrade
from kulkuri.shared.events import schemas as event_schemas
from kulkuri.shared.libraries import load_outlets
from kulkuri.shared.observability.logging import configure_logging
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.transport.bootstrap import MIGRATIONS as TRANSPORT_MIGRATIONS
from kulkuri.transport.bootstrap import build_service as build_transport
from kulkuri.transport.config import TransportConfig
from kulkuri.transport.lanes.process import LaneWorkerProcess

app = typer.Typer(
    help="kulkuri: logistics for library consortia.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
holds_app = typer.Typer(help="The holds service.", no_args_is_help=True)
schemas_app = typer.Typer(help="JSON Schemas of the event contract.", no_args_is_help=True)
app.add_typer(holds_app, name="holds")
app.add_typer(transport_app, name="transport")
app.add_typer(lanes_app, name="lanes")
app.add_typer(schemas_app, name="schemas")
console = Console(stderr=True)


@app.command()
def up(
    network: str = typer.Option("Lastu", help="Consortium whose libraries the demo uses."),
    port: int = typer.Option(8000, help="HTTP port for /metrics, /healthz, /readyz."),
    titles: int = typer.Option(60, help="Demo catalogue size (titles)."),
    holds: int = typer.Option(80, help="Demo holds to place."),
    run: str = typer.Option(
        "", help="Names the demo's titles, copies and holds (default: the start time)."
    ),
    exit_after_demo: bool = typer.Option(
        False, help="Stop once every demo event is handled (for scripted runs)."
    ),
) -> None:
    """Start everything on local defaults: broker, database, services, a demo producer."""
    config = HoldsConfig()
    config.http.port = port
    config.holds.consortium = network
    configure_logging(config.log)
    plan = DemoPlan(
        titles=titles, holds=holds, run=run or datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    )
    asyncio.run(_up(config, plan, exit_after_demo))


async def _up(config: HoldsConfig, plan: DemoPlan, exit_after_demo: bool) -> None:
    async with AsyncExitStack() as stack:
        bootstrap = await broker_for(config.kafka, stack)
        database_url = await database_for(config.database)
        registry = CollectorRegistry()
        metrics = MessagingMetrics(registry)
        consortium = load_consortium(config.holds)
        runtime = build_holds(
            config,
            database_url=database_url,
            bootstrap_servers=bootstrap,
            metrics=metrics,
            consortium=consortium,
        )
        transport_config = _local_transport_config(config)
        # The lane-demand stream runs its own event loop (faust), so in a child process.
        lanes = LaneWorkerProcess(bootstrap)
        await asyncio.to_thread(lanes.start)
        stack.callback(lanes.stop)
        transport = build_transport(
            transport_config,
            database_url=database_url,
            bootstrap_servers=bootstrap,
            metrics=metrics,
        )
        libraries = load_outlets(config.holds.consortium)
        sent: list[int] = []

        async def demo() -> None:
            sent.append(await produce_demo(bootstrap, libraries, plan))
            console.print(f"[green]demo producer sent {sent[0]} circulation records[/]")

        async def all_handled() -> None:
            # Polling a metric is the simplest condition here; the caller bounds it.
            while not sent or _settled(metrics) < sent[0]:  # noqa: ASYNC110
                await asyncio.sleep(0.2)
            console.print(f"[green]all {sent[0]} demo records handled or dead-lettered[/]")

        base = f"http://{config.http.host}:{config.http.port}"
        console.print(
            f"kulkuri is up: broker {bootstrap}, metrics {base}/metrics, "
            f"health {base}/healthz, readiness {base}/readyz, API {base}/docs "
            "(Ctrl-C stops)"
        )
        _print_local_token(transport_config, base)
        await serve(
            [runtime, transport.runtime],
            registry,
            config.http,
            routers=[holds_router(lambda: runtime.pool, consortium), *transport.routers],
            jobs=[demo],
            until=(lambda: asyncio.wait_for(all_handled(), 120)) if exit_after_demo else None,
        )


def _local_transport_config(holds: HoldsConfig) -> TransportConfig:
    """The transport service beside the local holds service: same network and broker; a
    token secret made up for this run unless AUTH_TOKEN_SECRET is set."""
    config = TransportConfig(kafka=holds.kafka, database=holds.database, http=holds.http)
    config.transport.network = holds.holds.consortium
    if config.auth.token_secret is None:
        config.auth.token_secret = SecretStr(secrets.token_urlsafe(32))
    return config


def _print_local_token(config: TransportConfig, base: str) -> None:
    authority = authority_from(config.auth)
    assert authority is not None
    token = authority.issue(Role.COORDINATOR)
    console.print(
        f"transport lists: {base}/transport/lists/pull?format=html "
        f"(header 'Authorization: Bearer {token}')",
        soft_wrap=True,
    )


def _settled(metrics: MessagingMetrics) -> float:
    total = 0.0
    for family in (metrics.events_handled, metrics.events_dead_lettered):
        for metric in family.collect():
            total += sum(
                s.value
                for s in metric.samples
                if s.name.endswith("_total") and s.labels.get("service") == "holds"
            )
    return total


@holds_app.command("run")
def holds_run() -> None:
    """Run the holds service alone (one per container), on the configured broker and DB."""
    config = HoldsConfig()
    configure_logging(config.log)
    if not config.kafka.bootstrap_servers:
        raise typer.BadParameter("set KAFKA_BOOTSTRAP_SERVERS (or use 'kulkuri up' locally)")
    asyncio.run(_run_holds(config))


async def _run_holds(config: HoldsConfig) -> None:
    assert config.kafka.bootstrap_servers is not None
    registry = CollectorRegistry()
    consortium = load_consortium(config.holds)
    runtime = build_holds(
        config,
        database_url=await database_for(config.database),
        bootstrap_servers=config.kafka.bootstrap_servers,
        metrics=MessagingMetrics(registry),
        consortium=consortium,
    )
    routers = [holds_router(lambda: runtime.pool, consortium)]
    await serve([runtime], registry, config.http, routers=routers)


@app.command()
def migrate() -> None:
    """Bring every service's database schema to the newest version."""
    config = HoldsConfig()
    configure_logging(config.log)

    async def run() -> None:
        url = await database_for(config.database)
        await upgrade(HOLDS_MIGRATIONS, url)
        await upgrade(TRANSPORT_MIGRATIONS, url)

    asyncio.run(run())
    console.print("[green]migrations applied[/]")


@schemas_app.command("write")
def schemas_write(directory: Path = typer.Argument(Path("schemas"))) -> None:
    """Regenerate the JSON Schema files from the event models."""
    for path in event_schemas.write_schemas(directory):
        console.print(str(path))


@schemas_app.command("check")
def schemas_check(directory: Path = typer.Argument(Path("schemas"))) -> None:
    """Fail if the schema files differ from the models."""
    drifted = event_schemas.drifted(directory)
    if drifted:
        console.print(f"[red]schemas drifted from the models:[/] {', '.join(drifted)}")
        raise typer.Exit(1)
    console.print("[green]schemas match the models[/]")


def main() -> None:
    app()
