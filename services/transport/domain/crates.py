"""A crate of copies on one van leg: the ``Crate`` aggregate and its lifecycle.

    open -> sealed -> loaded -> unloaded -> emptied
                        ^          |
                        +----------+  (carried whole via a hub)

A crate is packed at ``origin`` for ``next_stop``. Packed by destination, it knows its
``final_destination`` and is carried whole via the hub: unloaded there, it turns towards its
destination and is loaded again. A mixed crate for the hub (``final_destination`` None) ends
at the hub, which empties it and packs the copies again. The ``manifest`` lists the crate's
transfers in packing order. Each method checks first and changes after; status changes append
a ``CrateStep`` to ``history``.

The crate id is the value printed as the label's barcode: Code 128 prints printable ASCII, so
``new_crate_id`` and ``Crate`` accept nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from kulkuri.transport.domain.errors import (
    CrateFull,
    IllegalCrateTransition,
    InvalidCrate,
    ManifestMismatch,
    WrongCrate,
)


class CrateStatus(StrEnum):
    OPEN = "open"  # being packed
    SEALED = "sealed"  # packed, waiting for the van
    LOADED = "loaded"  # on a van run
    UNLOADED = "unloaded"  # off the van at a hub or at its destination
    EMPTIED = "emptied"  # its copies taken out; the crate record ends here


def new_crate_id(origin: str, service_day: date, sequence: int) -> str:
    """The day's ``sequence``-th crate packed at ``origin``: ``K-85033-20261124-0007``."""
    crate_id = f"K-{origin}-{service_day:%Y%m%d}-{sequence:04d}"
    if sequence < 1:
        raise InvalidCrate(crate_id, "expected a sequence number from 1")
    _require_printable(crate_id)
    return crate_id


def _require_printable(crate_id: str) -> None:
    # Printable ASCII without spaces: every Code 128 scanner reads it back the same.
    if not crate_id or not all("!" <= char <= "~" for char in crate_id):
        raise InvalidCrate(crate_id, "expected printable ASCII without spaces for the barcode")


@dataclass(frozen=True)
class CrateStep:
    """One entry of a crate's history: the status it reached, when, where, and how."""

    status: CrateStatus
    at: datetime
    where: str | None = None  # a library id
    detail: str = ""


@dataclass
class Crate:
    crate_id: str
    origin: str  # the library that packed it
    next_stop: str  # where its next van leg goes: the destination or the hub
    final_destination: str | None  # None for a mixed crate for the hub
    service_day: date
    capacity: int  # items
    status: CrateStatus = CrateStatus.OPEN
    manifest: list[str] = field(default_factory=list)  # transfer ids, in packing order
    van_run: str | None = None
    location: str | None = None  # the library where it was last seen
    history: list[CrateStep] = field(default_factory=list)

    def __post_init__(self) -> None:
        _require_printable(self.crate_id)
        if self.capacity < 1:
            raise InvalidCrate(self.crate_id, f"capacity {self.capacity}; expected at least 1")

    @classmethod
    def open(
        cls,
        crate_id: str,
        origin: str,
        next_stop: str,
        final_destination: str | None,
        service_day: date,
        capacity: int,
        at: datetime,
    ) -> Crate:
        return cls(
            crate_id=crate_id,
            origin=origin,
            next_stop=next_stop,
            final_destination=final_destination,
            service_day=service_day,
            capacity=capacity,
            location=origin,
            history=[CrateStep(CrateStatus.OPEN, at, origin, f"opened for {next_stop}")],
        )

    @property
    def destination(self) -> str:
        """Where the crate ends: its final destination, or the hub for a mixed crate."""
        return self.final_destination if self.final_destination is not None else self.next_stop

    @property
    def count(self) -> int:
        return len(self.manifest)

    @property
    def room(self) -> int:
        return self.capacity - len(self.manifest)

    @property
    def is_full(self) -> bool:
        return self.room <= 0

    def add(self, transfer_id: str, next_stop: str, destination: str | None = None) -> None:
        """Pack a copy whose next van leg goes to ``next_stop``.

        ``destination`` is the copy's final destination; a crate packed for one destination
        takes no other, so callers that know it should pass it.
        """
        self._require({CrateStatus.OPEN}, "adding", "an open crate")
        if transfer_id in self.manifest:
            raise ManifestMismatch(self.crate_id, transfer_id, "is in it already", "a new copy")
        if next_stop != self.next_stop:
            raise WrongCrate(self.crate_id, self.next_stop, next_stop)
        packed_for = self.final_destination
        if packed_for is not None and destination not in (None, packed_for):
            raise WrongCrate(self.crate_id, packed_for, str(destination))
        if self.is_full:
            raise CrateFull(self.crate_id, self.capacity)
        self.manifest.append(transfer_id)

    def remove(self, transfer_id: str) -> None:
        self._require({CrateStatus.OPEN}, "removing", "an open crate")
        if transfer_id not in self.manifest:
            expected = "a copy from its manifest"
            raise ManifestMismatch(self.crate_id, transfer_id, "is not in it", expected)
        self.manifest.remove(transfer_id)

    def seal(self, at: datetime) -> None:
        self._require({CrateStatus.OPEN}, "sealing", "an open crate")
        if not self.manifest:
            raise IllegalCrateTransition(self.crate_id, "empty", "sealing", "a copy in it")
        self._step(CrateStatus.SEALED, at, self.location, f"sealed with {self.count} items")

    def load(self, run_id: str, at: datetime) -> None:
        if self.status is CrateStatus.UNLOADED and self.location == self.destination:
            where = f"unloaded at its destination {self.destination}"
            raise IllegalCrateTransition(self.crate_id, where, "loading", "emptying")
        allowed = {CrateStatus.SEALED, CrateStatus.UNLOADED}
        self._require(allowed, "loading", "sealing, or an unload on the way")
        self.van_run = run_id
        self._step(CrateStatus.LOADED, at, self.location, f"van run {run_id} to {self.next_stop}")

    def unload(self, library: str, at: datetime) -> None:
        """Off the van at ``library``; at the hub a crate carried whole turns to its destination."""
        self._require({CrateStatus.LOADED}, "unloading", "a load onto a van run")
        if library == self.next_stop:
            self.next_stop = self.destination
        self._step(CrateStatus.UNLOADED, at, library, f"off van run {self.van_run}")

    def empty(self, at: datetime) -> None:
        """Its copies are taken out: received at the destination, or repacked at a hub."""
        self._require({CrateStatus.UNLOADED}, "emptying", "an unload")
        self._step(CrateStatus.EMPTIED, at, self.location, f"emptied of {self.count} items")

    def _require(self, allowed: set[CrateStatus], action: str, expected: str) -> None:
        if self.status not in allowed:
            raise IllegalCrateTransition(self.crate_id, self.status, action, expected)

    def _step(self, status: CrateStatus, at: datetime, where: str | None, detail: str) -> None:
        self.status = status
        self.location = where
        self.history.append(CrateStep(status, at, where, detail))
