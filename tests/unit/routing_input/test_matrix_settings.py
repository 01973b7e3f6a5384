"""ROUTING_* settings choose the matrix provider; the cache wraps whichever it is."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from kulkuri.routing.adapters.matrices import (
    GreatCircleMatrix,
    OsrmTableMatrix,
    RoutingMatrixSettings,
    matrix_provider,
)


def test_great_circle_is_the_default_with_its_circuity_and_speed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ROUTING_CIRCUITY", "1.2")
    monkeypatch.setenv("ROUTING_SPEED_KMH", "60")
    provider = matrix_provider(RoutingMatrixSettings())
    assert provider.provider == GreatCircleMatrix(circuity=1.2, speed_kmh=60)
    assert provider.directory is None


def test_osrm_is_chosen_by_environment_with_its_url_and_cache_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ROUTING_MATRIX", "osrm")
    monkeypatch.setenv("ROUTING_OSRM_URL", "http://osrm:5000")
    monkeypatch.setenv("ROUTING_MATRIX_CACHE_DIR", str(tmp_path))
    provider = matrix_provider(RoutingMatrixSettings())
    assert isinstance(provider.provider, OsrmTableMatrix)
    assert provider.identity == "osrm:http://osrm:5000:driving"
    assert provider.directory == tmp_path


def test_osrm_without_a_url_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUTING_MATRIX", "osrm")
    monkeypatch.delenv("ROUTING_OSRM_URL", raising=False)
    with pytest.raises(ValidationError, match="ROUTING_OSRM_URL"):
        RoutingMatrixSettings()
