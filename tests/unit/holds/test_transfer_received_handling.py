"""Transport events as the handler applies them, without a broker or database: a received
transfer goes to ``Title.transfer_received``, whose rules decide (ready, off route, twice);
a missing one to ``Title.transfer_missing``; an overdue one is checked and decides nothing."""

from __future__ import annotations

from datetime import datetime

import pytest

from kulkuri.holds.domain.decisions import (
    Anomaly,
    CopyAssigned,
    Decision,
    HoldReadyForPickup,
    TransferReason,
    TransferRequested,
)
from kulkuri.holds.domain.errors import ContradictsState
from kulkuri.holds.domain.model import HoldStatus, ItemStatus
from kulkuri.holds.domain.title import Title
from kulkuri.holds.service_layer.handlers import APPLY, libraries_named
from kulkuri.shared.events import (
    ItemReturned,
    ItemReturnedData,
    TransferMissing,
    TransferMissingData,
    TransferOverdue,
    TransferOverdueData,
    TransferReceived,
    TransferReceivedData,
)
from tests.unit.holds.consortia import (
    HEINOLA,
    LAHTI,
    LIIPOLA,
    SYSMA,
    at,
    consortium,
    take,
    title,
)

RULES = consortium()
VANS = "urn:kulkuri:transport"


def received(item_id: str, library: str, when: datetime, transfer: int = 1) -> TransferReceived:
    return TransferReceived.create(
        id=f"received-{item_id}-{library}",
        source=VANS,
        time=when,
        data=TransferReceivedData(
            transfer_id=f"{item_id}:{transfer}",
            item_id=item_id,
            bib_id="bib-1",
            library=library,
            received_at=when,
        ),
    )


def returned(item_id: str, library: str, when: datetime) -> ItemReturned:
    return ItemReturned.create(
        id=f"returned-{item_id}-{library}",
        source="urn:ils:test",
        time=when,
        data=ItemReturnedData(item_id=item_id, bib_id="bib-1", library=library, returned_at=when),
    )


def missing(item_id: str, hold_id: str | None = None, sent_from: str = LAHTI) -> TransferMissing:
    data = TransferMissingData(
        transfer_id=f"{item_id}:1",
        item_id=item_id,
        bib_id="bib-1",
        hold_id=hold_id,
        from_library=sent_from,
        to_library=SYSMA,
        last_seen_library=LIIPOLA,
        reason="overdue",
        declared_at=at(7),
    )
    return TransferMissing.create(id=f"missing-{item_id}", source=VANS, time=at(7), data=data)


def overdue(item_id: str) -> TransferOverdue:
    data = TransferOverdueData(
        transfer_id=f"{item_id}:1",
        item_id=item_id,
        bib_id="bib-1",
        from_library=LAHTI,
        to_library=SYSMA,
        status="loaded",
        van_run="run-7",
        due_by=at(2),
        detected_at=at(2, 18),
    )
    return TransferOverdue.create(id=f"overdue-{item_id}", source=VANS, time=at(2, 18), data=data)


Inbound = TransferReceived | TransferMissing | TransferOverdue | ItemReturned


def handle(book: Title, event: Inbound) -> list[Decision]:
    """Apply ``event`` as the handler does; the decisions it recorded."""
    APPLY[type(event)](book, RULES, event, event.time.date(), None)
    return take(book)


def sent_for_hold_to(pickup: str) -> Title:
    """A title whose only copy, at Lahti, travels to ``pickup`` for hold h1."""
    book = title(RULES, [("i1", LAHTI)])
    book.place_hold(RULES, "h1", pickup, at())
    take(book)
    return book


def test_a_transfer_received_at_the_pickup_library_makes_the_hold_ready() -> None:
    book = sent_for_hold_to(SYSMA)
    assert handle(book, received("i1", SYSMA, at(1))) == [HoldReadyForPickup("h1", "i1", SYSMA)]
    assert book.hold("h1").status is HoldStatus.READY
    assert book.item("i1").status is ItemStatus.ON_HOLD_SHELF


def test_a_transfer_received_elsewhere_is_an_anomaly_and_the_copy_goes_on_to_its_hold() -> None:
    book = sent_for_hold_to(SYSMA)
    decisions = handle(book, received("i1", HEINOLA, at(1)))
    assert isinstance(decisions[0], Anomaly) and decisions[0].kind == "received_off_route"
    assert decisions[1:] == [
        CopyAssigned("h1", "bib-1", "i1", HEINOLA, SYSMA, False),
        TransferRequested("i1:2", "i1", "bib-1", HEINOLA, SYSMA, TransferReason.HOLD, "h1"),
    ]


def test_a_transfer_received_twice_is_an_anomaly_that_changes_nothing() -> None:
    book = sent_for_hold_to(SYSMA)
    handle(book, received("i1", SYSMA, at(1)))
    again = handle(book, received("i1", SYSMA, at(1, 11)))
    assert [(d.kind, d.entity) for d in again if isinstance(d, Anomaly)] == [
        ("received_twice", "i1")
    ]
    assert len(again) == 1
    assert book.hold("h1").status is HoldStatus.READY


def test_a_transfer_received_after_the_ils_checked_it_in_there_is_received_twice() -> None:
    book = sent_for_hold_to(SYSMA)
    assert handle(book, returned("i1", SYSMA, at(1))) == [HoldReadyForPickup("h1", "i1", SYSMA)]
    again = handle(book, received("i1", SYSMA, at(1, 11)))
    assert [d.kind for d in again if isinstance(d, Anomaly)] == ["received_twice"]
    assert len(again) == 1


def test_a_transfer_received_for_a_copy_on_loan_is_rejected_naming_the_copy() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.item_checked_out(RULES, "i1", LAHTI, at())
    take(book)
    with pytest.raises(ContradictsState, match="'i1'"):
        handle(book, received("i1", SYSMA, at(1)))
    assert book.item("i1").status is ItemStatus.CHECKED_OUT


def test_the_receiving_library_is_checked_for_membership() -> None:
    assert libraries_named(received("i1", "85999", at())) == ["85999"]


def test_a_missing_transfer_refills_its_hold_from_another_copy() -> None:
    book = title(RULES, [("i1", HEINOLA), ("i2", LAHTI)])
    book.place_hold(RULES, "h1", SYSMA, at())  # i1: 45 km to Sysmä, i2: 60 km
    take(book)
    assert handle(book, missing("i1", hold_id="h1", sent_from=HEINOLA)) == [
        CopyAssigned("h1", "bib-1", "i2", LAHTI, SYSMA, True),
        TransferRequested("i2:1", "i2", "bib-1", LAHTI, SYSMA, TransferReason.HOLD, "h1"),
    ]
    lost = book.item("i1")
    assert (lost.status, lost.current_library) == (ItemStatus.MISSING, LIIPOLA)


def test_an_overdue_transfer_decides_nothing_and_changes_nothing() -> None:
    book = sent_for_hold_to(SYSMA)
    assert handle(book, overdue("i1")) == []
    assert book.item("i1").status is ItemStatus.IN_TRANSIT
    assert book.hold("h1").status is HoldStatus.IN_TRANSIT


def test_every_library_a_missing_or_overdue_transfer_names_is_checked_for_membership() -> None:
    assert libraries_named(missing("i1")) == [LAHTI, SYSMA, LIIPOLA]
    assert libraries_named(overdue("i1")) == [LAHTI, SYSMA]
