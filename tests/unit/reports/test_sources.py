"""Where a report's inputs come from: the library directory, the routing file's vans, and
the settings or options that choose them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kulkuri.reports.adapters.directory import network_of
from kulkuri.reports.adapters.fleet_rates import fleet_rates
from kulkuri.reports.bootstrap import ReportSources
from kulkuri.reports.config import ReportsSettings
from kulkuri.reports.domain import MissingPopulation, RoutingFileError, UnknownNetwork

ROUTING_FILE = """\
format_version = 1
[network]
name = "Tiny"
version = "1"
outlets = "Lastu"
[routing]
mode = "direct"
[fleet]
vans = [
    { id = "small", depot = "85910", cost_per_km = 0.45 },
    { id = "big", depot = "85910", fixed_cost = 80.25 },
]
[fleet.defaults]
capacity_crates = 10
shift_start = "07:00"
shift_end = "15:00"
"""


def test_a_network_is_found_by_name_in_any_case() -> None:
    lastu = network_of("lastu")
    assert lastu.name == "Lastu"
    assert len(lastu.members) == 19
    assert "Sysmä" in lastu.municipalities


def test_an_unknown_network_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(UnknownNetwork, match=r"no network 'Kirkes'.*known: Helmet, Lastu"):
        network_of("Kirkes")


def test_the_shipped_routing_file_prices_the_networks_vans() -> None:
    rates, source = fleet_rates("Lastu", None)
    assert set(rates) == {"lastu-1", "lastu-2", "lastu-3"}
    assert rates["lastu-3"].per_km == Decimal("0.5")
    assert "lastu.toml" in source


def test_a_routing_files_own_rates_and_the_routing_defaults_are_used(tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(ROUTING_FILE)
    rates, source = fleet_rates("Lastu", path)
    assert rates["small"].per_km == Decimal("0.45")
    assert rates["big"].fixed == Decimal("80.25")
    # What the file leaves out is what the routing service plans with: its van defaults.
    assert (rates["small"].fixed, rates["small"].per_hour) == (Decimal("60.0"), Decimal("35.0"))
    assert source == str(path)


def test_a_broken_or_missing_routing_file_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("format_version = 1\n[network\n")
    with pytest.raises(RoutingFileError, match=r"broken\.toml: not valid TOML"):
        fleet_rates("Lastu", broken)
    with pytest.raises(RoutingFileError, match=r"missing\.toml: cannot read it"):
        fleet_rates("Lastu", tmp_path / "missing.toml")
    with pytest.raises(RoutingFileError, match="no shipped routing file for 'Kirkes'"):
        fleet_rates("Kirkes", None)


def test_the_routing_services_own_file_is_the_default_for_the_rates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("REPORTS_ROUTING_CONFIG_FILE", raising=False)
    monkeypatch.setenv("ROUTING_CONFIG_FILE", "/etc/kulkuri/routing.toml")
    assert ReportsSettings().routing_config_file == Path("/etc/kulkuri/routing.toml")
    monkeypatch.setenv("REPORTS_ROUTING_CONFIG_FILE", "/etc/kulkuri/reports.toml")
    assert ReportsSettings().routing_config_file == Path("/etc/kulkuri/reports.toml")


def test_the_options_override_the_settings(tmp_path: Path) -> None:
    own = tmp_path / "lastu.csv"
    own.write_text(
        "municipality,population\n"
        + "".join(f"{m},1000\n" for m in network_of("Lastu").municipalities)
    )
    sources = ReportSources(ReportsSettings(network="Helmet"))
    assert sources.network().name == "Helmet"
    lastu = sources.network("Lastu")
    inputs = sources.cost_inputs(lastu, population_file=own)
    assert inputs.population.populations["Lahti"] == 1000
    assert "lastu.toml" in inputs.rates_source


def test_a_table_without_every_member_is_refused_before_the_routing_file_is_read(
    tmp_path: Path,
) -> None:
    own = tmp_path / "lahti.csv"
    own.write_text("municipality,population\nLahti,121337\n")
    sources = ReportSources(ReportsSettings(routing_config_file=tmp_path / "not-read.toml"))
    with pytest.raises(MissingPopulation, match="no population for Asikkala, Hartola"):
        sources.cost_inputs(sources.network("Lastu"), population_file=own)
