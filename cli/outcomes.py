"""``kulkuri outcomes compare``: today's practice against kulkuri's policies on the same
simulated demand (docs/outcomes.md). Offline: no broker or database."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from kulkuri.outcomes.report import FORMATS
from kulkuri.outcomes.run import compare_network

outcomes_app = typer.Typer(help="Outcomes of the policies on simulated demand.")


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


@outcomes_app.command("compare")
def compare(
    network: str = typer.Option("Lastu", help="Lastu or Helmet (a shipped routing file)."),
    days: int = typer.Option(10, min=1, help="Service days (van days, Monday to Friday)."),
    seed: int = typer.Option(2026, help="Seeds the simulated demand."),
    scale: float | None = typer.Option(
        None, min=0.0001, max=1.0, help="Share simulated (default: the simulator's)."
    ),
    after_days: int = typer.Option(7, min=1, help="Holds unfilled after this many days."),
    time_limit: float = typer.Option(5.0, min=0.5, help="Routing solver seconds a day."),
    output_format: Format = typer.Option(Format.TABLE, "--format", help="table, json or csv."),
    output: Path | None = typer.Option(None, help="Write here instead of standard output."),
) -> None:
    """Run the Koha-like baseline and kulkuri over the same demand and compare them."""
    comparison = compare_network(
        network, days, seed, scale=scale, after_days=after_days, time_limit_s=time_limit
    )
    text = FORMATS[output_format.value](comparison)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
