"""Transfers are created idempotently, and one copy's transfers run one after another."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from kulkuri.transport.domain import (
    ConflictingRequest,
    IllegalTransition,
    NoOpenTransfer,
    TransferActivated,
    TransferQueued,
    TransferStatus,
    TransportLedger,
    UnknownTransfer,
)
from tests.unit.transport.transfers import HEINOLA, HOLLOLA, LAHTI, T0, at, request


def deliver(ledger: TransportLedger, transfer_id: str, to_library: str = HOLLOLA) -> None:
    ledger.pull(transfer_id, at(1), LAHTI)
    ledger.pack(transfer_id, "crate-1", at(2))
    ledger.load(transfer_id, "run-1", at(3))
    ledger.unload(transfer_id, at(4), to_library)
    ledger.receive(transfer_id, at(5), to_library)


def test_requesting_the_same_transfer_again_changes_nothing() -> None:
    ledger = TransportLedger()
    first = ledger.request(request(), T0)
    ledger.pull("i1:1", at(1), LAHTI)
    before = copy.deepcopy(ledger)

    again = ledger.request(request(), at(2))

    assert again is first
    assert ledger == before


def test_requesting_a_transfer_id_again_with_other_details_is_rejected() -> None:
    ledger = TransportLedger()
    ledger.request(request(), T0)

    with pytest.raises(ConflictingRequest, match="other to_library") as error:
        ledger.request(dataclasses.replace(request(), to_library=HEINOLA), at(1))

    assert error.value.differences == ["to_library"]
    assert ledger.get("i1:1").to_library == HOLLOLA


def test_a_second_transfer_for_an_item_in_transit_waits_behind_the_first() -> None:
    ledger = TransportLedger()
    ledger.request(request("i1:1"), T0)
    ledger.pull("i1:1", at(1), LAHTI)

    second = ledger.request(request("i1:2", to_library=HEINOLA), at(2))

    assert second.status is TransferStatus.WAITING
    assert ledger.get("i1:1").status is TransferStatus.PULLED
    assert ledger.active_for("i1").transfer_id == "i1:1"
    assert ledger.decisions == [TransferQueued("i1:2", "i1", behind="i1:1")]
    with pytest.raises(IllegalTransition, match="expected transfer i1:1 of the same item to end"):
        ledger.pull("i1:2", at(3), LAHTI)


@pytest.mark.parametrize("ending", ["received", "cancelled", "missing"])
def test_the_waiting_transfer_becomes_active_when_the_first_ends(ending: str) -> None:
    ledger = TransportLedger()
    ledger.request(request("i1:1"), T0)
    ledger.request(request("i1:2", to_library=HEINOLA), at(1))

    if ending == "received":
        deliver(ledger, "i1:1")
    elif ending == "cancelled":
        ledger.cancel("i1:1", "checked_out", at(5))
    else:
        ledger.mark_missing("i1:1", at(5))

    second = ledger.get("i1:2")
    assert second.status is TransferStatus.REQUESTED
    assert second.history[-1].detail == "active after i1:1 ended"
    assert ledger.active_for("i1") is second
    assert ledger.decisions[-1] == TransferActivated("i1:2", "i1", after="i1:1")


def test_a_third_transfer_waits_behind_the_one_that_becomes_active() -> None:
    ledger = TransportLedger()
    for n in (1, 2, 3):
        ledger.request(request(f"i1:{n}"), at(n))

    ledger.cancel("i1:1", "withdrawn", at(5))

    assert ledger.get("i1:2").status is TransferStatus.REQUESTED
    assert ledger.get("i1:3").waiting_behind == "i1:2"
    assert [t.transfer_id for t in ledger.waiting_for("i1")] == ["i1:3"]


def test_cancelling_a_waiting_transfer_leaves_the_active_one_alone() -> None:
    ledger = TransportLedger()
    ledger.request(request("i1:1"), T0)
    ledger.request(request("i1:2"), at(1))

    ledger.cancel("i1:2", "reassigned", at(2))

    assert ledger.active_for("i1").status is TransferStatus.REQUESTED
    assert ledger.waiting_for("i1") == []
    assert not any(isinstance(d, TransferActivated) for d in ledger.decisions)


def test_a_scan_of_an_unknown_transfer_or_item_is_rejected() -> None:
    ledger = TransportLedger()
    ledger.request(request(), T0)
    deliver(ledger, "i1:1")

    with pytest.raises(UnknownTransfer, match="no transfer 'i9:1'"):
        ledger.pull("i9:1", at(6), LAHTI)
    with pytest.raises(NoOpenTransfer, match="expected a scan of an item in transit"):
        ledger.active_for("i1")
