"""``kulkuri routing``: run the routing service, or plan a day from a demand file."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from kulkuri.cli.routing_bench import routing_bench
from kulkuri.cli.stack import run_alone
from kulkuri.routing.adapters.plan_json import plan_to_json
from kulkuri.routing.bootstrap import build_service, day_planner, network_file
from kulkuri.routing.config import RoutingConfig
from kulkuri.routing.domain.demand import LaneCrates
from kulkuri.routing.service_layer.planning import DayPlanner, PlannedDay
from kulkuri.routing.solver import Progress as SolverProgress

routing_app = typer.Typer(help="The routing service.", no_args_is_help=True)
console = Console(stderr=True)
routing_app.command("bench")(routing_bench)


@routing_app.command("run")
def routing_run() -> None:
    """Run the routing service alone (one per container), on the configured broker and DB."""
    run_alone(RoutingConfig(), build_service)


@routing_app.command("plan")
def routing_plan(
    demand: Path = typer.Argument(..., exists=True, help="Lanes: CSV or JSON (see --help)."),
    day: str = typer.Option(..., "--date", help="The service day, YYYY-MM-DD."),
    network: str = typer.Option("Lastu", help="Network whose shipped routing file is used."),
    config_file: Path | None = typer.Option(None, help="The consortium's own routing TOML."),
    time_limit: float = typer.Option(10.0, help="Seconds the solver may search."),
    engine: str = typer.Option("ortools", help="ortools or pyvrp."),
    output: Path | None = typer.Option(None, help="Write the plan as JSON here."),
) -> None:
    """Plan a day from a demand file, without broker or database.

    The file lists lanes: CSV with the columns from_library, to_library, crates (and
    optionally items, priority_crates), or a JSON list of objects with the same keys."""
    config = RoutingConfig()
    config.routing.network = network
    config.routing.config_file = config_file
    config.routing.engine = engine
    try:
        service_day = date.fromisoformat(day)
        lanes = read_lanes(demand)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    planner = day_planner(config.routing, network_file(config.routing))
    planned = asyncio.run(_plan_with_progress(planner, service_day, lanes, time_limit))
    _print_plan(planned)
    if output is not None:
        output.write_text(json.dumps(plan_to_json(planned.plan), indent=2))
        console.print(f"plan written to {output}")


def read_lanes(path: Path) -> list[LaneCrates]:
    """Lanes from CSV or JSON; a bad row raises ``ValueError`` naming it."""
    text = path.read_text(encoding="utf-8")
    rows = json.loads(text) if path.suffix == ".json" else list(csv.DictReader(text.splitlines()))
    lanes = []
    for n, row in enumerate(rows, start=1):
        try:
            lanes.append(
                LaneCrates(
                    from_library=str(row["from_library"]),
                    to_library=str(row["to_library"]),
                    items=int(row.get("items") or 0),
                    crates=int(row.get("crates") or 0),
                    priority_crates=int(row.get("priority_crates") or 0),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: lane {n}: {exc!r}") from exc
    return lanes


async def _plan_with_progress(
    planner: DayPlanner, day: date, lanes: list[LaneCrates], time_limit: float
) -> PlannedDay:
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("searching", total=None)

        def report(p: SolverProgress) -> None:
            cost = p.objective / 100
            bar.update(task, description=f"solution {p.solutions}: cost {cost:,.2f}")

        return await planner.plan(day, lanes, progress=report, time_limit_s=time_limit)


def _print_plan(planned: PlannedDay) -> None:
    plan = planned.plan
    table = Table(title=f"{plan.day} ({plan.mode.value}): {plan.vans_used} vans")
    for column in ("van", "stops", "km", "hours"):
        table.add_column(column)
    for route in plan.routes:
        if route.used:
            table.add_row(
                route.van_id,
                str(len(route.stops) - 2),
                f"{route.distance_m / 1000:.1f}",
                f"{route.duration_s / 3600:.2f}",
            )
    console.print(table)
    console.print(
        f"total {plan.distance_m / 1000:.1f} km, {plan.duration_s / 3600:.2f} van-hours, "
        f"{len(plan.dropped)} shipments carried to the next day"
    )
    for dropped in plan.dropped:
        console.print(f"  dropped {dropped.shipment_id}: {dropped.reason}")
    for note in plan.notes:
        console.print(f"  {note}")
