"""Placing a hold: which copy fills it, from where, or why it waits."""

from __future__ import annotations

import pytest

from kulkuri.holds.domain.decisions import (
    CopyAssigned,
    HoldQueued,
    TransferReason,
    TransferRequested,
)
from kulkuri.holds.domain.errors import ContradictsState
from kulkuri.holds.domain.model import HoldStatus, ItemStatus, UnknownLibrary
from kulkuri.holds.domain.title import Title
from tests.unit.holds.consortia import (
    HEINOLA,
    LAHTI,
    LIIPOLA,
    MONDAY,
    SYSMA,
    assigned,
    at,
    consortium,
    take,
    title,
)

RULES = consortium()


def lend_and_return(book: Title, item_id: str, library: str, days: float) -> None:
    book.item_checked_out(RULES, item_id, library, at(days - 7))
    book.item_returned(RULES, item_id, library, at(days))
    take(book)


def test_a_copy_on_the_pickup_shelf_is_pulled_without_transport() -> None:
    book = title(RULES, [("i-lahti", LAHTI), ("i-liipola", LIIPOLA)])
    book.place_hold(RULES, "h1", LIIPOLA, at())
    assert take(book) == [CopyAssigned("h1", "bib-1", "i-liipola", LIIPOLA, LIIPOLA, True)]
    assert book.hold("h1").status is HoldStatus.ASSIGNED
    assert book.item("i-liipola").status is ItemStatus.ON_SHELF


def test_a_copy_on_the_pickup_shelf_beats_a_free_trip_from_elsewhere() -> None:
    rules = consortium(cost_changes={(LIIPOLA, LAHTI): 0})
    book = title(rules, [("i-liipola", LIIPOLA), ("i-lahti", LAHTI)])
    book.place_hold(rules, "h1", LAHTI, at())
    assert take(book)[0] == CopyAssigned("h1", "bib-1", "i-lahti", LAHTI, LAHTI, True)


def test_the_cheapest_open_library_sends_the_copy() -> None:
    book = title(RULES, [("i-sysma", SYSMA), ("i-heinola", HEINOLA), ("i-liipola", LIIPOLA)])
    book.place_hold(RULES, "h1", LAHTI, at())
    assert take(book) == [
        CopyAssigned("h1", "bib-1", "i-liipola", LIIPOLA, LAHTI, True),
        TransferRequested(
            "i-liipola:1", "i-liipola", "bib-1", LIIPOLA, LAHTI, TransferReason.HOLD, "h1"
        ),
    ]
    assert book.hold("h1").status is HoldStatus.IN_TRANSIT
    copy = book.item("i-liipola")
    assert (copy.status, copy.destination) == (ItemStatus.IN_TRANSIT, LAHTI)


def test_ties_go_to_the_library_with_more_copies_then_the_oldest_returned() -> None:
    rules = consortium(cost_changes={(HEINOLA, LAHTI): 3_000})  # as cheap as Liipola
    book = title(rules, [("h-a", HEINOLA), ("l-a", LIIPOLA), ("l-b", LIIPOLA)])
    lend_and_return(book, "l-a", LIIPOLA, days=-2)
    lend_and_return(book, "l-b", LIIPOLA, days=-5)  # returned longest ago
    book.place_hold(rules, "h1", LAHTI, at())
    assert assigned(take(book)) == "l-b"
    book.place_hold(rules, "h2", LAHTI, at())  # now one copy each: the older one
    assert assigned(take(book)) == "h-a"


def test_a_copy_never_returned_counts_as_the_oldest_and_item_ids_settle_the_rest() -> None:
    book = title(RULES, [("b", LIIPOLA), ("c", LIIPOLA), ("a", LIIPOLA)])
    lend_and_return(book, "a", LIIPOLA, days=-1)
    book.place_hold(RULES, "h1", LAHTI, at())
    assert assigned(take(book)) == "b"


def test_closed_libraries_are_skipped_as_sources() -> None:
    rules = consortium(closed=[(LIIPOLA, MONDAY)])
    book = title(rules, [("i-liipola", LIIPOLA), ("i-heinola", HEINOLA)])
    book.place_hold(rules, "h1", LAHTI, at())
    assert assigned(take(book)) == "i-heinola"


def test_a_closed_pickup_library_still_gets_its_own_copy() -> None:
    rules = consortium(closed=[(LAHTI, MONDAY)])
    book = title(rules, [("i-lahti", LAHTI)])
    book.place_hold(rules, "h1", LAHTI, at())
    assert take(book) == [CopyAssigned("h1", "bib-1", "i-lahti", LAHTI, LAHTI, True)]


