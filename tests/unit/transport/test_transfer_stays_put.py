"""A transfer re-targeted to the library its copy has not left (requested, pulled, or packed in
a crate no van has taken) needs no van: staff there scan it received where it stands. Only
the scan receives it; re-targeting alone changes nothing but the destination."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from kulkuri.transport.domain import (
    IllegalTransition,
    Transfer,
    TransferActivated,
    TransferReason,
    TransferStatus,
    TransportLedger,
)
from kulkuri.transport.service_layer.legs_policy import Legs
from tests.unit.transport.transfers import HEINOLA, HOLLOLA, HUB, LAHTI, T0, at, request

RECEIVED_WHERE_IT_STOOD = "received where it stood: it had not left"


def requested() -> Transfer:
    return Transfer.create(request(), T0, behind=None)


def pulled() -> Transfer:
    transfer = requested()
    transfer.pull(at(1), LAHTI)
    return transfer


def packed() -> Transfer:
    transfer = pulled()
    transfer.pack("crate-7", at(2))
    return transfer


def sent_back(make: Callable[[], Transfer]) -> Transfer:
    """Its hold cancelled, the copy goes back to its owner Lahti, where it still stands."""
    transfer = make()
    transfer.retarget(LAHTI, at(5), reason=TransferReason.RETURN_TO_OWNER)
    return transfer


NOT_YET_LEFT = [requested, pulled, packed]


@pytest.mark.parametrize("make", NOT_YET_LEFT, ids=lambda f: f.__name__)
def test_retargeting_to_the_library_it_has_not_left_does_not_receive_it_by_itself(
    make: Callable[[], Transfer],
) -> None:
    before = make().status

    transfer = sent_back(make)

    assert transfer.status is before
    assert transfer.is_open and transfer.stays_put
    assert transfer.history[-1].detail == f"re-targeted from {HOLLOLA} to {LAHTI}"


@pytest.mark.parametrize("make", NOT_YET_LEFT, ids=lambda f: f.__name__)
def test_a_copy_sent_back_before_it_left_is_received_by_a_scan_where_it_stands(
    make: Callable[[], Transfer],
) -> None:
    transfer = sent_back(make)

    transfer.receive(at(6), LAHTI)

    assert transfer.status is TransferStatus.RECEIVED
    assert not transfer.is_open and not transfer.stays_put
    last = transfer.history[-1]
    assert (last.status, last.at, last.where, last.detail) == (
        TransferStatus.RECEIVED,
        at(6),
        LAHTI,
        RECEIVED_WHERE_IT_STOOD,
    )


def test_a_packed_copy_received_where_it_stood_is_out_of_its_crate() -> None:
    transfer = sent_back(packed)

    transfer.receive(at(6), LAHTI)

    assert transfer.crate_id is None
    assert "crate crate-7" in [step.detail for step in transfer.history]


@pytest.mark.parametrize("make", NOT_YET_LEFT, ids=lambda f: f.__name__)
def test_a_copy_that_stays_is_received_only_at_the_library_it_stands_at(
    make: Callable[[], Transfer],
) -> None:
    transfer = sent_back(make)
    before = copy.deepcopy(transfer)

    with pytest.raises(IllegalTransition) as error:
        transfer.receive(at(6), HOLLOLA)

    assert str(error.value) == (
        f"transfer i1:1 is scanned at {HOLLOLA}; expected a scan at {LAHTI} before receiving"
    )
    assert transfer == before


@pytest.mark.parametrize("make", NOT_YET_LEFT, ids=lambda f: f.__name__)
def test_a_copy_still_going_elsewhere_is_not_received_before_it_left(
    make: Callable[[], Transfer],
) -> None:
    transfer = make()

    with pytest.raises(IllegalTransition, match="expected an unload at the destination"):
        transfer.receive(at(6), LAHTI)

    assert transfer.status is make().status


def test_a_copy_sent_back_once_it_is_on_a_van_is_received_only_after_it_comes_back() -> None:
    transfer = packed()
    transfer.load("run-3", at(3))
    transfer.retarget(LAHTI, at(4))
    before = copy.deepcopy(transfer)

    with pytest.raises(IllegalTransition) as error:
        transfer.receive(at(5), LAHTI)

    assert str(error.value) == (
        "transfer i1:1 is loaded; expected an unload at the destination before receiving"
    )
    assert transfer == before and not transfer.stays_put


def test_a_copy_pulled_for_the_library_it_stands_at_is_received_not_packed() -> None:
    transfer = sent_back(pulled)

    with pytest.raises(IllegalTransition) as error:
        transfer.pack("crate-7", at(6))

    assert str(error.value) == (
        "transfer i1:1 is pulled at its destination; expected a receive before packing"
    )


def test_a_packed_copy_that_stays_is_still_loaded_if_its_crate_leaves_first() -> None:
    # The driver takes the crate as it is: the copy travels and comes back by van.
    transfer = sent_back(packed)

    transfer.load("run-3", at(6))

    assert transfer.status is TransferStatus.LOADED and not transfer.stays_put


@pytest.mark.parametrize("hub", [None, HUB])
def test_a_copy_that_stays_waits_for_no_van(hub: str | None) -> None:
    transfer = sent_back(pulled)

    assert Legs(hub=hub).waiting_stop(transfer) is None
    assert Legs(hub=hub).waiting_stop(pulled()) == (hub or HOLLOLA)


def test_the_copys_next_transfer_becomes_active_once_it_is_received_where_it_stood() -> None:
    ledger = TransportLedger()
    ledger.request(request("i1:1"), T0)
    ledger.request(request("i1:2", to_library=HEINOLA), at(1))
    ledger.pull("i1:1", at(2), LAHTI)
    ledger.retarget("i1:1", LAHTI, at(3))

    ledger.receive("i1:1", at(4), LAHTI)

    assert ledger.get("i1:1").status is TransferStatus.RECEIVED
    assert ledger.active_for("i1").transfer_id == "i1:2"
    assert ledger.decisions[-1] == TransferActivated("i1:2", "i1", after="i1:1")
