"""``kulkuri routing bench``: the routing engine on Solomon and Li & Lim against best-known.

The instances are not shipped with kulkuri (``KULKURI_VRP_DATA`` or ``--data`` names them;
see ``kulkuri.routing.adapters.vrp_instances``). Each instance is solved in turn at one time
limit and measured exactly; the table shows each gap to the best-known distance, then the
mean and worst gap per set. ``bench/routing_solomon.py`` runs the same solves two at a time,
with PyVRP beside OR-Tools, and records them.
"""

from __future__ import annotations

import fnmatch
import json
import statistics
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kulkuri.routing.adapters.vrp_instances import (
    BKS_COLUMN,
    SETS,
    Measured,
    data_dir,
    gap_pct,
    instance_paths,
    load_instance,
    read_bks,
    solve_instance,
)
from kulkuri.routing.domain.errors import RoutingInputError, UnsupportedConstraintError
from kulkuri.routing.solver import ENGINES, solver_named

console = Console()


def routing_bench(
    sets: str = typer.Option(",".join(SETS), help="Comma-separated: solomon, lilim."),
    only: str = typer.Option("*", help="Instance name patterns, comma-separated (R1*,lc10?)."),
    engine: str = typer.Option("ortools", help=f"One of {', '.join(ENGINES)}."),
    time_limit: float = typer.Option(10.0, min=0.1, help="Seconds per instance."),
    knob: list[str] = typer.Option([], help="Engine knob key=value (OR-Tools), repeatable."),
    data: Path | None = typer.Option(None, help="The vrp data folder (solomon/, lilim/)."),
    output: Path | None = typer.Option(None, help="Also write every solve as JSON here."),
) -> None:
    """Solve the Solomon and Li & Lim instances and show the gaps to the best-known."""
    root = data or data_dir()
    if root is None or not all((root / kind).is_dir() for kind in SETS):
        raise typer.BadParameter(
            "the Solomon and Li & Lim instances are not here: give --data DIR (or set "
            "KULKURI_VRP_DATA) with solomon/ and lilim/ folders of instances and bks.csv",
            param_hint="--data",
        )
    kinds = [k.strip() for k in sets.split(",") if k.strip()]
    if unknown := [k for k in kinds if k not in SETS]:
        expected = ", ".join(SETS)
        raise typer.BadParameter(
            f"unknown set {unknown[0]!r}; expected {expected}", param_hint="--sets"
        )
    if engine not in ENGINES:
        raise typer.BadParameter(f"unknown engine {engine!r}", param_hint="--engine")
    if bad := [k for k in knob if "=" not in k]:
        raise typer.BadParameter(f"{bad[0]!r}: expected key=value", param_hint="--knob")
    knobs = dict(k.split("=", 1) for k in knob)
    patterns = [p.strip() for p in only.split(",") if p.strip()]
    paths = [
        (kind, path)
        for kind in kinds
        for path in instance_paths(root, kind)
        if any(fnmatch.fnmatchcase(path.stem, p) for p in patterns)
    ]
    if not paths:
        raise typer.BadParameter(f"no instance matches {only!r}", param_hint="--only")
    results = _solve_all(paths, engine, time_limit, knobs)
    gaps = _gaps(root, results)
    console.print(_table(results, gaps))
    for kind in kinds:
        _summary(kind, [r for k, r in results if k == kind], gaps)
    if output is not None:
        output.write_text(json.dumps([_row(r, gaps) for _, r in results], indent=2) + "\n")


def _solve_all(
    paths: list[tuple[str, Path]], engine: str, time_limit: float, knobs: dict[str, str]
) -> list[tuple[str, Measured]]:
    solver = solver_named(engine)
    results = []
    columns = (TextColumn("{task.description}"), TextColumn("{task.completed}/{task.total}"))
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("solving", total=len(paths))
        for kind, path in paths:
            bar.update(task, description=f"{path.stem} ({engine}, {time_limit:g} s)")
            try:
                got = solve_instance(solver, load_instance(path), time_limit, knobs)
            except (RoutingInputError, UnsupportedConstraintError) as error:
                raise typer.BadParameter(f"{path.name}: {error}") from error
            results.append((kind, got))
            bar.advance(task)
    return results


def _gaps(root: Path, results: list[tuple[str, Measured]]) -> dict[str, float | None]:
    bks = {kind: read_bks(root / kind / "bks.csv", BKS_COLUMN[kind]) for kind, _ in results}
    out: dict[str, float | None] = {}
    for kind, r in results:
        best = bks[kind].get(r.instance.name)
        out[r.instance.name] = gap_pct(r.length, best) if best and r.feasible else None
    return out


def _table(results: list[tuple[str, Measured]], gaps: dict[str, float | None]) -> Table:
    table = Table("instance", "vans", "length", "gap %", "plan", "s")
    for _, r in results:
        gap = gaps[r.instance.name]
        verdict = "ok" if r.feasible else (r.problems[:1] or [f"{r.dropped} dropped"])[0]
        table.add_row(
            r.instance.name,
            str(r.routes),
            f"{r.length:.2f}",
            "-" if gap is None else f"{round(gap, 2) + 0.0:.2f}",  # no "-0.00"
            verdict,
            f"{r.wall_s:.1f}",
        )
    return table


def _summary(kind: str, results: list[Measured], gaps: dict[str, float | None]) -> None:
    measured = [g for r in results if (g := gaps[r.instance.name]) is not None]
    infeasible = sum(1 for r in results if not r.feasible)
    if not measured:
        console.print(f"{kind}: {len(results)} instances, {infeasible} without a feasible plan")
        return
    console.print(
        f"{kind}: {len(results)} instances, mean gap {statistics.fmean(measured) + 0.0:.2f} %, "
        f"worst {max(measured) + 0.0:.2f} %, {infeasible} without a feasible plan"
    )


def _row(r: Measured, gaps: dict[str, float | None]) -> dict[str, object]:
    gap = gaps[r.instance.name]
    return {
        "instance": r.instance.name,
        "engine": r.engine,
        "knobs": r.knobs,
        "routes": r.routes,
        "length": round(r.length, 4),
        "gap_pct": None if gap is None else round(gap, 3),
        "feasible": r.feasible,
        "problems": r.problems[:3],
        "wall_s": round(r.wall_s, 2),
    }
