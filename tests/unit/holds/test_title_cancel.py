"""A hold goes away (cancelled, expired, left uncollected): its copy is passed on, never lost."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kulkuri.holds.domain.decisions import (
    Anomaly,
    CopyAssigned,
    HoldClosed,
    HoldOutcome,
    HoldQueued,
    HoldReadyForPickup,
    ItemShelved,
    TransferCancelled,
    TransferReason,
    TransferRequested,
    TransferRetargeted,
)
from kulkuri.holds.domain.errors import ContradictsState, UnknownHold
from kulkuri.holds.domain.model import HoldStatus, ItemStatus
from kulkuri.holds.domain.title import Title
from tests.unit.holds.consortia import (
    HEINOLA,
    HOME,
    LAHTI,
    LIIPOLA,
    SYSMA,
    at,
    consortium,
    take,
    title,
)

RULES = consortium()
CANCELLED = HoldClosed("h1", HoldOutcome.CANCELLED)


def sent_to_sysma(collection: str = "floating-fiction") -> Title:
    """Lahti's only copy travels to Sysmä for h1; h2 waits (at Heinola unless moved)."""
    book = title(RULES, [("i1", LAHTI)], collection=collection)
    book.place_hold(RULES, "h1", SYSMA, at(0))
    take(book)
    return book


def test_cancelling_a_waiting_hold_closes_it() -> None:
    book = title(RULES)
    book.place_hold(RULES, "h1", LAHTI, at(0))
    take(book)
    book.cancel_hold(RULES, "h1", at(1))
    assert take(book) == [CANCELLED]
    assert book.hold("h1").history == [
        (HoldStatus.WAITING, at(0)),
        (HoldStatus.CANCELLED, at(1)),
    ]


def test_cancelling_retargets_an_item_in_transit_to_the_next_hold() -> None:
    book = sent_to_sysma()
    book.place_hold(RULES, "h2", HEINOLA, at(0, 11))
    take(book)
    book.cancel_hold(RULES, "h1", at(0, 12))
    assert take(book) == [
        CANCELLED,
        CopyAssigned("h2", "bib-1", "i1", LAHTI, HEINOLA, False),
        TransferRetargeted("i1:1", "i1", SYSMA, HEINOLA, TransferReason.HOLD, "h2"),
    ]
    book.transfer_received(RULES, "i1", HEINOLA, at(1))
    assert take(book) == [HoldReadyForPickup("h2", "i1", HEINOLA)]


def test_cancelling_keeps_the_transfer_when_the_next_hold_picks_up_at_its_destination() -> None:
    book = sent_to_sysma()
    book.place_hold(RULES, "h2", SYSMA, at(0, 11))
    take(book)
    book.cancel_hold(RULES, "h1", at(0, 12))
    assert take(book) == [CANCELLED, CopyAssigned("h2", "bib-1", "i1", LAHTI, SYSMA, False)]
    assert book.item("i1").destination == SYSMA


def test_cancelling_sends_an_unclaimed_return_to_owner_copy_back_home() -> None:
    book = title(RULES, [("i1", HEINOLA)], collection=HOME)
    book.place_hold(RULES, "h1", SYSMA, at(0))
    take(book)
    book.cancel_hold(RULES, "h1", at(0, 12))
    assert take(book) == [
        CANCELLED,
        TransferRetargeted("i1:1", "i1", SYSMA, HEINOLA, TransferReason.RETURN_TO_OWNER),
    ]


def test_cancelling_lets_an_unclaimed_floating_copy_arrive_and_stay() -> None:
    book = sent_to_sysma()
    book.cancel_hold(RULES, "h1", at(0, 12))
    assert take(book) == [CANCELLED]
    assert book.item("i1").status is ItemStatus.IN_TRANSIT
    book.transfer_received(RULES, "i1", SYSMA, at(1))
    assert take(book) == [ItemShelved("i1", SYSMA)]


def test_a_copy_not_yet_moved_goes_to_the_next_hold() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.place_hold(RULES, "h1", LAHTI, at(0))
    book.place_hold(RULES, "h2", LIIPOLA, at(0, 11))
    take(book)
    book.cancel_hold(RULES, "h1", at(0, 12))
    assert take(book) == [
        CANCELLED,
        CopyAssigned("h2", "bib-1", "i1", LAHTI, LIIPOLA, True),
        TransferRequested("i1:1", "i1", "bib-1", LAHTI, LIIPOLA, TransferReason.HOLD, "h2"),
    ]


def test_a_copy_not_yet_moved_goes_back_on_the_shelf() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.place_hold(RULES, "h1", LAHTI, at(0))
    take(book)
    book.cancel_hold(RULES, "h1", at(0, 12))
    assert take(book) == [CANCELLED, ItemShelved("i1", LAHTI)]
    assert book.item("i1").hold_id is None


