"""A copy unloaded at a hub may be packed into another crate there; a copy unloaded at its
destination may not: it is received."""

from __future__ import annotations

import copy

import pytest

from kulkuri.transport.domain import IllegalTransition, Transfer, TransferStatus
from tests.unit.transport.transfers import HOLLOLA, HUB, LAHTI, T0, at, request


def unloaded_at(library: str) -> Transfer:
    transfer = Transfer.create(request(), T0, behind=None)
    transfer.pull(at(1), LAHTI)
    transfer.pack("K-85910-20260803-0001", at(2))
    transfer.load("run-1", at(3))
    transfer.unload(at(4), library)
    return transfer


def test_a_copy_unloaded_at_the_hub_is_packed_again_into_another_crate() -> None:
    transfer = unloaded_at(HUB)

    transfer.pack("K-HUB-20260803-0003", at(5))

    assert transfer.status is TransferStatus.PACKED
    assert transfer.crate_id == "K-HUB-20260803-0003"
    assert (transfer.history[-1].where, transfer.history[-1].detail) == (
        HUB,
        "crate K-HUB-20260803-0003",
    )


def test_the_whole_journey_via_a_hub_with_repacking_ends_received() -> None:
    transfer = unloaded_at(HUB)

    transfer.pack("K-HUB-20260803-0003", at(5))
    transfer.load("run-2", at(6))
    transfer.unload(at(7), HOLLOLA)
    transfer.receive(at(8), HOLLOLA)

    assert [step.status for step in transfer.history] == [
        TransferStatus.REQUESTED,
        TransferStatus.PULLED,
        TransferStatus.PACKED,
        TransferStatus.LOADED,
        TransferStatus.UNLOADED,
        TransferStatus.PACKED,
        TransferStatus.LOADED,
        TransferStatus.UNLOADED,
        TransferStatus.RECEIVED,
    ]
    assert (transfer.crate_id, transfer.van_run) == ("K-HUB-20260803-0003", "run-2")


def test_a_copy_unloaded_at_its_destination_cannot_be_packed_again() -> None:
    transfer = unloaded_at(HOLLOLA)
    before = copy.deepcopy(transfer)

    with pytest.raises(IllegalTransition) as error:
        transfer.pack("K-85920-20260803-0001", at(5))

    assert str(error.value) == (
        "transfer i1:1 is unloaded at its destination; expected a receive before packing"
    )
    assert transfer == before


def test_a_copy_on_the_van_cannot_be_packed() -> None:
    transfer = unloaded_at(HUB)
    transfer.load("run-2", at(5))

    with pytest.raises(IllegalTransition, match="expected a pull from the shelf or an unload"):
        transfer.pack("K-HUB-20260803-0003", at(6))


def test_a_copy_retargeted_to_the_hub_it_was_unloaded_at_is_received_not_repacked() -> None:
    transfer = unloaded_at(HUB)
    transfer.retarget(HUB, at(5))

    with pytest.raises(IllegalTransition, match="expected a receive before packing"):
        transfer.pack("K-HUB-20260803-0003", at(6))
    transfer.receive(at(6), HUB)
