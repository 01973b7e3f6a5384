"""Transfers as rows of ``transport.transfers``, and back.

The first request is kept in its own columns (``requested_*``) because it never changes and
decides whether a repeated request is the same one; ``to_library``, ``reason`` and ``hold_id``
are the transfer's current ones, which re-targeting changes. The history is a JSON array.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import orjson

from kulkuri.transport.domain import (
    Step,
    Transfer,
    TransferReason,
    TransferRequest,
    TransferStatus,
)

COLUMNS = (
    "transfer_id",
    "item_id",
    "bib_id",
    "from_library",
    "requested_to",
    "requested_reason",
    "requested_hold",
    "to_library",
    "reason",
    "hold_id",
    "status",
    "waiting_behind",
    "crate_id",
    "van_run",
    "location",
    "history",
    "requested_at",
    "status_since",
    "loaded_at",
)
TYPES = (
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "jsonb",
    "timestamptz",
    "timestamptz",
    "timestamptz",
)


def transfer_row(transfer: Transfer) -> tuple[Any, ...]:
    request = transfer.request
    return (
        transfer.transfer_id,
        transfer.item_id,
        transfer.bib_id,
        request.from_library,
        request.to_library,
        request.reason.value,
        request.hold_id,
        transfer.to_library,
        transfer.reason.value,
        transfer.hold_id,
        transfer.status.value,
        transfer.waiting_behind,
        transfer.crate_id,
        transfer.van_run,
        transfer.location,
        orjson.dumps([_step_json(step) for step in transfer.history]).decode(),
        transfer.history[0].at,
        transfer.history[-1].at,
        first_loaded_at(transfer),
    )


def transfer_from_row(row: asyncpg.Record) -> Transfer:
    request = TransferRequest(
        transfer_id=row["transfer_id"],
        item_id=row["item_id"],
        bib_id=row["bib_id"],
        from_library=row["from_library"],
        to_library=row["requested_to"],
        reason=TransferReason(row["requested_reason"]),
        hold_id=row["requested_hold"],
    )
    history = row["history"]
    steps = orjson.loads(history) if isinstance(history, str) else history
    return Transfer(
        request=request,
        status=TransferStatus(row["status"]),
        to_library=row["to_library"],
        reason=TransferReason(row["reason"]),
        hold_id=row["hold_id"],
        history=[_step_from_json(step) for step in steps],
        waiting_behind=row["waiting_behind"],
        crate_id=row["crate_id"],
        van_run=row["van_run"],
        location=row["location"],
    )


def first_loaded_at(transfer: Transfer) -> datetime | None:
    """When the copy first went on a van: overdue limits count from there."""
    return next((s.at for s in transfer.history if s.status is TransferStatus.LOADED), None)


def fingerprint(transfer: Transfer) -> tuple[object, ...]:
    """What changes when a command changes a transfer (every change appends a step)."""
    return (len(transfer.history), transfer.waiting_behind)


def _step_json(step: Step) -> dict[str, Any]:
    return {
        "status": step.status.value,
        "at": step.at.isoformat(),
        "where": step.where,
        "detail": step.detail,
    }


def _step_from_json(raw: dict[str, Any]) -> Step:
    return Step(
        status=TransferStatus(raw["status"]),
        at=datetime.fromisoformat(raw["at"]),
        where=raw["where"],
        detail=raw["detail"],
    )
