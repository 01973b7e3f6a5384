"""Travel matrices between a network's places: the provider interface and its makers.

A ``MatrixProvider`` turns (lat, lon) points into a ``Matrix`` of metres and seconds, row
and column i being ``places[i]``. ``identity`` names the provider and its settings: matrices
from different identities differ, so caches keep them apart.

- ``GreatCircleMatrix``: from coordinates alone (the default; no network needed);
- ``OsrmTableMatrix``: road distances from an OSRM-compatible table service;
- ``CachedMatrices``: either of them, asked once per network (memory, optionally disk).

``matrix_provider(settings)`` builds the one the settings choose, cached.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from kulkuri.routing.adapters.great_circle import GreatCircleMatrix, haversine_m
from kulkuri.routing.adapters.matrix_cache import CachedMatrices
from kulkuri.routing.adapters.matrix_errors import (
    MatrixError,
    MatrixServiceError,
    MatrixUnavailableError,
    UnroutableError,
)
from kulkuri.routing.adapters.matrix_settings import RoutingMatrixSettings
from kulkuri.routing.adapters.osrm import UNROUTABLE_M, UNROUTABLE_S, OsrmTableMatrix
from kulkuri.routing.domain.problem import Matrix

__all__ = [
    "UNROUTABLE_M",
    "UNROUTABLE_S",
    "CachedMatrices",
    "GreatCircleMatrix",
    "MatrixError",
    "MatrixProvider",
    "MatrixServiceError",
    "MatrixUnavailableError",
    "OsrmTableMatrix",
    "RoutingMatrixSettings",
    "UnroutableError",
    "haversine_m",
    "matrix_provider",
]


@runtime_checkable
class MatrixProvider(Protocol):
    @property
    def identity(self) -> str:
        """The provider and every setting that changes its answers."""
        ...

    async def matrix(self, places: Sequence[tuple[float, float]]) -> Matrix:
        """Metres and seconds between (lat, lon) points; row = from, column = to."""
        ...


def matrix_provider(settings: RoutingMatrixSettings) -> CachedMatrices:
    """The provider ``settings`` choose, wrapped in a cache (on disk if a directory is set)."""
    inner: MatrixProvider
    if settings.matrix == "osrm":
        assert settings.osrm_url is not None  # checked by the settings
        inner = OsrmTableMatrix(
            settings.osrm_url,
            profile=settings.osrm_profile,
            timeout_s=settings.osrm_timeout_s,
            max_table_size=settings.osrm_max_table_size,
            unroutable=settings.osrm_unroutable,
        )
    else:
        inner = GreatCircleMatrix(circuity=settings.circuity, speed_kmh=settings.speed_kmh)
    return CachedMatrices(inner, directory=settings.matrix_cache_dir)
