"""Population tables: the shipped end-2024 figures, and a consortium's own CSV checked line
by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from kulkuri.reports.adapters.directory import network_of
from kulkuri.reports.adapters.population_file import (
    load_population,
    parse_population,
    shipped_population,
)
from kulkuri.reports.domain import PopulationTableError


@pytest.mark.parametrize("network", ["Lastu", "Helmet"])
def test_the_shipped_table_has_every_member_municipality_of_the_sample_networks(
    network: str,
) -> None:
    shipped = shipped_population()
    assert set(shipped.of(network_of(network))) == set(network_of(network).municipalities)


def test_the_shipped_table_carries_the_end_2024_figures() -> None:
    shipped = shipped_population()
    assert shipped.populations["Lahti"] == 121_337
    assert shipped.populations["Helsinki"] == 684_018
    assert sum(shipped.of(network_of("Lastu")).values()) == 198_234
    assert "2024" in shipped.source


def test_a_consortiums_own_table_may_have_a_bom_crlf_and_extra_columns(tmp_path: Path) -> None:
    path = tmp_path / "väestö.csv"
    path.write_bytes(
        "\ufeffkunta_id,municipality,population,note\r\n1,Lahti,120000,est.\r\n2,Sysmä,3400,\r\n".encode()
    )
    table = load_population(path)
    assert table.populations == {"Lahti": 120_000, "Sysmä": 3_400}
    assert table.source == str(path)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name,residents\nLahti,1\n", "needs the columns municipality, population; missing"),
        ("municipality,population\nLahti,12 000\n", "line 2: population '12 000' of Lahti"),
        ("municipality,population\nLahti,-5\n", "line 2: population '-5' of Lahti"),
        ("municipality,population\nLahti,0\n", "line 2: population '0' of Lahti"),
        ("municipality,population\nLahti,1.5\n", "line 2: population '1.5' of Lahti"),
        ("municipality,population\nLahti,1\nLahti,2\n", "line 3: Lahti is already on line 2"),
        ("municipality,population\n,5\n", "line 2: no municipality"),
        ("municipality,population\n", "no municipalities listed"),
        ("", "needs the columns"),
    ],
    ids=[
        "no-columns",
        "spaces",
        "negative",
        "zero",
        "fraction",
        "duplicate",
        "no-name",
        "no-rows",
        "empty",
    ],
)
def test_a_malformed_table_is_refused_naming_the_file_and_line(text: str, problem: str) -> None:
    with pytest.raises(PopulationTableError, match=r"ours\.csv") as refused:
        parse_population(text, "ours.csv")
    assert problem in str(refused.value)


def test_every_problem_of_a_table_is_reported_at_once() -> None:
    text = "municipality,population\nLahti,x\nHeinola,\nSysmä,3428\n"
    with pytest.raises(PopulationTableError) as refused:
        parse_population(text, "ours.csv")
    assert "line 2" in str(refused.value) and "line 3" in str(refused.value)


def test_a_file_that_is_not_utf8_or_not_there_is_refused(tmp_path: Path) -> None:
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("municipality,population\nSysmä,3428\n".encode("latin-1"))
    with pytest.raises(PopulationTableError, match="not UTF-8"):
        load_population(latin)
    with pytest.raises(PopulationTableError, match="cannot read it"):
        load_population(tmp_path / "missing.csv")
