"""The ``kulkuri`` console script."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console

from kulkuri.cli.demo import DemoPlan
from kulkuri.cli.lanes import lanes_app
from kulkuri.cli.local_parts import database_for
from kulkuri.cli.outcomes import outcomes_app
from kulkuri.cli.reliability import reliability_app
from kulkuri.cli.reports import reports_app
from kulkuri.cli.routing import routing_app
from kulkuri.cli.simulate import simulate
from kulkuri.cli.stack import run_alone
from kulkuri.cli.tokens import issue_token
from kulkuri.cli.transport import transport_app
from kulkuri.cli.up import run_local_stack
from kulkuri.holds.bootstrap import MIGRATIONS as HOLDS_MIGRATIONS
from kulkuri.holds.bootstrap import build_service as build_holds
from kulkuri.holds.config import HoldsConfig
from kulkuri.routing.bootstrap import MIGRATIONS as ROUTING_MIGRATIONS
from kulkuri.shared.db.migrations import upgrade
from kulkuri.shared.events import schemas as event_schemas
from kulkuri.shared.observability.logging import configure_logging
from kulkuri.transport.bootstrap import MIGRATIONS as TRANSPORT_MIGRATIONS

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
app.add_typer(routing_app, name="routing")
app.add_typer(reports_app, name="reports")
app.add_typer(reliability_app, name="reliability")
app.add_typer(outcomes_app, name="outcomes")
app.add_typer(schemas_app, name="schemas")
app.command()(simulate)
app.command("token")(issue_token)
console = Console(stderr=True)


@app.command()
def up(
    network: str = typer.Option("Lastu", help="Consortium whose day is simulated (Lastu, Helmet)."),
    port: int = typer.Option(8000, help="HTTP port for /metrics, /healthz, /readyz."),
    speed: float = typer.Option(1800.0, min=1.0, help="The simulated day's speed (x real time)."),
    seed: int = typer.Option(2026, help="The simulated day's seed."),
    run: str = typer.Option(
        "", help="Names the demo's titles, copies and holds (default: the start time)."
    ),
    exit_after_demo: bool = typer.Option(
        False, help="Stop once the simulated day is over (for scripted runs)."
    ),
) -> None:
    """Start everything on local defaults: broker, database, services, and a simulated day of
    a real library network; the coordinator page shows the day's plan."""
    config = HoldsConfig()
    config.http.port = port
    config.holds.consortium = network
    configure_logging(config.log)
    plan = DemoPlan(seed=seed, run=run or datetime.now(UTC).strftime("%Y%m%d%H%M%S"))
    asyncio.run(run_local_stack(config, plan, exit_after_demo, speed))


@holds_app.command("run")
def holds_run() -> None:
    """Run the holds service alone (one per container), on the configured broker and DB."""
    run_alone(HoldsConfig(), build_holds)


@app.command()
def migrate() -> None:
    """Bring every service's database schema to the newest version."""
    config = HoldsConfig()
    configure_logging(config.log)

    async def run() -> None:
        url = await database_for(config.database)
        await upgrade(HOLDS_MIGRATIONS, url)
        await upgrade(TRANSPORT_MIGRATIONS, url)
        await upgrade(ROUTING_MIGRATIONS, url)

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
