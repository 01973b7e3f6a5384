"""Items and holds as the circulation systems report them.

This is the state the allocation rules will work on; for now it follows the circulation
events faithfully.
"""

from __future__ import annotations

from enum import StrEnum


class ItemStatus(StrEnum):
    ON_SHELF = "on_shelf"
    CHECKED_OUT = "checked_out"
    IN_TRANSIT = "in_transit"
    ON_HOLD_SHELF = "on_hold_shelf"
    MISSING = "missing"
    WITHDRAWN = "withdrawn"


class HoldStatus(StrEnum):
    """A hold's life: waiting -> assigned | in_transit -> ready -> collected, or closed early.

    ``assigned``: a copy on the pickup library's own shelf is on the pull list; ``in_transit``:
    a copy travels to the pickup library; ``ready``: on the hold shelf. ``filled`` is the
    repository's older word for a collected hold; the allocation domain never uses it.
    """

    WAITING = "waiting"
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    ASSIGNED = "assigned"
    IN_TRANSIT = "in_transit"
    READY = "ready"
    COLLECTED = "collected"


class UnknownLibrary(Exception):
    def __init__(self, library_id: str) -> None:
        super().__init__(f"library {library_id!r} is not a member of this consortium")
        self.library_id = library_id
