"""A copy lost on the way: it leaves circulation and its hold is filled again or waits; a copy
late but not yet lost changes nothing; a lost copy that turns up comes back."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from kulkuri.holds.domain.decisions import (
    Anomaly,
    CopyAssigned,
    Decision,
    HoldQueued,
    HoldReadyForPickup,
    ItemShelved,
    TransferReason,
    TransferRequested,
)
from kulkuri.holds.domain.errors import ContradictsState, UnknownItem
from kulkuri.holds.domain.model import HoldStatus, ItemStatus, UnknownLibrary
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


def lost(book: Title, transfer: int = 1, last_seen: str | None = None) -> list[Decision]:
    """Declare i1 missing on its ``transfer``-th transfer, a day after it set out."""
    book.transfer_missing(RULES, "i1", f"i1:{transfer}", at(1), last_seen=last_seen)
    return take(book)


def kinds(decisions: list[Decision]) -> list[str]:
    return [d.kind for d in decisions if isinstance(d, Anomaly)]


def sent_to_liipola(*others: tuple[str, str]) -> Title:
    """i1 at Lahti travels to Liipola (3 km) for hold h1; ``others`` are further copies."""
    book = title(RULES, [("i1", LAHTI), *others])
    book.place_hold(RULES, "h1", LIIPOLA, at(0))
    assert take(book)[-1] == TransferRequested(
        "i1:1", "i1", "bib-1", LAHTI, LIIPOLA, TransferReason.HOLD, "h1"
    )
    return book


def test_a_missing_copy_leaves_circulation_and_its_hold_gets_the_cheapest_other_copy() -> None:
    book = sent_to_liipola(("i2", SYSMA), ("i3", HEINOLA))
    assert lost(book) == [
        CopyAssigned("h1", "bib-1", "i3", HEINOLA, LIIPOLA, True),
        TransferRequested("i3:1", "i3", "bib-1", HEINOLA, LIIPOLA, TransferReason.HOLD, "h1"),
    ]
    missing = book.item("i1")
    assert (missing.status, missing.hold_id, missing.transfer_id) == (
        ItemStatus.MISSING,
        None,
        None,
    )
    assert (book.hold("h1").status, book.hold("h1").item_id) == (HoldStatus.IN_TRANSIT, "i3")


def test_the_hold_of_a_missing_copy_is_refilled_only_from_libraries_open_that_day() -> None:
    rules = consortium(closed=[(HEINOLA, at(1).date())])
    book = sent_to_liipola(("i2", SYSMA), ("i3", HEINOLA))
    book.transfer_missing(rules, "i1", "i1:1", at(1))
    assert take(book)[0] == CopyAssigned("h1", "bib-1", "i2", SYSMA, LIIPOLA, True)


def test_the_hold_of_a_missing_copy_takes_a_copy_on_its_own_pickup_shelf_first() -> None:
    book = title(RULES, [("i1", LAHTI), ("i2", LIIPOLA)])
    book.item_checked_out(RULES, "i2", LIIPOLA, at(-1))
    book.place_hold(RULES, "h1", LIIPOLA, at(0))  # i2 on loan: i1 travels from Lahti
    book.item_returned(RULES, "i2", LIIPOLA, at(0, 11))
    assert take(book)[-1] == ItemShelved("i2", LIIPOLA)
    assert lost(book) == [CopyAssigned("h1", "bib-1", "i2", LIIPOLA, LIIPOLA, True)]
    assert book.hold("h1").status is HoldStatus.ASSIGNED


def test_a_hold_left_without_a_copy_waits_at_its_original_place_in_the_queue() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.place_hold(RULES, "h-first", SYSMA, at(-3))
    book.place_hold(RULES, "h-second", HEINOLA, at(-2))
    take(book)
    assert lost(book) == [HoldQueued("h-first", "bib-1", 1)]
    assert book.hold("h-first").status is HoldStatus.WAITING
    # The next copy goes to it, ahead of the hold placed after it.
    book.add_item(RULES, "i2", LAHTI, "floating-fiction", "book", at(2))
    assert take(book)[0] == CopyAssigned("h-first", "bib-1", "i2", LAHTI, SYSMA, True)


def test_a_missing_copy_is_never_chosen_for_a_new_hold() -> None:
    book = sent_to_liipola()
    lost(book)
    book.place_hold(RULES, "h2", LAHTI, at(2))
    assert take(book) == [HoldQueued("h2", "bib-1", 2)]


def test_a_copy_missing_on_its_way_home_just_leaves_circulation_where_last_seen() -> None:
    book = title(RULES, [("i1", LAHTI)], collection=HOME)
    book.item_checked_out(RULES, "i1", LAHTI, at(-2))
    book.item_returned(RULES, "i1", SYSMA, at(-1))  # sent home to Lahti
    take(book)
    assert lost(book, last_seen=HEINOLA) == []
    assert (book.item("i1").status, book.item("i1").current_library) == (
        ItemStatus.MISSING,
        HEINOLA,
    )


def test_the_hold_refilled_is_the_one_the_copy_was_redirected_to() -> None:
    book = title(RULES, [("i1", LAHTI), ("i2", HEINOLA)])
    book.item_checked_out(RULES, "i2", HEINOLA, at(-1))
    book.place_hold(RULES, "h1", SYSMA, at(0))
    book.place_hold(RULES, "h2", LIIPOLA, at(0, 1))
    book.cancel_hold(RULES, "h1", at(0, 2))  # i1, on its way, now travels for h2
    take(book)
    assert lost(book) == [HoldQueued("h2", "bib-1", 1)]
    assert book.hold("h1").status is HoldStatus.CANCELLED


def test_a_copy_declared_missing_after_it_arrived_is_an_anomaly_that_changes_nothing() -> None:
    book = sent_to_liipola()
    book.transfer_received(RULES, "i1", LIIPOLA, at(0, 20))
    take(book)
    before = copy.deepcopy((book.items, book.holds))
    decisions = lost(book)
    assert kinds(decisions) == ["missing_after_arrival"] and len(decisions) == 1
    assert isinstance(decisions[0], Anomaly)
    assert "on_hold_shelf at liipola" in decisions[0].detail
    assert (book.items, book.holds) == before


def test_a_copy_missing_on_an_earlier_transfer_than_its_current_one_changes_nothing() -> None:
    book = sent_to_liipola()
    book.item_returned(RULES, "i1", HEINOLA, at(0, 20))  # off route: sent on as i1:2
    take(book)
    assert kinds(lost(book, transfer=1)) == ["missing_after_arrival"]
    assert (book.item("i1").status, book.item("i1").transfer_id) == (ItemStatus.IN_TRANSIT, "i1:2")


def _withdraw(book: Title) -> None:
    book.withdraw_item(RULES, "i1", at(0, 20))


def _declare_missing(book: Title) -> None:
    book.transfer_missing(RULES, "i1", "i1:1", at(0, 20))


@pytest.mark.parametrize(
    ("gone", "kind"),
    [(_withdraw, "missing_after_withdrawal"), (_declare_missing, "missing_twice")],
    ids=["withdrawn", "missing"],
)
def test_a_copy_already_gone_declared_missing_again_is_only_an_anomaly(
    gone: Callable[[Title], None], kind: str
) -> None:
    book = sent_to_liipola()
    gone(book)
    take(book)
    assert kinds(lost(book)) == [kind]


def test_a_missing_transfer_of_another_copy_is_rejected_untouched() -> None:
    book = sent_to_liipola(("i2", SYSMA))
    with pytest.raises(ContradictsState, match="'i2:1' is not a transfer"):
        book.transfer_missing(RULES, "i1", "i2:1", at(1))
    assert book.item("i1").status is ItemStatus.IN_TRANSIT and book.decisions == []


def test_an_unknown_copy_declared_missing_is_rejected_naming_it() -> None:
    with pytest.raises(UnknownItem, match="'ghost'"):
        sent_to_liipola().transfer_missing(RULES, "ghost", "ghost:1", at(1))


def test_an_overdue_copy_changes_nothing_and_decides_nothing() -> None:
    book = sent_to_liipola()
    before = copy.deepcopy((book.items, book.holds))
    book.transfer_overdue(RULES, "i1", "i1:1", [LAHTI, LIIPOLA])
    assert take(book) == []
    assert (book.items, book.holds) == before


def test_an_overdue_unknown_copy_or_library_is_rejected() -> None:
    book = sent_to_liipola()
    with pytest.raises(UnknownItem):
        book.transfer_overdue(RULES, "ghost", "ghost:1", [LAHTI])
    with pytest.raises(ContradictsState):
        book.transfer_overdue(RULES, "i1", "i9:1", [LAHTI])
    with pytest.raises(UnknownLibrary, match="'85999'"):
        book.transfer_overdue(RULES, "i1", "i1:1", ["85999"])


def test_a_missing_copy_checked_in_comes_back_and_is_trapped_for_the_waiting_hold() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.place_hold(RULES, "h1", SYSMA, at(0))
    take(book)
    lost(book)
    book.item_returned(RULES, "i1", HEINOLA, at(5))
    decisions = take(book)
    assert kinds(decisions) == ["returned_while_missing"]
    assert decisions[1:] == [
        CopyAssigned("h1", "bib-1", "i1", HEINOLA, SYSMA, False),
        TransferRequested("i1:2", "i1", "bib-1", HEINOLA, SYSMA, TransferReason.HOLD, "h1"),
    ]


def test_a_missing_copy_received_from_a_van_comes_back_where_it_arrived() -> None:
    book = title(RULES, [("i1", LAHTI)])
    book.place_hold(RULES, "h1", SYSMA, at(0))
    take(book)
    lost(book)
    book.transfer_received(RULES, "i1", SYSMA, at(5))
    decisions = take(book)
    assert kinds(decisions) == ["received_while_missing"]
    assert decisions[-1] == HoldReadyForPickup("h1", "i1", SYSMA)
    assert book.item("i1").status is ItemStatus.ON_HOLD_SHELF
