"""Scans: what staff and drivers report with their barcode readers, applied to transfers and
crates.

A scan names an item (pulled, packed, received) or a crate (loaded, unloaded). Each scan is
applied in a unit of work of its own, so that a rejected scan in a batch leaves no trace
in memory or in the database while the batch's other scans go through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kulkuri.transport.domain import IllegalTransition, Transfer, TransferStatus
from kulkuri.transport.domain.crates import Crate, CrateStatus
from kulkuri.transport.domain.errors import IllegalCrateTransition
from kulkuri.transport.service_layer.legs_policy import Legs
from kulkuri.transport.service_layer.rejections import MissingScanField, UnknownCrate
from kulkuri.transport.service_layer.unit_of_work import TransportUnitOfWork


class ScanKind(StrEnum):
    PULLED = "pulled"  # item taken from the shelf
    PACKED = "packed"  # item into a crate
    LOADED = "loaded"  # crate onto a van run
    UNLOADED = "unloaded"  # crate off the van at a stop
    RECEIVED = "received"  # item scanned in at its destination


CRATE_SCANS = frozenset({ScanKind.LOADED, ScanKind.UNLOADED})


@dataclass(frozen=True)
class Scan:
    kind: ScanKind
    barcode: str  # an item id, or a crate id for crate scans
    library: str  # where the scan happened
    at: datetime
    crate_id: str | None = None  # packed: the crate the item goes into
    van_run: str | None = None  # loaded: the run the crate goes onto


async def apply_scan(uow: TransportUnitOfWork, scan: Scan, legs: Legs) -> list[Transfer]:
    """Apply one scan; returns the transfers it moved. Raises ``RejectedCommand``."""
    if scan.kind in CRATE_SCANS:
        return await _crate_scan(uow, scan)
    ledger = await uow.transfers.load(item_ids=[scan.barcode])
    transfer = ledger.active_for(scan.barcode)
    if scan.kind is ScanKind.PULLED:
        ledger.pull(transfer.transfer_id, scan.at, scan.library)
    elif scan.kind is ScanKind.PACKED:
        await _pack(uow, transfer, scan, legs)
    else:
        left, stood = transfer.crate_id, transfer.stays_put
        ledger.receive(transfer.transfer_id, scan.at, scan.library)
        if stood:
            await _take_out(uow, left, transfer.transfer_id)
        else:
            await _empty_if_done(uow, left, scan.at)
    return [transfer]


async def _pack(uow: TransportUnitOfWork, transfer: Transfer, scan: Scan, legs: Legs) -> None:
    if scan.crate_id is None:
        raise MissingScanField(scan.kind, scan.barcode, "crate_id")
    crate = await _crate(uow, scan.crate_id, scan.library, "packing")
    if transfer.location != scan.library:
        raise IllegalTransition(
            transfer.transfer_id,
            f"at {transfer.location}",
            "packing",
            f"a scan at {transfer.location}",
        )
    left = transfer.crate_id  # repacked at a hub: it leaves the crate it came in
    stop, destination = legs.stop_for(transfer), legs.crate_destination_for(transfer)
    # The transfer's own refusal (a copy at its destination is received, not packed) says
    # more than the crate's; a refused scan is rolled back whole either way.
    uow.ledger.pack(transfer.transfer_id, crate.crate_id, scan.at)
    crate.add(transfer.transfer_id, stop, destination)
    await _empty_if_done(uow, left, scan.at)


async def _crate_scan(uow: TransportUnitOfWork, scan: Scan) -> list[Transfer]:
    action = "loading" if scan.kind is ScanKind.LOADED else "unloading"
    crate = await _crate(uow, scan.barcode, None, action)
    ledger = await uow.transfers.load(transfer_ids=crate.manifest)
    inside = [
        t for tid in crate.manifest if (t := ledger.transfers[tid]).crate_id == crate.crate_id
    ]
    inside = [t for t in inside if t.is_open]
    if scan.kind is ScanKind.LOADED:
        if scan.van_run is None:
            raise MissingScanField(scan.kind, scan.barcode, "van_run")
        _require_at(crate, scan.library, action)
        if crate.status is CrateStatus.OPEN and crate.manifest:
            crate.seal(scan.at)  # loading closes the crate
        crate.load(scan.van_run, scan.at)
        for transfer in inside:
            ledger.load(transfer.transfer_id, scan.van_run, scan.at)
    else:
        crate.unload(scan.library, scan.at)
        for transfer in inside:
            ledger.unload(transfer.transfer_id, scan.at, scan.library)
    return inside


async def _crate(
    uow: TransportUnitOfWork, crate_id: str, library: str | None, action: str
) -> Crate:
    crate = (await uow.crates.get([crate_id])).get(crate_id)
    if crate is None:
        raise UnknownCrate(crate_id)
    if library is not None:
        _require_at(crate, library, action)
    return crate


def _require_at(crate: Crate, library: str, action: str) -> None:
    if crate.location != library:
        raise IllegalCrateTransition(
            crate.crate_id, f"at {crate.location}", action, f"a scan at {crate.location}"
        )


async def _take_out(uow: TransportUnitOfWork, crate_id: str | None, transfer_id: str) -> None:
    """A copy received where it stood leaves the crate it was packed in, which no van has
    taken: the crate's manifest no longer lists it, and a driver loads the crate without it."""
    if crate_id is None:
        return
    crate = (await uow.crates.get([crate_id])).get(crate_id)
    if crate is not None and crate.status is CrateStatus.OPEN:
        crate.remove(transfer_id)


async def _empty_if_done(uow: TransportUnitOfWork, crate_id: str | None, at: datetime) -> None:
    """A crate unloaded where its copies leave it is emptied once the last one has left."""
    if crate_id is None:
        return
    crate = (await uow.crates.get([crate_id])).get(crate_id)
    if crate is None or crate.status is not CrateStatus.UNLOADED:
        return
    ledger = await uow.transfers.load(transfer_ids=crate.manifest)
    still_inside = any(
        t.is_open and t.crate_id == crate_id and t.status is TransferStatus.UNLOADED
        for tid in crate.manifest
        if (t := ledger.transfers.get(tid)) is not None
    )
    if not still_inside:
        crate.empty(at)
