"""Items and holds as the circulation systems report them.

This is the state the allocation rules will work on; for now it follows the circulation
events faithfully and knows which libraries belong to the consortium.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class ItemStatus(StrEnum):
    ON_SHELF = "on_shelf"
    CHECKED_OUT = "checked_out"
    IN_TRANSIT = "in_transit"
    ON_HOLD_SHELF = "on_hold_shelf"
    MISSING = "missing"
    WITHDRAWN = "withdrawn"


class HoldStatus(StrEnum):
    WAITING = "waiting"
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class UnknownLibrary(Exception):
    def __init__(self, library_id: str) -> None:
        super().__init__(f"library {library_id!r} is not a member of this consortium")
        self.library_id = library_id


@dataclass(frozen=True)
class Consortium:
    """The member libraries whose events this service accepts."""

    name: str
    library_ids: frozenset[str]

    @classmethod
    def of(cls, name: str, library_ids: Iterable[str]) -> Consortium:
        return cls(name=name, library_ids=frozenset(library_ids))

    def require_member(self, *library_ids: str) -> None:
        for library_id in library_ids:
            if library_id not in self.library_ids:
                raise UnknownLibrary(library_id)
