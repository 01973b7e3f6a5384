"""Travel estimated from coordinates alone: great-circle distance times a road circuity.

No network, no service: the default, and what tests and benchmarks use. Road distance is the
haversine distance times ``circuity`` (road over straight-line distance, about 1.2-1.4 in
Finland's road network); duration is that distance at ``speed_kmh``, a mean over town and
highway driving. Both are rounded to whole metres and seconds, as the solver needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from math import asin, cos, radians, sin, sqrt

from kulkuri.routing.domain.problem import Matrix

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG); the haversine error against the ellipsoid is under 0.5 %."""

_INLINE_PLACES = 100  # up to 10,000 pairs: milliseconds, not worth a thread


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lat, lon) points in degrees."""
    lat1, lon1, lat2, lon2 = map(radians, (*a, *b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(min(1.0, sqrt(h)))


@dataclass(frozen=True)
class GreatCircleMatrix:
    """A ``MatrixProvider`` from coordinates: symmetric, zero on the diagonal."""

    circuity: float = 1.3
    speed_kmh: float = 50.0

    def __post_init__(self) -> None:
        if self.circuity < 1.0:
            raise ValueError(f"circuity {self.circuity}: roads are never shorter than 1.0")
        if self.speed_kmh <= 0:
            raise ValueError(f"speed_kmh {self.speed_kmh}: expected a positive speed")

    @property
    def identity(self) -> str:
        return f"great_circle:circuity={self.circuity}:speed_kmh={self.speed_kmh}"

    def compute(self, places: Sequence[tuple[float, float]]) -> Matrix:
        """The matrix at once; ``matrix`` is the same behind the async provider interface."""
        metres_per_s = self.speed_kmh * 1000 / 3600
        distance: list[tuple[int, ...]] = []
        duration: list[tuple[int, ...]] = []
        for a in places:
            road = [haversine_m(a, b) * self.circuity for b in places]
            distance.append(tuple(round(m) for m in road))
            duration.append(tuple(round(m / metres_per_s) for m in road))
        return Matrix(distance_m=tuple(distance), duration_s=tuple(duration))

    async def matrix(self, places: Sequence[tuple[float, float]]) -> Matrix:
        if len(places) <= _INLINE_PLACES:
            return self.compute(places)
        # All of Finland (720 places) takes about a second: keep the event loop free meanwhile.
        return await asyncio.to_thread(self.compute, places)
