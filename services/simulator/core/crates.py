"""The crates the simulated staff packed, as they and the drivers know them: where each one
is, where its copies go, and which van carries it.

The transport service keeps the authoritative record; this book follows the scans the
simulator made and the transport service accepted, which is what a person holding the crate
would know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class CrateStatus(StrEnum):
    PACKED = "packed"  # at ``location``, waiting for a van
    LOADED = "loaded"  # on ``van_run``
    UNLOADED = "unloaded"  # off the van at ``location``
    DONE = "done"  # its copies were received at their destination


@dataclass(frozen=True)
class TransferInfo:
    transfer_id: str
    item_id: str
    to_library: str
    for_hold: bool


@dataclass
class CrateState:
    crate_id: str
    location: str | None
    transfers: list[str] = field(default_factory=list)
    status: CrateStatus = CrateStatus.PACKED
    van_run: str | None = None
    destination: str | None = None  # where its copies go; None: several places (a hub crate)
    for_holds: bool = False

    @property
    def waiting(self) -> bool:
        """At a library, for a van: packed, or unloaded short of its destination."""
        if self.status is CrateStatus.PACKED:
            return True
        return self.status is CrateStatus.UNLOADED and self.location != self.destination


class CrateBook:
    def __init__(self) -> None:
        self.crates: dict[str, CrateState] = {}
        self.transfers: dict[str, TransferInfo] = {}
        self.crate_of: dict[str, str] = {}  # transfer id -> the crate it is in

    def know_transfer(self, info: TransferInfo) -> None:
        self.transfers[info.transfer_id] = info

    def retarget(self, transfer_id: str, to_library: str) -> None:
        info = self.transfers.get(transfer_id)
        if info is not None:
            self.transfers[transfer_id] = TransferInfo(
                info.transfer_id, info.item_id, to_library, info.for_hold
            )
            for crate in self.crates.values():
                if transfer_id in crate.transfers:
                    self._describe(crate)

    def packed(self, crate_id: str, library: str, transfer_id: str) -> None:
        """Into a crate; a copy repacked at a hub leaves the crate it came in."""
        before = self.crate_of.get(transfer_id)
        if before is not None and before != crate_id:
            old = self.crates[before]
            old.transfers.remove(transfer_id)
            if not old.transfers:
                old.status = CrateStatus.DONE
        crate = self.crates.setdefault(crate_id, CrateState(crate_id, library))
        if transfer_id not in crate.transfers:
            crate.transfers.append(transfer_id)
        self.crate_of[transfer_id] = crate_id
        self._describe(crate)

    def taken_out(self, transfer_id: str) -> None:
        """Received where it stood (sent back to the library it had not left): out of the
        crate no van has taken; a crate left empty stays behind."""
        crate_id = self.crate_of.pop(transfer_id, None)
        if crate_id is None:
            return
        crate = self.crates[crate_id]
        crate.transfers.remove(transfer_id)
        if crate.transfers:
            self._describe(crate)
        else:
            crate.status = CrateStatus.DONE

    def loaded(self, crate_id: str, van_run: str) -> None:
        crate = self.crates[crate_id]
        crate.status, crate.van_run, crate.location = CrateStatus.LOADED, van_run, None

    def unloaded(self, crate_id: str, library: str) -> None:
        crate = self.crates[crate_id]
        crate.status, crate.van_run, crate.location = CrateStatus.UNLOADED, None, library

    def emptied(self, crate_id: str) -> None:
        self.crates[crate_id].status = CrateStatus.DONE

    def waiting_at(self, library: str) -> list[CrateState]:
        """Crates at the library for a van: those with copies for holds first, then by id."""
        found = [c for c in self.crates.values() if c.location == library and c.waiting]
        return sorted(found, key=lambda c: (not c.for_holds, c.crate_id))

    def on_van(self, van_run: str) -> list[CrateState]:
        return [c for c in self.crates.values() if c.van_run == van_run]

    def arriving(self, crate: CrateState, library: str) -> list[TransferInfo]:
        """The crate's copies whose destination is ``library``."""
        infos = (self.transfers.get(t) for t in crate.transfers)
        return [info for info in infos if info is not None and info.to_library == library]

    def _describe(self, crate: CrateState) -> None:
        infos = [self.transfers[t] for t in crate.transfers if t in self.transfers]
        places = {info.to_library for info in infos}
        crate.destination = places.pop() if len(places) == 1 else None
        crate.for_holds = any(info.for_hold for info in infos)
