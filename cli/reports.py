"""``kulkuri reports``: cost sharing among member municipalities, and annual statistics.

Both read the services' database (DATABASE_URL, or the local one) and print a table, CSV or
printable HTML; ``--output`` writes the CSV or HTML to a file instead. Inputs are checked
before the database is opened, and a report that cannot be made exits with status 2 and says
why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

import asyncpg
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kulkuri.cli.local_parts import database_for
from kulkuri.reports.adapters import formats, printing
from kulkuri.reports.adapters.report_queries import PostgresReportReader, ServiceTablesMissing
from kulkuri.reports.bootstrap import ReportSources
from kulkuri.reports.config import ReportsSettings
from kulkuri.reports.domain import AnnualStatistics, CostSharing, Period, ReportError
from kulkuri.reports.service_layer import ReportReader, annual_report, cost_sharing_report
from kulkuri.shared.settings import DatabaseSettings

reports_app = typer.Typer(
    help="Reports: transport cost sharing, annual statistics per library.",
    no_args_is_help=True,
)
errors = Console(stderr=True)
T = TypeVar("T")


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    HTML = "html"


@reports_app.command("cost-sharing")
def cost_sharing(
    first: datetime = typer.Option(..., "--from", formats=["%Y-%m-%d"], help="First day."),
    last: datetime = typer.Option(..., "--to", formats=["%Y-%m-%d"], help="Last day, included."),
    network: str | None = typer.Option(None, help="Lastu, Helmet (default: REPORTS_NETWORK)."),
    population: Path | None = typer.Option(
        None, help="The consortium's population table (CSV: municipality,population)."
    ),
    routing_config: Path | None = typer.Option(
        None, help="The routing TOML the plans were made with (default: the network's own)."
    ),
    fmt: Format = typer.Option(Format.TABLE, "--format", help="table, csv or html."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file."),
) -> None:
    """Share the period's van costs among the member municipalities.

    By population (the Lastu rule) and, side by side, by items sent and received.
    """
    settings = ReportsSettings()
    sources = ReportSources(settings)

    def prepare() -> Callable[[ReportReader], Awaitable[CostSharing]]:
        period = Period(first.date(), last.date())
        chosen = sources.network(network)
        inputs = sources.cost_inputs(
            chosen, population_file=population, routing_file=routing_config
        )
        return lambda reader: cost_sharing_report(reader, chosen, period, inputs, settings.zone)

    report = _run(settings, prepare)
    if fmt is Format.TABLE:
        _print(_cost_sharing_table(report), output)
    elif fmt is Format.CSV:
        _write(formats.cost_sharing_csv(report), output)
    else:
        _write(printing.render_cost_sharing(report, _now(settings)), output)


@reports_app.command("annual")
def annual(
    year: int = typer.Option(..., help="Calendar year (local time)."),
    network: str | None = typer.Option(None, help="Lastu, Helmet (default: REPORTS_NETWORK)."),
    library: str | None = typer.Option(None, help="Only this library's row (its id)."),
    fmt: Format = typer.Option(Format.TABLE, "--format", help="table, csv or html."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file."),
) -> None:
    """Count each library's year: transfers, holds, median hold time.

    Transfers sent and received, holds placed and filled, and the median days to fill a hold.
    """
    settings = ReportsSettings()
    sources = ReportSources(settings)

    def prepare() -> Callable[[ReportReader], Awaitable[AnnualStatistics]]:
        Period.year(year)
        chosen = sources.network(network)
        if library is not None and library not in chosen.library_ids:
            raise typer.BadParameter(f"{library!r} is not a library of {chosen.name}")
        return lambda reader: annual_report(
            reader,
            chosen,
            year,
            settings.zone,
            now=datetime.now(UTC),
            hold_retention=settings.hold_retention,
        )

    report = _run(settings, prepare)
    if library is not None:
        report = report.only(library)
    if fmt is Format.TABLE:
        _print(_annual_table(report), output)
    elif fmt is Format.CSV:
        _write(formats.annual_csv(report), output)
    else:
        _write(printing.render_annual(report, _now(settings)), output)


def _run(
    settings: ReportsSettings, prepare: Callable[[], Callable[[ReportReader], Awaitable[T]]]
) -> T:
    try:
        make = prepare()
        return asyncio.run(_with_reader(settings, make))
    except ReportError as exc:
        errors.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    except ServiceTablesMissing as exc:
        errors.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None


async def _with_reader(
    settings: ReportsSettings, make: Callable[[ReportReader], Awaitable[T]]
) -> T:
    conn = await asyncpg.connect(await database_for(DatabaseSettings()))
    try:
        return await make(PostgresReportReader(conn, settings.schemas))
    finally:
        await conn.close()


def _now(settings: ReportsSettings) -> datetime:
    return datetime.now(UTC).astimezone(settings.zone)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        errors.print(f"wrote {output}")


def _print(table: Table, output: Path | None) -> None:
    if output is None:
        Console().print(table)
    else:
        with output.open("w", encoding="utf-8") as out:
            Console(file=out, width=120).print(table)
        errors.print(f"wrote {output}")


def _cost_sharing_table(report: CostSharing) -> Table:
    fleet = report.fleet
    table = Table(
        title=f"Transport cost sharing: {report.network}, {report.period}",
        caption=(
            f"{fleet.days_planned} of {report.period.days} days planned, "
            f"{fleet.van_days} van-days; rates: {report.rates_source}; "
            f"population: {report.population_source}"
            + "".join(f"\n{note}" for note in report.notes)
        ),
    )
    for heading in ("Municipality", "Residents", "Share", "By population €"):
        table.add_column(heading, justify="left" if heading == "Municipality" else "right")
    for heading in ("Sent", "Received", "Share", "By items €"):
        table.add_column(heading, justify="right")
    for row in report.rows:
        table.add_row(
            row.municipality,
            str(row.population),
            _percent(formats.share_text(row.population_share, 4)),
            formats.money_text(row.by_population),
            str(row.items.sent),
            str(row.items.received),
            _percent(formats.share_text(row.items_share, 4)),
            formats.money_text(row.by_items) or "–",
        )
    items = report.items
    table.add_section()
    table.add_row(
        "Total",
        str(report.population),
        "100.00 %",
        formats.money_text(report.total),
        str(items.sent),
        str(items.received),
        "100.00 %" if items.moved else "–",
        formats.money_text(report.total) if items.moved else "–",
        style="bold",
    )
    return table


def _annual_table(report: AnnualStatistics) -> Table:
    table = Table(
        title=f"Annual statistics {report.year}: {report.network}",
        caption="\n".join(report.notes) or None,
    )
    table.add_column("Library")
    table.add_column("Municipality")
    for heading in ("Sent", "Received", "Holds placed", "Holds filled", "Median days"):
        table.add_column(heading, justify="right")
    rows = [*report.rows, *([] if report.total is None else [report.total])]
    for i, row in enumerate(rows):
        if i == len(report.rows):
            table.add_section()
        name = f"{row.name} ({row.library_id})" if row.library_id else row.name
        median = "–" if row.median_hold_days is None else str(row.median_hold_days)
        table.add_row(
            name,
            row.municipality,
            str(row.transfers_sent),
            str(row.transfers_received),
            str(row.holds_placed),
            str(row.holds_filled),
            median,
        )
    return table


def _percent(share: str | None) -> str:
    return "–" if share is None else f"{float(share) * 100:.2f} %"