def test_a_copy_on_the_hold_shelf_is_ready_at_once_for_the_next_hold_there() -> None:
    book = sent_to_sysma()
    book.transfer_received(RULES, "i1", SYSMA, at(1))
    book.place_hold(RULES, "h2", SYSMA, at(1, 11))
    take(book)
    book.cancel_hold(RULES, "h1", at(2))
    assert take(book) == [
        CANCELLED,
        CopyAssigned("h2", "bib-1", "i1", SYSMA, SYSMA, False),
        HoldReadyForPickup("h2", "i1", SYSMA),
    ]


def test_a_copy_left_on_the_hold_shelf_follows_its_policy() -> None:
    book = sent_to_sysma(collection=HOME)
    book.transfer_received(RULES, "i1", SYSMA, at(1))
    take(book)
    book.cancel_hold(RULES, "h1", at(2))
    assert take(book) == [
        CANCELLED,
        TransferRequested("i1:2", "i1", "bib-1", SYSMA, LAHTI, TransferReason.RETURN_TO_OWNER),
    ]


def test_a_cancellation_for_expiry_closes_the_hold_as_expired() -> None:
    book = sent_to_sysma()
    book.cancel_hold(RULES, "h1", at(1), expired=True)
    assert take(book) == [HoldClosed("h1", HoldOutcome.EXPIRED)]


def test_cancelling_twice_is_an_anomaly() -> None:
    book = sent_to_sysma()
    book.cancel_hold(RULES, "h1", at(1))
    take(book)
    book.cancel_hold(RULES, "h1", at(1))
    assert [type(d) for d in take(book)] == [Anomaly]


def test_cancelling_a_collected_hold_is_rejected_untouched() -> None:
    book = sent_to_sysma()
    book.transfer_received(RULES, "i1", SYSMA, at(1))
    book.item_checked_out(RULES, "i1", SYSMA, at(2), hold_id="h1")
    take(book)
    with pytest.raises(ContradictsState, match="'h1'"):
        book.cancel_hold(RULES, "h1", at(3))
    assert book.hold("h1").status is HoldStatus.COLLECTED and take(book) == []


def test_cancelling_an_unknown_hold_is_rejected_naming_it() -> None:
    with pytest.raises(UnknownHold, match="'h9'"):
        title(RULES).cancel_hold(RULES, "h9", at())


def test_waiting_holds_expire_after_their_expiry_time() -> None:
    book = title(RULES)
    book.place_hold(RULES, "h1", LAHTI, at(0), expires_at=at(5))
    book.place_hold(RULES, "h2", LAHTI, at(0), expires_at=at(9))
    take(book)
    book.expire(RULES, at(5))
    assert take(book) == [HoldClosed("h1", HoldOutcome.EXPIRED)]
    assert book.hold("h2").status is HoldStatus.WAITING


def test_holds_left_on_the_hold_shelf_expire_and_free_their_copy() -> None:
    book = sent_to_sysma()
    book.transfer_received(RULES, "i1", SYSMA, at(1))
    book.place_hold(RULES, "h2", HEINOLA, at(1, 11))
    book.place_hold(RULES, "h3", LAHTI, at(1, 12), expires_at=at(2))
    take(book)
    book.expire(RULES, at(8), pickup_window=timedelta(days=7))
    assert take(book) == [
        HoldClosed("h3", HoldOutcome.EXPIRED),
        HoldClosed("h1", HoldOutcome.EXPIRED),
        CopyAssigned("h2", "bib-1", "i1", SYSMA, HEINOLA, False),
        TransferRequested("i1:2", "i1", "bib-1", SYSMA, HEINOLA, TransferReason.HOLD, "h2"),
    ]


def test_withdrawing_a_promised_copy_refills_the_hold_or_requeues_it() -> None:
    book = title(RULES, [("i1", LIIPOLA), ("i2", HEINOLA)])
    book.place_hold(RULES, "h1", LAHTI, at(0))
    take(book)
    book.withdraw_item(RULES, "i1", at(0, 12))
    assert take(book) == [
        TransferCancelled("i1:1", "i1", "withdrawn"),
        CopyAssigned("h1", "bib-1", "i2", HEINOLA, LAHTI, True),
        TransferRequested("i2:1", "i2", "bib-1", HEINOLA, LAHTI, TransferReason.HOLD, "h1"),
    ]
    book.withdraw_item(RULES, "i2", at(0, 13))
    assert take(book)[-1] == HoldQueued("h1", "bib-1", 1)
