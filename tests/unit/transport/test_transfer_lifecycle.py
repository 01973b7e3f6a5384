"""A transfer moves requested -> pulled -> packed -> loaded -> unloaded -> received, or ends
early (cancelled, missing); anything out of order is rejected with what was expected."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from kulkuri.transport.domain import (
    IllegalTransition,
    InvalidRequest,
    Transfer,
    TransferReason,
    TransferRequest,
    TransferStatus,
)
from tests.unit.transport.transfers import HEINOLA, HOLLOLA, HUB, LAHTI, T0, at, request


def new_transfer() -> Transfer:
    return Transfer.create(request(), T0, behind=None)


def pulled() -> Transfer:
    transfer = new_transfer()
    transfer.pull(at(1), LAHTI)
    return transfer


def packed() -> Transfer:
    transfer = pulled()
    transfer.pack("crate-7", at(2))
    return transfer


def loaded() -> Transfer:
    transfer = packed()
    transfer.load("run-3", at(3))
    return transfer


def unloaded_at_destination() -> Transfer:
    transfer = loaded()
    transfer.unload(at(4), HOLLOLA)
    return transfer


def received() -> Transfer:
    transfer = unloaded_at_destination()
    transfer.receive(at(5), HOLLOLA)
    return transfer


def test_a_transfer_goes_through_every_status_to_received() -> None:
    transfer = received()

    assert transfer.status is TransferStatus.RECEIVED
    assert [step.status for step in transfer.history] == [
        TransferStatus.REQUESTED,
        TransferStatus.PULLED,
        TransferStatus.PACKED,
        TransferStatus.LOADED,
        TransferStatus.UNLOADED,
        TransferStatus.RECEIVED,
    ]
    assert (transfer.crate_id, transfer.van_run) == ("crate-7", "run-3")
    assert transfer.history[-1].where == HOLLOLA


def test_a_copy_unloaded_at_a_hub_is_loaded_again_before_it_is_received() -> None:
    transfer = loaded()
    transfer.unload(at(4), HUB)
    with pytest.raises(IllegalTransition, match=f"expected a load onto a van run to {HOLLOLA}"):
        transfer.receive(at(5), HOLLOLA)

    transfer.load("run-9", at(6))
    transfer.unload(at(7), HOLLOLA)
    transfer.receive(at(8), HOLLOLA)

    assert transfer.status is TransferStatus.RECEIVED
    assert transfer.van_run == "run-9"


ILLEGAL: list[tuple[str, Callable[[], Transfer], Callable[[Transfer], None], str]] = [
    ("pack before pull", new_transfer, lambda t: t.pack("c", at(9)), "a pull from the shelf"),
    ("load before pack", pulled, lambda t: t.load("r", at(9)), "packing into a crate"),
    ("unload before load", packed, lambda t: t.unload(at(9), HUB), "a load onto a van run"),
    ("receive on the van", loaded, lambda t: t.receive(at(9), HOLLOLA), "an unload at the"),
    ("pull twice", pulled, lambda t: t.pull(at(9), LAHTI), "a requested transfer"),
    ("pull elsewhere", new_transfer, lambda t: t.pull(at(9), HEINOLA), f"a scan at {LAHTI}"),
    ("receive elsewhere", unloaded_at_destination, lambda t: t.receive(at(9), HUB), "a scan at"),
    ("load at destination", unloaded_at_destination, lambda t: t.load("r", at(9)), "a receive"),
    ("cancel received", received, lambda t: t.cancel("withdrawn", at(9)), "an open transfer"),
    ("retarget received", received, lambda t: t.retarget(HEINOLA, at(9)), "an open transfer"),
    (
        "missing after received",
        received,
        lambda t: t.mark_missing(at(9)),
        "a requested transfer or one on",
    ),
]


@pytest.mark.parametrize(
    ("make", "action", "expected"), [case[1:] for case in ILLEGAL], ids=[c[0] for c in ILLEGAL]
)
def test_an_illegal_transition_names_what_was_expected_and_changes_nothing(
    make: Callable[[], Transfer], action: Callable[[Transfer], None], expected: str
) -> None:
    transfer = make()
    before = copy.deepcopy(transfer)

    with pytest.raises(IllegalTransition, match="expected " + expected) as error:
        action(transfer)

    assert str(error.value).startswith("transfer i1:1 is ")
    assert transfer == before


def test_the_message_says_which_step_is_missing() -> None:
    transfer = packed()

    with pytest.raises(IllegalTransition) as error:
        transfer.unload(at(9), HUB)

    assert str(error.value) == (
        "transfer i1:1 is packed; expected a load onto a van run before unloading"
    )
    assert (error.value.status, error.value.action) == ("packed", "unloading")


def test_cancel_after_received_is_rejected() -> None:
    transfer = received()

    with pytest.raises(IllegalTransition, match="is received; expected an open transfer"):
        transfer.cancel("checked_out", at(9))

    assert transfer.status is TransferStatus.RECEIVED


@pytest.mark.parametrize("make", [new_transfer, pulled, packed, loaded, unloaded_at_destination])
def test_missing_can_be_marked_from_any_in_flight_status(make: Callable[[], Transfer]) -> None:
    transfer = make()
    steps = len(transfer.history)

    transfer.mark_missing(at(9))

    assert transfer.status is TransferStatus.MISSING
    assert len(transfer.history) == steps + 1


def test_cancelling_keeps_the_reason_in_the_history() -> None:
    transfer = loaded()

    transfer.cancel("withdrawn", at(9))

    assert transfer.status is TransferStatus.CANCELLED
    assert transfer.history[-1].detail == "cancelled: withdrawn"


def test_retargeting_changes_the_destination_and_keeps_the_history() -> None:
    transfer = loaded()
    history = list(transfer.history)

    transfer.retarget(HEINOLA, at(9), reason=TransferReason.RETURN_TO_OWNER)

    assert transfer.to_library == HEINOLA
    assert transfer.request.to_library == HOLLOLA
    assert (transfer.reason, transfer.hold_id) == (TransferReason.RETURN_TO_OWNER, None)
    assert transfer.status is TransferStatus.LOADED
    assert transfer.history[: len(history)] == history
    assert transfer.history[-1].detail == f"re-targeted from {HOLLOLA} to {HEINOLA}"
    transfer.unload(at(10), HEINOLA)
    transfer.receive(at(11), HEINOLA)
    assert transfer.history[-1].status is TransferStatus.RECEIVED


def test_a_copy_unloaded_at_its_old_destination_travels_on_after_retargeting() -> None:
    transfer = unloaded_at_destination()

    transfer.retarget(HEINOLA, at(9))

    with pytest.raises(IllegalTransition, match=f"expected a load onto a van run to {HEINOLA}"):
        transfer.receive(at(10), HOLLOLA)
    transfer.load("run-4", at(10))


def test_retargeting_to_the_same_destination_is_rejected() -> None:
    transfer = pulled()

    with pytest.raises(IllegalTransition, match="expected another destination"):
        transfer.retarget(HOLLOLA, at(9))


@pytest.mark.parametrize(
    ("transfer_id", "item_id", "to_library"),
    [("i2:1", "i1", HOLLOLA), ("i1:1", "i1", LAHTI)],
    ids=["id of another item", "same libraries"],
)
def test_a_request_that_cannot_describe_a_journey_is_invalid(
    transfer_id: str, item_id: str, to_library: str
) -> None:
    with pytest.raises(InvalidRequest):
        TransferRequest(transfer_id, item_id, "b1", LAHTI, to_library, TransferReason.REBALANCE)
