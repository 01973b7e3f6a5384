"""What people read: a library's lists for a service day, and crate labels, as plain data.

The pull list (copies to take from the shelf), the packing list (crates and their contents),
the receiving list (what should arrive, and copies that stay here to be scanned in) and the
crate label. The HTTP API returns
``to_json()``; ``adapters.printing`` renders the same views as printable pages. Library names
travel with the ids because people read names and scanners read ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from enum import Enum
from typing import Any

from kulkuri.transport.domain import Crate

JsonDict = dict[str, Any]


def _plain(value: object) -> Any:
    # Dates as ISO strings, enums as their values, tuples as lists: what a JSON encoder takes.
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return value


class _Json:
    def to_json(self) -> JsonDict:
        plain: JsonDict = _plain(self)
        return plain


@dataclass(frozen=True)
class PullLine(_Json):
    item_id: str
    bib_id: str
    transfer_id: str
    to_library: str
    to_library_name: str
    reason: str  # hold, return_to_owner, rebalance
    shelf_location: str | None = None  # call number or shelf, if the catalogue knows it
    hold_id: str | None = None


@dataclass(frozen=True)
class PullListView(_Json):
    library_id: str
    library_name: str
    day: date
    lines: tuple[PullLine, ...] = ()


@dataclass(frozen=True)
class PackedItem(_Json):
    item_id: str
    bib_id: str
    transfer_id: str
    to_library: str
    to_library_name: str


@dataclass(frozen=True)
class PackedCrate(_Json):
    crate_id: str
    next_stop: str
    next_stop_name: str
    final_destination: str | None  # None for a mixed crate for the hub
    capacity: int
    lines: tuple[PackedItem, ...] = ()
    final_destination_name: str | None = None


@dataclass(frozen=True)
class PackingListView(_Json):
    library_id: str
    library_name: str
    day: date
    crates: tuple[PackedCrate, ...] = ()


@dataclass(frozen=True)
class ReceivingLine(_Json):
    item_id: str
    bib_id: str
    transfer_id: str
    from_library: str
    from_library_name: str
    crate_id: str | None
    van_run: str | None
    status: str  # the transfer's status now
    expected: date | None  # the day, or the van's planned arrival (a datetime); None: unknown
    # Sent back here before it left (requested, pulled or packed here): no van brings it;
    # staff take it from the shelf or out of its crate and scan it received.
    stays_here: bool = False


@dataclass(frozen=True)
class ReceivingListView(_Json):
    library_id: str
    library_name: str
    day: date
    lines: tuple[ReceivingLine, ...] = ()


@dataclass(frozen=True)
class CrateLabelView(_Json):
    crate_id: str  # printed as the barcode
    origin: str
    destination: str
    destination_name: str
    next_stop: str  # the hub when the crate travels via it; else the destination
    route_code: str | None  # None: not routed yet
    stop_code: str | None
    service_day: date
    item_count: int
    capacity: int
    next_stop_name: str | None = None

    @property
    def via_hub(self) -> bool:
        return self.next_stop != self.destination

    @classmethod
    def for_crate(
        cls,
        crate: Crate,
        names: Mapping[str, str],
        route_code: str | None = None,
        stop_code: str | None = None,
    ) -> CrateLabelView:
        """The label of ``crate``; ``names`` maps library ids to names (ids stand in)."""
        return cls(
            crate_id=crate.crate_id,
            origin=crate.origin,
            destination=crate.destination,
            destination_name=names.get(crate.destination, crate.destination),
            next_stop=crate.next_stop,
            route_code=route_code,
            stop_code=stop_code,
            service_day=crate.service_day,
            item_count=crate.count,
            capacity=crate.capacity,
            next_stop_name=names.get(crate.next_stop, crate.next_stop),
        )
