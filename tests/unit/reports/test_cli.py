"""``kulkuri reports`` refuses bad input before it opens the database, saying what is wrong
(the reports themselves are run against PostgreSQL in tests/integration/reports)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kulkuri.cli.app import app

AUGUST = ["--from", "2026-08-01", "--to", "2026-08-31"]


@pytest.fixture(autouse=True)
def no_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """A database the commands must not reach: each case fails before connecting."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    for name in ("REPORTS_NETWORK", "REPORTS_POPULATION_FILE", "ROUTING_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["reports", *args])
    return result.exit_code, " ".join(result.output.split())  # rich wraps long lines


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    code, said = run("cost-sharing", "--from", "2026-08-31", "--to", "2026-08-01")
    assert code == 2
    assert "error: the period ends (2026-08-01) before it starts (2026-08-31)" in said


def test_an_unknown_network_is_refused() -> None:
    code, said = run("cost-sharing", *AUGUST, "--network", "Kirkes")
    assert code == 2
    assert "no network 'Kirkes' in the library directory" in said
    code, said = run("annual", "--year", "2026", "--network", "Kirkes")
    assert (code, "no network 'Kirkes'" in said) == (2, True)


def test_a_malformed_population_file_is_refused_with_its_line(tmp_path: Path) -> None:
    table = tmp_path / "väestö.csv"
    table.write_text("municipality,population\nLahti,121 337\n")
    code, said = run("cost-sharing", *AUGUST, "--population", str(table))
    assert code == 2
    assert "line 2: population '121 337' of Lahti is not a whole number > 0" in said


def test_a_population_file_without_a_member_municipality_is_refused(tmp_path: Path) -> None:
    table = tmp_path / "helmet.csv"
    table.write_text("municipality,population\nHelsinki,684018\nEspoo,320931\nVantaa,251269\n")
    code, said = run("cost-sharing", *AUGUST, "--network", "Helmet", "--population", str(table))
    assert code == 2
    assert "has no population for Kauniainen (member municipalities of Helmet" in said


def test_a_year_out_of_range_and_a_library_of_another_network_are_refused() -> None:
    code, said = run("annual", "--year", "12026")
    assert (code, "year 12026 is outside" in said) == (2, True)
    code, said = run("annual", "--year", "2026", "--library", "84860")
    assert (code, "'84860' is not a library of Lastu" in said) == (2, True)


def test_a_date_that_is_no_date_is_a_usage_error() -> None:
    code, said = run("cost-sharing", "--from", "2026-02-30", "--to", "2026-03-01")
    assert code == 2
    assert "--from" in said
