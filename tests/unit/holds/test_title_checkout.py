"""Checkouts: collecting a hold, and loans that take a copy another hold was promised."""

from __future__ import annotations

import pytest

from kulkuri.holds.domain.decisions import (
    Anomaly,
    CopyAssigned,
    HoldClosed,
    HoldOutcome,
    HoldQueued,
    ItemShelved,
    TransferCancelled,
    TransferReason,
    TransferRequested,
)
from kulkuri.holds.domain.errors import ContradictsState, UnknownHold
from kulkuri.holds.domain.model import HoldStatus, ItemStatus
from tests.unit.holds.consortia import HEINOLA, LAHTI, LIIPOLA, SYSMA, at, consortium, take, title

RULES = consortium()
COLLECTED = HoldClosed("h1", HoldOutcome.COLLECTED)


def test_collecting_a_hold_closes_it_and_lends_the_copy() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.place_hold(RULES, "h1", LAHTI, at(0))
    book.item_returned(RULES, "i1", LAHTI, at(0, 11))  # pulled and trapped
    take(book)
    book.item_checked_out(RULES, "i1", LAHTI, at(1), hold_id="h1")
    assert take(book) == [COLLECTED]
    assert [status for status, _ in book.hold("h1").history] == [
        HoldStatus.WAITING,
        HoldStatus.ASSIGNED,
        HoldStatus.READY,
        HoldStatus.COLLECTED,
    ]
    copy = book.item("i1")
    assert (copy.status, copy.hold_id) == (ItemStatus.CHECKED_OUT, None)


def test_lending_a_promised_copy_refills_its_hold_from_another_copy() -> None:
    book = title(RULES, [("i1", LAHTI), ("i2", HEINOLA)])
    book.place_hold(RULES, "h1", LAHTI, at(0))
    take(book)
    book.item_checked_out(RULES, "i1", LAHTI, at(0, 11))  # at the desk, to someone else
    assert take(book) == [
        CopyAssigned("h1", "bib-1", "i2", HEINOLA, LAHTI, True),
        TransferRequested("i2:1", "i2", "bib-1", HEINOLA, LAHTI, TransferReason.HOLD, "h1"),
    ]


def test_lending_the_only_promised_copy_requeues_its_hold() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.place_hold(RULES, "h1", LAHTI, at(0))
    take(book)
    book.item_checked_out(RULES, "i1", LAHTI, at(0, 11))
    assert take(book) == [HoldQueued("h1", "bib-1", 1)]
    assert book.hold("h1").status is HoldStatus.WAITING


def test_collecting_with_another_copy_frees_the_promised_one() -> None:
    book = title(RULES, [("i1", LAHTI), ("i2", LIIPOLA)])
    book.place_hold(RULES, "h1", LAHTI, at(0))
    book.place_hold(RULES, "h2", LAHTI, at(0, 11))  # gets i2 from Liipola
    take(book)
    book.item_checked_out(RULES, "i2", LAHTI, at(1), hold_id="h1")
    assert take(book) == [
        COLLECTED,
        TransferCancelled("i2:1", "i2", "checked_out"),
        CopyAssigned("h2", "bib-1", "i1", LAHTI, LAHTI, True),
    ]


def test_collecting_without_other_holds_puts_the_promised_copy_back() -> None:
    book = title(RULES, [("i1", LAHTI), ("i2", SYSMA)])
    book.place_hold(RULES, "h1", LAHTI, at(0))
    take(book)
    book.item_checked_out(RULES, "i2", SYSMA, at(1), hold_id="h1")
    assert take(book) == [COLLECTED, ItemShelved("i1", LAHTI)]


def test_lending_a_copy_on_loan_is_an_anomaly() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.item_checked_out(RULES, "i1", LAHTI, at(0))
    book.item_checked_out(RULES, "i1", LIIPOLA, at(1))
    assert [d.kind for d in take(book) if isinstance(d, Anomaly)] == ["checked_out_twice"]
    assert book.item("i1").current_library == LIIPOLA


def test_collecting_a_cancelled_hold_is_rejected_untouched() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.place_hold(RULES, "h1", LAHTI, at(0))
    book.cancel_hold(RULES, "h1", at(0, 11))
    take(book)
    with pytest.raises(ContradictsState, match="'h1'"):
        book.item_checked_out(RULES, "i1", LAHTI, at(1), hold_id="h1")
    assert book.item("i1").status is ItemStatus.ON_SHELF and take(book) == []


def test_collecting_an_unknown_hold_is_rejected_before_anything_changes() -> None:
    book = title(RULES, [("i1", LAHTI)])
    with pytest.raises(UnknownHold, match="'h9'"):
        book.item_checked_out(RULES, "i1", LAHTI, at(1), hold_id="h9")
    assert book.item("i1").status is ItemStatus.ON_SHELF