def test_disabled_pairs_never_send() -> None:
    rules = consortium(cost_changes={(LIIPOLA, LAHTI): None})
    book = title(rules, [("i-liipola", LIIPOLA), ("i-sysma", SYSMA)])
    book.place_hold(rules, "h1", LAHTI, at())
    assert assigned(take(book)) == "i-sysma"


def test_with_no_copy_available_the_hold_is_queued_with_its_position() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.place_hold(RULES, "h1", LAHTI, at(0))
    book.place_hold(RULES, "h2", HEINOLA, at(1))
    book.place_hold(RULES, "h3", SYSMA, at(2))
    assert take(book)[1:] == [HoldQueued("h2", "bib-1", 1), HoldQueued("h3", "bib-1", 2)]
    assert book.hold("h3").status is HoldStatus.WAITING


def test_a_title_without_copies_queues_holds() -> None:
    book = title(RULES)
    book.place_hold(RULES, "h1", LAHTI, at())
    assert take(book) == [HoldQueued("h1", "bib-1", 1)]


def test_copies_on_loan_or_only_reachable_from_closed_libraries_leave_the_hold_waiting() -> None:
    rules = consortium(closed=[(HEINOLA, MONDAY)])
    book = title(rules, [("i-lahti", LAHTI), ("i-heinola", HEINOLA)])
    book.item_checked_out(rules, "i-lahti", LAHTI, at(-1))
    book.place_hold(rules, "h1", SYSMA, at())
    assert take(book) == [HoldQueued("h1", "bib-1", 1)]


def test_holds_on_digital_only_titles_pass_through_without_a_van() -> None:
    book = title(RULES, [("e1", LAHTI)], item_format="ebook")
    book.place_hold(RULES, "h1", SYSMA, at())
    assert take(book) == []
    assert book.hold("h1").passed_through
    book.item_checked_out(RULES, "e1", SYSMA, at(1), hold_id="h1")
    assert book.hold("h1").status is HoldStatus.COLLECTED


def test_digital_copies_never_fill_physical_holds() -> None:
    book = title(RULES, [("e1", LAHTI)], item_format="ebook")
    book.add_item(RULES, "p1", HEINOLA, "floating-fiction", "book", at(-1))
    take(book)
    book.place_hold(RULES, "h1", LAHTI, at())
    assert assigned(take(book)) == "p1"


def test_a_new_copy_fills_the_first_waiting_hold_it_can_reach() -> None:
    rules = consortium(cost_changes={(HEINOLA, SYSMA): None})
    book = title(rules)
    book.place_hold(rules, "h-sysma", SYSMA, at(0))
    book.place_hold(rules, "h-lahti", LAHTI, at(1))
    take(book)
    book.add_item(rules, "new", HEINOLA, "floating-fiction", "book", at(2))
    assert take(book)[0] == CopyAssigned("h-lahti", "bib-1", "new", HEINOLA, LAHTI, True)


def test_waiting_holds_are_filled_when_a_closed_library_opens() -> None:
    rules = consortium(closed=[(HEINOLA, MONDAY)])
    book = title(rules, [("i-heinola", HEINOLA)])
    book.place_hold(rules, "h1", LAHTI, at())
    take(book)
    book.fill_waiting_holds(rules, at(1, 7), MONDAY.replace(day=24))
    assert take(book)[0] == CopyAssigned("h1", "bib-1", "i-heinola", HEINOLA, LAHTI, True)


def test_transfer_ids_count_each_copys_transfers() -> None:
    book = title(RULES, [("i1", LIIPOLA)])
    book.place_hold(RULES, "h1", LAHTI, at(0))
    book.transfer_received(RULES, "i1", LAHTI, at(1))
    book.item_checked_out(RULES, "i1", LAHTI, at(2), hold_id="h1")
    book.place_hold(RULES, "h2", SYSMA, at(3))
    book.item_returned(RULES, "i1", LAHTI, at(4))
    transfers = [d for d in take(book) if isinstance(d, TransferRequested)]
    assert [t.transfer_id for t in transfers] == ["i1:1", "i1:2"]


def test_placing_the_same_hold_again_changes_nothing() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.place_hold(RULES, "h1", LAHTI, at())
    take(book)
    book.place_hold(RULES, "h1", LAHTI, at())
    assert take(book) == []


def test_a_hold_placed_again_differently_is_rejected_untouched() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.place_hold(RULES, "h1", LAHTI, at())
    take(book)
    with pytest.raises(ContradictsState, match="'h1'"):
        book.place_hold(RULES, "h1", SYSMA, at())
    assert book.hold("h1").pickup_library == LAHTI and take(book) == []


def test_a_pickup_library_outside_the_consortium_is_rejected_untouched() -> None:
    book = title(RULES, [("i1", LAHTI)])
    with pytest.raises(UnknownLibrary, match="'espoo'"):
        book.place_hold(RULES, "h1", "espoo", at())
    assert book.holds == {} and take(book) == []
