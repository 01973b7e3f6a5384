"""Travel matrices kept per network, so a day's plan asks the table service once.

The key is the provider's ``identity`` (its kind and settings) and the network's place
coordinates, sorted and rounded to 1e-6 degrees (about 0.1 m): the same libraries asked in
another order, or with a duplicated coordinate, reuse one entry, permuted to the order asked.
Entries live in memory (the most recent ``max_entries``) and, given ``directory``, as JSON
files named by the key's SHA-256, so a restarted service does not ask again. A file that
cannot be read or belongs to another key (a hash collision, a hand edit) is ignored and
replaced.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from kulkuri.routing.domain.problem import Matrix

log = logging.getLogger(__name__)

Coordinate = tuple[float, float]


class _Provider(Protocol):
    @property
    def identity(self) -> str: ...

    async def matrix(self, places: Sequence[Coordinate]) -> Matrix: ...


def _rounded(place: Coordinate) -> Coordinate:
    return (round(place[0], 6), round(place[1], 6))


def cache_key(identity: str, places: Sequence[Coordinate]) -> str:
    """The provider and the set of places; independent of their order."""
    unique = sorted({_rounded(p) for p in places})
    text = ";".join(f"{lat:.6f},{lon:.6f}" for lat, lon in unique)
    return hashlib.sha256(f"{identity}|{text}".encode()).hexdigest()


@dataclass
class CachedMatrices:
    """A ``MatrixProvider`` that asks ``provider`` once per network."""

    provider: _Provider
    directory: Path | None = None
    max_entries: int = 8  # a few networks' worth: Finland's matrix is about 8 MB in memory
    _memory: OrderedDict[str, Matrix] = field(default_factory=OrderedDict, repr=False)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict, repr=False)

    @property
    def identity(self) -> str:
        return self.provider.identity

    async def matrix(self, places: Sequence[Coordinate]) -> Matrix:
        unique = sorted({_rounded(p) for p in places})
        key = cache_key(self.provider.identity, unique)
        # Two plans of one network at once wait for one request rather than send two.
        async with self._locks.setdefault(key, asyncio.Lock()):
            full = await self._lookup(key, unique)
        position = {p: i for i, p in enumerate(unique)}
        return _select(full, [position[_rounded(p)] for p in places])

    async def _lookup(self, key: str, unique: list[Coordinate]) -> Matrix:
        if key in self._memory:
            self._memory.move_to_end(key)
            return self._memory[key]
        found = await asyncio.to_thread(self._read, key, unique) if self.directory else None
        if found is None:
            found = await self.provider.matrix(unique)
            if self.directory:
                await asyncio.to_thread(self._write, key, unique, found)
        self._memory[key] = found
        while len(self._memory) > self.max_entries:
            self._memory.popitem(last=False)
        return found

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / f"matrix-{key}.json"

    def _read(self, key: str, unique: list[Coordinate]) -> Matrix | None:
        path = self._path(key)
        try:
            data: dict[str, Any] = json.loads(path.read_text("utf-8"))
            if (
                data["identity"] != self.provider.identity
                or [tuple(p) for p in data["places"]] != unique
            ):
                log.warning("matrix cache %s belongs to another network; replacing it", path)
                return None
            return Matrix(
                distance_m=tuple(tuple(row) for row in data["distance_m"]),
                duration_s=tuple(tuple(row) for row in data["duration_s"]),
            )
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("matrix cache %s is unreadable (%s); replacing it", path, exc)
            return None

    def _write(self, key: str, unique: list[Coordinate], matrix: Matrix) -> None:
        assert self.directory is not None
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(key)
        data = {
            "identity": self.provider.identity,
            "places": unique,
            "distance_m": matrix.distance_m,
            "duration_s": matrix.duration_s,
        }
        # Write beside, then rename: a reader never sees half a file.
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(data, separators=(",", ":")), "utf-8")
        partial.replace(path)


def _select(full: Matrix, order: list[int]) -> Matrix:
    """Rows and columns of ``full`` in ``order`` (indexes may repeat)."""
    return Matrix(
        distance_m=tuple(tuple(full.distance_m[i][j] for j in order) for i in order),
        duration_s=tuple(tuple(full.duration_s[i][j] for j in order) for i in order),
    )
