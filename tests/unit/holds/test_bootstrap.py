"""The holds service finds its consortium: the configured file, else the shipped network."""

from __future__ import annotations

from pathlib import Path

import pytest

from kulkuri.holds.adapters.consortium_config import SAMPLE_LASTU, ConsortiumConfigError
from kulkuri.holds.bootstrap import load_consortium
from kulkuri.holds.config import HoldsSettings


def test_lastu_uses_the_shipped_sample_file() -> None:
    consortium = load_consortium(HoldsSettings(consortium="Lastu"))
    assert len(consortium.libraries) == 19
    assert consortium.is_member("85910")  # Lahden pääkirjasto


def test_other_networks_are_built_from_the_shipped_library_data() -> None:
    consortium = load_consortium(HoldsSettings(consortium="Helmet"))
    assert len(consortium.libraries) == 70
    assert not consortium.is_member("85910")


def test_a_configured_file_wins_over_the_network_name(tmp_path: Path) -> None:
    own = tmp_path / "own.toml"
    own.write_text(SAMPLE_LASTU.read_text().replace('name = "Lastu"', 'name = "Oma"', 1))
    consortium = load_consortium(HoldsSettings(consortium="Helmet", consortium_config=own))
    assert consortium.name == "Oma"
    assert len(consortium.libraries) == 19


def test_a_broken_file_is_refused_with_its_name(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("format_version = 99\n")
    with pytest.raises(ConsortiumConfigError, match=r"broken\.toml"):
        load_consortium(HoldsSettings(consortium_config=broken))
