"""Shared test data: a few Lastu-like library ids, a clock, and a transfer request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kulkuri.transport.domain import TransferReason, TransferRequest

T0 = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)
LAHTI, HOLLOLA, HUB, HEINOLA = "85910", "85920", "HUB", "85930"


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def request(transfer_id: str = "i1:1", to_library: str = HOLLOLA) -> TransferRequest:
    item_id = transfer_id.rpartition(":")[0]
    return TransferRequest(
        transfer_id, item_id, "b1", LAHTI, to_library, TransferReason.HOLD, hold_id="h1"
    )
