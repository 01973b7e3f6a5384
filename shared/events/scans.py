"""Scans as events, version 1: barcode reads that reach kulkuri through Kafka, not HTTP.

An ILS or a scanner gateway that already speaks Kafka publishes one ``scan-recorded`` per
barcode read on ``kulkuri.scans.v1``, keyed by the scanned barcode, so one item's or crate's
scans stay in order. The transport service applies them exactly as the scans its HTTP API
takes; one it cannot apply is dead-lettered with the reason (unknown barcode, out of order).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from kulkuri.shared.events.circulation import Identifier, LibraryId
from kulkuri.shared.events.envelope import CloudEvent, EventData

ScanKindName = Literal["pulled", "packed", "loaded", "unloaded", "received"]


class ScanRecordedData(EventData):
    kind: ScanKindName = Field(
        description="pulled (item from shelf), packed (item into crate), loaded (crate onto"
        " van run), unloaded (crate off van), received (item in at its destination)."
    )
    barcode: Identifier = Field(description="The item's barcode, or the crate's for crate scans.")
    library: LibraryId = Field(description="Where the scan happened.")
    crate_id: Identifier | None = Field(default=None, description="packed: the crate.")
    van_run: Identifier | None = Field(default=None, description="loaded: the van run.")
    scanned_at: AwareDatetime


class ScanRecorded(CloudEvent):
    TYPE: ClassVar[str] = "kulkuri.scans.scan-recorded.v1"
    VERSION: ClassVar[int] = 1
    type: Literal["kulkuri.scans.scan-recorded.v1"]
    data: ScanRecordedData

    def partition_key(self) -> bytes:
        return self.data.barcode.encode()


SCAN_EVENTS: tuple[type[CloudEvent], ...] = (ScanRecorded,)
