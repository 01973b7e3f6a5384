"""``kulkuri routing bench`` on tiny instances whose optimum is known by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kulkuri.cli.app import app
from tests.unit.test_vrp_instances import LILIM, SOLOMON

runner = CliRunner()


@pytest.fixture
def vrp_data(tmp_path: Path) -> Path:
    """One instance per set, with its optimum as the best-known: {1} and {2, 3} for the
    Solomon square (6 + 12), one van through both pairs for Li & Lim (3 + 4 + 3 + 4 + 8)."""
    (tmp_path / "solomon").mkdir()
    (tmp_path / "lilim").mkdir()
    (tmp_path / "solomon" / "TINY1.txt").write_text(SOLOMON)
    (tmp_path / "lilim" / "tiny2.txt").write_text(LILIM)
    (tmp_path / "solomon" / "bks.csv").write_text("instance,distance_distance_only\nTINY1,18\n")
    (tmp_path / "lilim" / "bks.csv").write_text("instance,distance\ntiny2,22\n")
    return tmp_path


def bench(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["routing", "bench", "--time-limit", "1", *args])
    return result.exit_code, result.output


def test_bench_reaches_the_known_optimum_of_each_set(vrp_data: Path, tmp_path: Path) -> None:
    output = tmp_path / "solves.json"
    code, text = bench(
        "--data", str(vrp_data), "--knob", "solution_limit=200", "--output", str(output)
    )

    assert code == 0, text
    assert "solomon: 1 instances, mean gap 0.00 %" in text
    assert "lilim: 1 instances, mean gap 0.00 %" in text
    solves = {row["instance"]: row for row in json.loads(output.read_text())}
    assert solves["TINY1"]["routes"] == 2 and solves["TINY1"]["gap_pct"] == 0.0
    assert solves["tiny2"]["length"] == 22.0 and solves["tiny2"]["feasible"]


def test_bench_picks_instances_by_set_and_pattern(vrp_data: Path) -> None:
    code, text = bench("--data", str(vrp_data), "--sets", "lilim", "--only", "tiny*")

    assert code == 0, text
    assert "tiny2" in text and "TINY1" not in text


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--sets", "cvrp"), "unknown set 'cvrp'"),
        (("--engine", "gurobi"), "unknown engine 'gurobi'"),
        (("--only", "X*"), "no instance matches"),
        (("--knob", "solution_limit"), "expected key=value"),
        (("--knob", "first_solution=BEST_GUESS"), "unknown OR-Tools"),
    ],
    ids=["set", "engine", "pattern", "knob-shape", "knob-value"],
)
def test_bench_refuses_bad_options_with_the_reason(
    vrp_data: Path, args: tuple[str, ...], reason: str
) -> None:
    code, text = bench("--data", str(vrp_data), *args)

    assert code == 2
    assert reason in " ".join(text.split())


def test_bench_without_the_instances_says_where_they_go(tmp_path: Path) -> None:
    code, text = bench("--data", str(tmp_path))

    assert code == 2
    assert "KULKURI_VRP_DATA" in " ".join(text.split())
