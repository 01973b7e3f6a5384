"""A ``Title``'s copies and holds as rows of ``holds.items`` and ``holds.holds``, and back.

The rows are tuples in the column order below, which is also the order of the arrays
``TitleRepository.save`` unnests; the repository compares them with what it last read or
wrote to find what changed. A hold's ``history`` is a tuple of (status, time) pairs here and
JSON in the table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import orjson

from kulkuri.holds.domain.decisions import TransferReason
from kulkuri.holds.domain.entities import CLOSED_HOLD, Hold, Item
from kulkuri.holds.domain.model import HoldStatus, ItemStatus

# The columns in the order of the rows below (and of the unnest arrays).
ITEM_COLUMNS = (
    "item_id",
    "bib_id",
    "ordinal",
    "owning_library",
    "collection",
    "format",
    "current_library",
    "status",
    "last_returned_at",
    "hold_id",
    "destination",
    "transfer_id",
    "transfer_reason",
    "transfers",
)
ITEM_TYPES = (
    "text",
    "text",
    "int4",
    "text",
    "text",
    "text",
    "text",
    "text",
    "timestamptz",
    "text",
    "text",
    "text",
    "text",
    "int4",
)
# ``ordinal`` is no part of a hold's row: it comes from a sequence on the first write.
HOLD_COLUMNS = (
    "hold_id",
    "bib_id",
    "pickup_library",
    "placed_at",
    "expires_at",
    "status",
    "item_id",
    "history",
    "passed_through",
    "status_since",
)
HOLD_TYPES = (
    "text",
    "text",
    "text",
    "timestamptz",
    "timestamptz",
    "text",
    "text",
    "jsonb",
    "bool",
    "timestamptz",
)
OPEN_HOLD_STATUSES = [
    status.value for status in HoldStatus if status not in CLOSED_HOLD | {HoldStatus.FILLED}
]
_ITEM_STATUS = {status.value: status for status in ItemStatus}
_HOLD_STATUS = {status.value: status for status in HoldStatus}
_REASON = {reason.value: reason for reason in TransferReason}

ItemRow = tuple[Any, ...]
HoldRow = tuple[Any, ...]


def check_aware(at: datetime | None, entity: str) -> None:
    if at is not None and at.tzinfo is None:
        raise ValueError(f"{entity}: naive datetime {at.isoformat()} (times must be tz-aware)")


def item_row(bib_id: str, ordinal: int, item: Item) -> ItemRow:
    return (
        item.item_id,
        bib_id,
        ordinal,
        item.owning_library,
        item.collection,
        item.format,
        item.current_library,
        item.status,
        item.last_returned_at,
        item.hold_id,
        item.destination,
        item.transfer_id,
        item.transfer_reason,
        item.transfers,
    )


def hold_row(bib_id: str, hold: Hold) -> HoldRow:
    """Without status_since; ``history`` as a tuple of (status, at) pairs."""
    return (
        hold.hold_id,
        bib_id,
        hold.pickup_library,
        hold.placed_at,
        hold.expires_at,
        hold.status,
        hold.item_id,
        tuple(hold.history),
        hold.passed_through,
    )


def item_from_row(row: asyncpg.Record) -> Item:
    reason = row[12]
    return Item(
        item_id=row[0],
        owning_library=row[3],
        collection=row[4],
        format=row[5],
        current_library=row[6],
        status=_ITEM_STATUS.get(row[7]) or ItemStatus(row[7]),
        last_returned_at=row[8],
        hold_id=row[9],
        destination=row[10],
        transfer_id=row[11],
        transfer_reason=None if reason is None else (_REASON.get(reason) or TransferReason(reason)),
        transfers=row[13],
    )


def hold_status(value: str) -> HoldStatus:
    return _HOLD_STATUS.get(value) or HoldStatus(value)


def history_from_json(raw: str) -> list[tuple[HoldStatus, datetime]]:
    return [(hold_status(status), datetime.fromisoformat(at)) for status, at in orjson.loads(raw)]


def hold_from_row(row: asyncpg.Record) -> tuple[Hold, bool]:
    """The hold of a row, and whether it was written with 0001's columns only."""
    raw, status = row[7], hold_status(row[5])
    legacy = raw == "[]"
    if legacy:
        history = [(HoldStatus.WAITING, row[3])]
        if status is HoldStatus.FILLED:
            status = HoldStatus.COLLECTED
        if status is not HoldStatus.WAITING:
            history.append((status, row[9]))
    else:
        history = history_from_json(raw)
    hold = Hold(
        hold_id=row[0],
        pickup_library=row[2],
        placed_at=row[3],
        expires_at=row[4],
        status=status,
        item_id=row[6],
        history=history,
        passed_through=row[8],
    )
    return hold, legacy
