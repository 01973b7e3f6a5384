"""Matrices are asked once per network: in memory, and on disk across restarts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from kulkuri.routing.adapters.matrices import CachedMatrices, GreatCircleMatrix
from kulkuri.routing.domain.problem import Matrix

A, B, C = (60.98, 25.66), (61.20, 26.04), (60.81, 25.73)


class CountingProvider:
    def __init__(self, identity: str = "counting") -> None:
        self.calls: list[list[tuple[float, float]]] = []
        self._identity = identity
        self._inner = GreatCircleMatrix()

    @property
    def identity(self) -> str:
        return self._identity

    async def matrix(self, places: Sequence[tuple[float, float]]) -> Matrix:
        self.calls.append(list(places))
        return self._inner.compute(places)


async def test_second_call_for_the_same_network_does_not_ask_the_provider() -> None:
    provider = CountingProvider()
    cache = CachedMatrices(provider)
    first = await cache.matrix([A, B, C])
    second = await cache.matrix([A, B, C])
    assert first == second
    assert len(provider.calls) == 1


async def test_same_places_in_another_order_reuse_the_entry_in_the_order_asked() -> None:
    provider = CountingProvider()
    cache = CachedMatrices(provider)
    forward = await cache.matrix([A, B, C])
    backward = await cache.matrix([C, B, A])
    assert len(provider.calls) == 1
    assert backward.distance_m[0][2] == forward.distance_m[2][0]
    assert backward.duration_s[1][0] == forward.duration_s[1][2]


async def test_a_duplicated_coordinate_is_asked_once_and_costs_nothing_to_itself() -> None:
    provider = CountingProvider()
    matrix = await CachedMatrices(provider).matrix([A, B, A])
    assert provider.calls == [sorted([A, B])]
    assert matrix.size == 3
    assert matrix.distance_m[0][2] == 0
    assert matrix.distance_m[0][1] == matrix.distance_m[2][1]


async def test_another_network_or_provider_gets_its_own_entry() -> None:
    provider = CountingProvider()
    cache = CachedMatrices(provider)
    await cache.matrix([A, B])
    await cache.matrix([A, B, C])
    assert len(provider.calls) == 2
    other = CountingProvider("other")
    await CachedMatrices(other).matrix([A, B])
    assert len(other.calls) == 1


async def test_matrices_on_disk_survive_a_restart(tmp_path: Path) -> None:
    await CachedMatrices(CountingProvider(), directory=tmp_path).matrix([A, B, C])
    restarted = CountingProvider()
    matrix = await CachedMatrices(restarted, directory=tmp_path).matrix([B, C, A])
    assert restarted.calls == []
    assert matrix.distance_m[2][0] == GreatCircleMatrix().compute([A, B]).distance_m[0][1]


async def test_an_unreadable_file_on_disk_is_replaced(tmp_path: Path) -> None:
    await CachedMatrices(CountingProvider(), directory=tmp_path).matrix([A, B])
    file = _spoil_the_only_file(tmp_path)
    restarted = CountingProvider()
    await CachedMatrices(restarted, directory=tmp_path).matrix([A, B])
    assert len(restarted.calls) == 1
    assert json.loads(file.read_text("utf-8"))["identity"] == "counting"


def _spoil_the_only_file(directory: Path) -> Path:
    (file,) = directory.glob("matrix-*.json")
    file.write_text("{not json", "utf-8")
    return file


async def test_the_oldest_network_leaves_memory_first() -> None:
    provider = CountingProvider()
    cache = CachedMatrices(provider, max_entries=1)
    await cache.matrix([A, B])
    await cache.matrix([A, C])
    await cache.matrix([A, B])
    assert len(provider.calls) == 3
