"""``kulkuri reliability faults``: the fault harness's long run (docs/reliability.md).

A stream of circulation events goes through the holds and transport services twice, once
undisturbed and once while the services are killed, the broker and PostgreSQL restarted and
a holds instance paused out of its consumer group; the two final states must be identical.
The harness is test code (``tests/reliability/fault_*.py``), so this command needs a source
checkout; it imports the harness only when run.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import signal
import sys
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

reliability_app = typer.Typer(help="Reliability harnesses (need a source checkout).")
console = Console(stderr=True)

DEFAULT_OUTPUT = Path("bench/results/reliability.json")
T = TypeVar("T")


@reliability_app.command("faults")
def faults(
    events: int = typer.Option(100_000, min=1_000, help="Circulation events in the stream."),
    kills: int = typer.Option(5, min=0, help="SIGKILLs of a service process."),
    broker_restarts: int = typer.Option(2, min=0, help="Restarts of the broker."),
    postgres_restarts: int = typer.Option(2, min=0, help="Restarts of PostgreSQL."),
    pauses: int = typer.Option(2, min=0, help="SIGSTOPs of a holds instance past its session."),
    seed: int = typer.Option(2026, help="Seeds the stream and the faults."),
    titles: int | None = typer.Option(None, help="Catalogue size (default: events / 20)."),
    output: Path = typer.Option(DEFAULT_OUTPUT, help="Where the figures go (JSON)."),
    logs: Path | None = typer.Option(
        None, help="Directory for every process's log (default: a new temporary one)."
    ),
    niceness: int = typer.Option(10, min=0, max=19, help="Added to this process's niceness."),
) -> None:
    """Run a stream through the services without and with faults; compare the end states.

    Prints the figures and writes them to OUTPUT; exits 1 if an effect was lost or doubled."""
    checkout = _checkout()
    # Leave the shared cores to whoever else works on the machine; children inherit it.
    os.nice(niceness)
    run = importlib.import_module("tests.reliability.fault_run")
    plan = importlib.import_module("tests.reliability.fault_plan")
    report_figures = importlib.import_module("tests.reliability.fault_figures").figures
    work = logs or Path(tempfile.mkdtemp(prefix="kulkuri-faults-"))
    options = run.HarnessOptions(
        work_dir=work,
        events=events,
        faults=plan.FaultCounts(kills, broker_restarts, postgres_restarts, pauses),
        seed=seed,
        titles=titles,
        settle_timeout_s=max(300.0, events / 100),
    )
    console.print(f"logs in {work}")
    report = asyncio.run(_stoppable(run.run_harness(options, log=console.print)))
    figures: dict[str, Any] = report_figures(report)
    for name, value in figures.items():
        console.print(f"{name:>36}  {value}")
    target = output if output.is_absolute() else checkout / output
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    console.print(f"figures written to {target}")
    if not report.comparison.ok:
        console.print(f"[red]{report.comparison.report()}[/]")
        raise typer.Exit(1)
    console.print("[green]identical: no effect lost, none duplicated[/]")


async def _stoppable(harness: Coroutine[Any, Any, T]) -> T:
    """SIGINT or SIGTERM cancels the run, so that it stops every process it started (a
    shell starts background jobs with SIGINT ignored, which asyncio.run would keep)."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    return await harness


def _checkout() -> Path:
    """The repository root holding the harness, put on the import path."""
    for root in (Path.cwd(), Path(__file__).resolve().parents[1]):
        if (root / "tests" / "reliability" / "fault_run.py").is_file():
            if str(root) not in sys.path:
                sys.path.insert(0, str(root))
            return root
    console.print("[red]the fault harness is test code: run this from a kulkuri source checkout[/]")
    raise typer.Exit(2)
