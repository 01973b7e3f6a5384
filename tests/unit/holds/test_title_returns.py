"""A copy comes back (checked in, or received from a van): trap it for a hold or shelve it."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from kulkuri.holds.domain.decisions import (
    Anomaly,
    CopyAssigned,
    HoldReadyForPickup,
    ItemShelved,
    TransferReason,
    TransferRequested,
)
from kulkuri.holds.domain.errors import ContradictsState, UnknownItem
from kulkuri.holds.domain.model import HoldStatus, ItemStatus
from kulkuri.holds.domain.title import Title
from tests.unit.holds.consortia import (
    HEINOLA,
    HOME,
    LAHTI,
    LIIPOLA,
    REBALANCE,
    SYSMA,
    at,
    consortium,
    take,
    title,
)

RULES = consortium()


def on_loan(collection: str = "floating-fiction") -> Title:
    """One copy owned by Lahti, on loan."""
    book = title(RULES, [("i1", LAHTI)], collection=collection)
    book.item_checked_out(RULES, "i1", LAHTI, at(-10))
    take(book)
    return book


def test_a_return_traps_the_item_for_the_first_hold_in_queue_order() -> None:
    book = on_loan()
    book.place_hold(RULES, "h-late", LIIPOLA, at(-1))
    book.place_hold(RULES, "h-early", SYSMA, at(-3))
    take(book)
    book.item_returned(RULES, "i1", HEINOLA, at())
    assert take(book) == [
        CopyAssigned("h-early", "bib-1", "i1", HEINOLA, SYSMA, False),
        TransferRequested("i1:1", "i1", "bib-1", HEINOLA, SYSMA, TransferReason.HOLD, "h-early"),
    ]
    assert book.item("i1").last_returned_at == at()


def test_a_return_at_the_pickup_library_makes_the_hold_ready() -> None:
    book = on_loan()
    book.place_hold(RULES, "h1", LIIPOLA, at(-1))
    take(book)
    book.item_returned(RULES, "i1", LIIPOLA, at())
    assert take(book) == [
        CopyAssigned("h1", "bib-1", "i1", LIIPOLA, LIIPOLA, False),
        HoldReadyForPickup("h1", "i1", LIIPOLA),
    ]
    assert book.item("i1").status is ItemStatus.ON_HOLD_SHELF


def test_local_first_prefers_holds_picked_up_at_the_returning_library() -> None:
    rules = consortium(local_first_days=7)
    book = on_loan()
    book.place_hold(rules, "h-sysma", SYSMA, at(-5))
    book.place_hold(rules, "h-heinola", HEINOLA, at(-1))
    take(book)
    book.item_returned(rules, "i1", HEINOLA, at())
    assert take(book)[-1] == HoldReadyForPickup("h-heinola", "i1", HEINOLA)


def test_local_first_lets_holds_older_than_the_window_keep_their_turn() -> None:
    rules = consortium(local_first_days=7)
    book = on_loan()
    book.place_hold(rules, "h-sysma", SYSMA, at(-9))
    book.place_hold(rules, "h-heinola", HEINOLA, at(-1))
    take(book)
    book.item_returned(rules, "i1", HEINOLA, at())
    assert take(book)[0] == CopyAssigned("h-sysma", "bib-1", "i1", HEINOLA, SYSMA, False)


def test_a_return_passes_over_holds_it_cannot_be_sent_to() -> None:
    rules = consortium(cost_changes={(HEINOLA, SYSMA): None})
    book = on_loan()
    book.place_hold(rules, "h-sysma", SYSMA, at(-3))
    book.place_hold(rules, "h-lahti", LAHTI, at(-1))
    take(book)
    book.item_returned(rules, "i1", HEINOLA, at())
    assert take(book)[0] == CopyAssigned("h-lahti", "bib-1", "i1", HEINOLA, LAHTI, False)
    assert book.hold("h-sysma").status is HoldStatus.WAITING


def test_floating_items_stay_where_returned() -> None:
    book = on_loan()
    book.item_returned(RULES, "i1", SYSMA, at())
    assert take(book) == [ItemShelved("i1", SYSMA)]
    assert book.item("i1").current_library == SYSMA


def test_return_to_owner_sends_the_item_home() -> None:
    book = on_loan(collection=HOME)
    book.item_returned(RULES, "i1", SYSMA, at())
    assert take(book) == [
        TransferRequested("i1:1", "i1", "bib-1", SYSMA, LAHTI, TransferReason.RETURN_TO_OWNER)
    ]
    book.transfer_received(RULES, "i1", LAHTI, at(1))
    assert take(book) == [ItemShelved("i1", LAHTI)]


def test_return_to_owner_items_returned_at_home_are_shelved() -> None:
    book = on_loan(collection=HOME)
    book.item_returned(RULES, "i1", LAHTI, at())
    assert take(book) == [ItemShelved("i1", LAHTI)]


def test_a_copy_that_cannot_travel_home_is_shelved_with_an_anomaly() -> None:
    rules = consortium(cost_changes={(SYSMA, LAHTI): None})
    book = on_loan(collection=HOME)
    book.item_returned(rules, "i1", SYSMA, at())
    kinds = [type(d) for d in take(book)]
    assert kinds == [Anomaly, ItemShelved]


class Advisor:
    def __init__(self, destination: str | None) -> None:
        self.destination = destination
        self.asked: list[tuple[str, Mapping[str, int]]] = []

    def suggest(
        self, bib_id: str, item_id: str, library: str, copies: Mapping[str, int]
    ) -> str | None:
        self.asked.append((library, dict(copies)))
        return self.destination


def test_rebalance_items_float_without_advice() -> None:
    book = on_loan(collection=REBALANCE)
    book.item_returned(RULES, "i1", SYSMA, at(), advisor=Advisor(None))
    assert take(book) == [ItemShelved("i1", SYSMA)]


def test_rebalance_items_go_where_the_advisor_sends_them() -> None:
    book = on_loan(collection=REBALANCE)
    advisor = Advisor(HEINOLA)
    book.item_returned(RULES, "i1", SYSMA, at(), advisor=advisor)
    assert advisor.asked == [(SYSMA, {SYSMA: 1})]
    assert take(book) == [
        TransferRequested("i1:1", "i1", "bib-1", SYSMA, HEINOLA, TransferReason.REBALANCE)
    ]


def test_a_return_of_an_item_on_the_shelf_is_an_anomaly_handled_as_a_return() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.item_returned(RULES, "i1", HEINOLA, at())
    decisions = take(book)
    assert decisions[0] == Anomaly(
        "returned_while_on_shelf", "i1", "returned at heinola while on_shelf at lahti"
    )
    assert decisions[1:] == [ItemShelved("i1", HEINOLA)]
    assert book.item("i1").last_returned_at == at()


def test_a_pulled_copy_checked_in_at_its_library_is_ready_for_pickup() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.place_hold(RULES, "h1", LAHTI, at())
    take(book)
    book.item_returned(RULES, "i1", LAHTI, at(0, 11))
    assert take(book) == [HoldReadyForPickup("h1", "i1", LAHTI)]


def test_checking_in_a_transfer_at_its_destination_receives_it() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.place_hold(RULES, "h1", SYSMA, at())
    take(book)
    book.item_returned(RULES, "i1", SYSMA, at(1))
    assert take(book) == [HoldReadyForPickup("h1", "i1", SYSMA)]
    assert book.hold("h1").status is HoldStatus.READY


def test_a_received_transfer_for_a_hold_is_ready_for_pickup() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.place_hold(RULES, "h1", SYSMA, at())
    take(book)
    book.transfer_received(RULES, "i1", SYSMA, at(1))
    assert take(book) == [HoldReadyForPickup("h1", "i1", SYSMA)]
    assert book.item("i1").status is ItemStatus.ON_HOLD_SHELF


def test_a_copy_arriving_with_holds_waiting_is_trapped_for_them() -> None:
    book = on_loan(collection=HOME)
    book.item_returned(RULES, "i1", SYSMA, at())
    book.place_hold(RULES, "h1", LAHTI, at(0, 12))
    take(book)
    book.transfer_received(RULES, "i1", LAHTI, at(1))
    assert take(book)[-1] == HoldReadyForPickup("h1", "i1", LAHTI)


def test_a_copy_received_off_route_is_an_anomaly_and_sent_on() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.place_hold(RULES, "h1", SYSMA, at())
    take(book)
    book.transfer_received(RULES, "i1", HEINOLA, at(1))
    decisions = take(book)
    assert isinstance(decisions[0], Anomaly) and decisions[0].kind == "received_off_route"
    assert decisions[1:] == [
        CopyAssigned("h1", "bib-1", "i1", HEINOLA, SYSMA, False),
        TransferRequested("i1:2", "i1", "bib-1", HEINOLA, SYSMA, TransferReason.HOLD, "h1"),
    ]


def test_receiving_a_copy_twice_is_an_anomaly() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.place_hold(RULES, "h1", SYSMA, at())
    book.transfer_received(RULES, "i1", SYSMA, at(1))
    take(book)
    book.transfer_received(RULES, "i1", SYSMA, at(1))
    assert [d.kind for d in take(book) if isinstance(d, Anomaly)] == ["received_twice"]


def test_receiving_a_copy_on_loan_is_rejected_untouched() -> None:
    book = on_loan()
    with pytest.raises(ContradictsState, match="'i1'"):
        book.transfer_received(RULES, "i1", SYSMA, at())
    assert book.item("i1").status is ItemStatus.CHECKED_OUT and take(book) == []


def test_a_return_after_withdrawal_is_rejected_untouched() -> None:
    book = on_loan()
    book.withdraw_item(RULES, "i1", at(-1))
    with pytest.raises(ContradictsState, match="withdrawn"):
        book.item_returned(RULES, "i1", LAHTI, at())
    assert book.item("i1").status is ItemStatus.WITHDRAWN


def test_an_unknown_item_is_rejected_naming_it() -> None:
    book = on_loan()
    with pytest.raises(UnknownItem, match="'nope'") as raised:
        book.item_returned(RULES, "nope", LAHTI, at())
    assert raised.value.entity == "nope"
