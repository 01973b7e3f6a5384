"""The routing file: checked against the library directory, every problem named by its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from kulkuri.routing.adapters.network import (
    RoutingConfig,
    RoutingConfigError,
    load_routing_config,
    parse_routing_config,
    sample_path,
)
from kulkuri.routing.domain.problem import Mode
from kulkuri.shared.libraries import load_outlets

HEADER = """
format_version = 1
[network]
name = "Lastu"
version = "test-1"
outlets = "Lastu"
"""
ROUTING = """
[routing]
mode = "hub"
hub = "85910"
"""
FLEET = """
[fleet]
vans = [{ id = "v1", depot = "85910" }]
[fleet.defaults]
capacity_crates = 40
shift_start = "07:00"
shift_end = "15:30"
"""


def parse(
    header: str = HEADER, routing: str = ROUTING, fleet: str = FLEET, extra: str = ""
) -> RoutingConfig:
    return parse_routing_config(header + routing + fleet + extra, source="test.toml")


def test_a_minimal_file_gives_vans_with_default_costs_and_a_working_week() -> None:
    config = parse()
    (van,) = config.vans
    assert (van.van_id, van.depot, van.capacity_crates) == ("v1", "85910", 40)
    assert (van.shift_start_s, van.shift_end_s) == (7 * 3600, 15 * 3600 + 1800)
    assert van.cost_per_km == 0.5
    assert config.mode is Mode.HUB and config.hub == "85910"
    assert config.van_days == frozenset(range(5))
    assert len(config.libraries) == 19


def test_a_van_overrides_the_fleet_defaults() -> None:
    fleet = FLEET.replace('depot = "85910" }', 'depot = "85910", capacity_crates = 30 }')
    assert parse(fleet=fleet).vans[0].capacity_crates == 30


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('85910" }', '99999" }'), "fleet.vans[0].depot: '99999' is not a library of Lastu"),
        (('hub = "85910"', 'hub = "84924"'), "routing.hub: '84924' is not a library of Lastu"),
        (('shift_end = "15:30"', 'shift_end = "06:00"'), "fleet.vans[0].shift_end: the shift"),
        (("capacity_crates = 40\n", ""), "fleet.vans[0].capacity_crates: missing"),
        (('shift_start = "07:00"', 'shift_start = "7 am"'), "fleet.defaults.shift_start"),
    ],
    ids=[
        "depot-not-a-library",
        "hub-of-another-network",
        "shift-ends-first",
        "no-capacity",
        "bad-clock",
    ],
)
def test_a_bad_van_or_hub_is_named_by_its_key(change: tuple[str, str], expected: str) -> None:
    text = HEADER + ROUTING + FLEET
    with pytest.raises(RoutingConfigError, match=r"test\.toml") as error:
        parse_routing_config(text.replace(*change), source="test.toml")
    assert expected in str(error.value)


def test_an_unknown_library_in_visit_days_is_named() -> None:
    with pytest.raises(RoutingConfigError, match=r"libraries\.12345: '12345' is not a library"):
        parse(extra='[libraries.12345]\nvisit_days = ["mon"]\n')


def test_visit_days_must_be_days_the_vans_run() -> None:
    with pytest.raises(
        RoutingConfigError, match=r"libraries\.86026\.visit_days: no vans run on sat"
    ):
        parse(extra='[libraries.86026]\nvisit_days = ["tue", "sat"]\n')


def test_the_hub_takes_no_visit_days() -> None:
    with pytest.raises(RoutingConfigError, match="hub is visited every van day"):
        parse(extra='[libraries.85910]\nvisit_days = ["mon"]\n')


def test_hub_mode_needs_a_hub_and_direct_mode_has_none() -> None:
    with pytest.raises(RoutingConfigError, match='mode = "hub" needs the hub'):
        parse(routing='[routing]\nmode = "hub"\n')
    with pytest.raises(RoutingConfigError, match='mode = "direct" has no hub'):
        parse(routing=ROUTING.replace('"hub"\n', '"direct"\n'))


def test_every_problem_is_reported_at_once() -> None:
    fleet = FLEET.replace("vans = [", 'vans = [{ id = "v1", depot = "1" },')
    with pytest.raises(RoutingConfigError) as error:
        parse(fleet=fleet, extra='[libraries.2]\nvisit_days = ["mon"]\n')
    message = str(error.value)
    assert "fleet.vans[0].depot: '1'" in message
    assert "fleet.vans[1].id: 'v1' is already fleet.vans[0]" in message
    assert "libraries.2:" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("format_version = 2", "format_version = 2 is not supported"),
        ("[network", "not valid TOML"),
        (HEADER.replace('"Lastu"\n', '"Nowhere"\n') + ROUTING + FLEET, "no consortium"),
        (HEADER + ROUTING + FLEET + "colour = 'red'\n", "colour: Extra inputs"),
    ],
    ids=["version", "toml", "unknown-consortium", "unknown-key"],
)
def test_an_unusable_file_says_why(text: str, expected: str) -> None:
    with pytest.raises(RoutingConfigError, match=expected):
        parse_routing_config(text)


@pytest.mark.parametrize(
    ("network", "libraries", "vans"),
    [("Lastu", 19, 3), ("Helmet", 70, 8), ("Finland", 720, 50)],
    ids=["lastu", "helmet", "finland"],
)
def test_shipped_samples_load_and_name_only_real_libraries(
    network: str, libraries: int, vans: int
) -> None:
    config = load_routing_config(sample_path(network))
    known = {outlet.id for outlet in load_outlets(None)}
    assert (len(config.libraries), len(config.vans)) == (libraries, vans)
    named = {*config.depots, *config.visit_days, *([config.hub] if config.hub else [])}
    assert named <= known
    assert named <= {library.id for library in config.libraries}


def test_an_unknown_network_lists_the_shipped_ones() -> None:
    with pytest.raises(RoutingConfigError, match="finland, helmet, lastu"):
        sample_path("Atlantis")


def test_a_file_on_disk_is_named_in_its_errors(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(HEADER + ROUTING, "utf-8")
    with pytest.raises(RoutingConfigError, match=r"mine\.toml: invalid routing config:\n  fleet"):
        load_routing_config(path)
