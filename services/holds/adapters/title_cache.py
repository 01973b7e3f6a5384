"""Titles kept in memory between batches, each with the version it was loaded or saved under.

A consumer reads the titles of its own partitions over and over; reading a title's rows
again for every batch is most of what a batch would cost. ``TitleRepository.load`` takes
a title out of the cache and uses it only if the version in the database is still the one
the cache holds (one short query per batch for all versions), and ``keep`` puts titles
back after their batch has saved them. A title is out of the cache while a batch works on
it: if the batch fails, its half-changed titles are simply never put back.

Only titles' open holds are kept: closed holds (collected, cancelled, expired) take no part
in allocation and stay in the database, where ``load`` finds one again if an event names it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from kulkuri.holds.domain.title import Title

DEFAULT_CAPACITY = 50_000

Row = tuple[Any, ...]


@dataclass
class CachedTitle:
    """A title and the database's view of it: its version and its rows as last written."""

    title: Title
    version: int | None
    items: dict[str, Row] = field(default_factory=dict)
    holds: dict[str, Row] = field(default_factory=dict)


class TitleCache:
    """The least recently used titles are dropped beyond ``capacity``."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("a title cache holds at least one title")
        self.capacity = capacity
        self._entries: OrderedDict[str, CachedTitle] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, bib_id: object) -> bool:
        return bib_id in self._entries

    def take(self, bib_ids: Collection[str]) -> dict[str, CachedTitle]:
        """Remove and return the entries of ``bib_ids`` that the cache has."""
        taken = {}
        for bib_id in bib_ids:
            entry = self._entries.pop(bib_id, None)
            if entry is not None:
                taken[bib_id] = entry
        return taken

    def put(self, entries: Iterable[CachedTitle]) -> None:
        for entry in entries:
            self._entries[entry.title.bib_id] = entry
            self._entries.move_to_end(entry.title.bib_id)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
