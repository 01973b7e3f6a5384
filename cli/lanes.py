"""``kulkuri lanes``: run the lane-demand worker, or ask it to publish a day's demand."""

from __future__ import annotations

import asyncio
import datetime as dt

import typer

from kulkuri.shared.local import LocalBroker
from kulkuri.transport.lanes.commands import Publish, send_commands
from kulkuri.transport.lanes.settings import LaneConfig
from kulkuri.transport.lanes.worker import run_worker

lanes_app = typer.Typer(help="The lane-demand stream (faust).", no_args_is_help=True)


@lanes_app.command()
def run() -> None:
    """Run one lane worker until Ctrl-C (KAFKA_*, TRANSPORT_LANES_* from the environment).

    Without KAFKA_BOOTSTRAP_SERVERS a private Tansu broker is started for the worker.
    """
    config = LaneConfig()
    if config.kafka.bootstrap_servers:
        run_worker(config, config.kafka.bootstrap_servers)
        return
    with LocalBroker() as broker:
        typer.echo(f"local broker on {broker.bootstrap_servers}", err=True)
        run_worker(config, broker.bootstrap_servers)


@lanes_app.command()
def publish(
    day: str = typer.Option(..., help="Service day to publish now, YYYY-MM-DD."),
) -> None:
    """Ask the running worker to publish a day's demand now (a new publication)."""
    config = LaneConfig()
    if not config.kafka.bootstrap_servers:
        raise typer.BadParameter("set KAFKA_BOOTSTRAP_SERVERS to the worker's broker")
    asyncio.run(
        send_commands(
            config.kafka.bootstrap_servers,
            config.lanes,
            [Publish(dt.date.fromisoformat(day))],
            kafka=config.kafka,
        )
    )
