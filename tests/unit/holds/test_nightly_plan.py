"""The nightly re-assignment on a title: what is not yet pulled, the plan, and its moves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kulkuri.holds.adapters.ortools_assignment import MinCostFlowSolver
from kulkuri.holds.domain.consortium import Consortium
from kulkuri.holds.domain.day_plan import TitlePlan, plan_day
from kulkuri.holds.domain.decisions import (
    CopyAssigned,
    Decision,
    ItemShelved,
    TransferCancelled,
    TransferReason,
    TransferRequested,
    TransferRetargeted,
)
from kulkuri.holds.domain.model import HoldStatus, ItemStatus
from kulkuri.holds.domain.pull_window import (
    PlanDoesNotFit,
    PullWindow,
    not_yet_pulled,
    reassign,
    title_day,
)
from kulkuri.holds.domain.reassignment import Assignment
from kulkuri.holds.domain.title import Title
from tests.unit.holds.consortia import (
    HEINOLA,
    LAHTI,
    LIIPOLA,
    MONDAY,
    SYSMA,
    at,
    consortium,
    take,
    title,
)

RULES = consortium()
SOLVER = MinCostFlowSolver()
TUESDAY = MONDAY + timedelta(days=1)
# Cut-offs at 02:00 UTC: Monday's day runs from Monday 02:00 to Tuesday 02:00.
WINDOW = PullWindow(at(0, 2), at(1, 2), TUESDAY)


def nightly(
    book: Title,
    rules: Consortium = RULES,
    *,
    window: PullWindow = WINDOW,
    cancel_transfers: bool = True,
) -> tuple[TitlePlan | None, list[Decision]]:
    """Plan the title at the window's cut-off, apply the plan, and take the decisions."""
    day = title_day(book, rules, window)
    plan = plan_day(
        [day],
        rules.costs.cost,
        SOLVER,
        rules.open_sources_on(window.day),
        cancel_transfers=cancel_transfers,
    )
    if not plan.titles:
        return None, take(book)
    reassign(book, rules, window, plan.titles[0])
    return plan.titles[0], take(book)


def cost(plan: TitlePlan | None, which: str) -> int:
    assert plan is not None
    return sum(a.cost for a in getattr(plan, which))


# -- what is not yet pulled ----------------------------------------------------------------


def test_a_copy_taken_from_a_shelf_as_the_hold_was_placed_today_is_not_yet_pulled() -> None:
    book = title(RULES, [("i-liipola", LIIPOLA)])
    book.place_hold(RULES, "h1", LAHTI, at(0, 10))
    assert not_yet_pulled(book, book.hold("h1"), WINDOW)


def test_copies_assigned_before_the_previous_cutoff_were_on_an_earlier_pull_list() -> None:
    book = title(RULES, [("i-liipola", LIIPOLA), ("i-lahti", LAHTI)])
    book.place_hold(RULES, "local", LAHTI, at(-1, 10))
    book.place_hold(RULES, "sent", SYSMA, at(-1, 11))
    assert book.hold("local").status is HoldStatus.ASSIGNED
    assert not not_yet_pulled(book, book.hold("sent"), WINDOW)
    assert not not_yet_pulled(book, book.hold("local"), WINDOW)


def test_a_copy_checked_in_and_sent_at_once_is_in_hand_not_on_a_shelf() -> None:
    book = title(RULES, [("i1", LIIPOLA)])
    book.item_checked_out(RULES, "i1", LIIPOLA, at(-10))
    book.place_hold(RULES, "h1", LAHTI, at(0, 9))  # queued
    book.item_returned(RULES, "i1", LIIPOLA, at(0, 12))  # trapped for it, sent from the desk
    assert book.hold("h1").status is HoldStatus.IN_TRANSIT
    assert not not_yet_pulled(book, book.hold("h1"), WINDOW)


def test_a_copy_handed_over_after_placement_counts_as_pulled() -> None:
    # The state cannot tell whether such a copy came off a shelf, so the plan leaves it be.
    book = title(RULES, [("i1", LIIPOLA), ("i2", HEINOLA)])
    book.place_hold(RULES, "h1", LAHTI, at(0, 9))  # takes i1
    book.item_checked_out(RULES, "i1", LIIPOLA, at(0, 11))  # a walk-in takes i1: h1 gets i2
    assert book.hold("h1").item_id == "i2"
    assert not not_yet_pulled(book, book.hold("h1"), WINDOW)


def test_holds_that_moved_after_the_cutoff_are_left_for_the_next_night() -> None:
    book = title(RULES, [("i-heinola", HEINOLA)])
    book.place_hold(RULES, "late", LAHTI, at(1, 3))  # after Tuesday's cut-off
    assert title_day(book, RULES, WINDOW).assigned == ()


# -- the plan and its moves ------------------------------------------------------------------


def test_a_hold_takes_the_copy_returned_near_it_later_that_day() -> None:
    book = title(RULES, [("i-heinola", HEINOLA), ("i-liipola", LIIPOLA)])
    book.item_checked_out(RULES, "i-liipola", LIIPOLA, at(-10))
    book.place_hold(RULES, "h1", LAHTI, at(0, 10))  # only Heinola's copy is in: 35 km
    book.item_returned(RULES, "i-liipola", LIIPOLA, at(0, 14))  # floats: shelved at Liipola
    take(book)
    plan, decisions = nightly(book)
    assert (cost(plan, "before"), cost(plan, "after")) == (35_000, 3_000)
    assert decisions == [
        CopyAssigned("h1", "bib-1", "i-liipola", LIIPOLA, LAHTI, True),
        TransferRequested(
            "i-liipola:1", "i-liipola", "bib-1", LIIPOLA, LAHTI, TransferReason.HOLD, "h1"
        ),
        TransferCancelled("i-heinola:1", "i-heinola", "reassigned"),
        ItemShelved("i-heinola", HEINOLA),
    ]
    assert book.item("i-heinola").status is ItemStatus.ON_SHELF
    assert book.hold("h1").history[-1] == (HoldStatus.IN_TRANSIT, WINDOW.cutoff)


def test_without_cancellations_a_requested_transfer_is_never_called_off() -> None:
    book = title(RULES, [("i-heinola", HEINOLA), ("i-liipola", LIIPOLA)])
    book.item_checked_out(RULES, "i-liipola", LIIPOLA, at(-10))
    book.place_hold(RULES, "h1", LAHTI, at(0, 10))
    book.item_returned(RULES, "i-liipola", LIIPOLA, at(0, 14))
    take(book)
    plan, decisions = nightly(book, cancel_transfers=False)
    assert plan is not None and not plan.changes_anything
    assert decisions == []


def test_two_holds_swap_copies_when_that_is_cheaper_by_retargeting_both_transfers() -> None:
    rules = consortium(cost_changes={(HEINOLA, LAHTI): 4_000, (LIIPOLA, SYSMA): 20_000})
    book = title(rules, [("i-heinola", HEINOLA), ("i-liipola", LIIPOLA)])
    book.place_hold(rules, "old", LAHTI, at(0, 10))  # Liipola's copy: 3 km
    book.place_hold(rules, "new", SYSMA, at(0, 11))  # Heinola's copy: 45 km
    take(book)
    plan, decisions = nightly(book, rules, cancel_transfers=False)
    assert (cost(plan, "before"), cost(plan, "after")) == (48_000, 24_000)
    assert decisions == [
        CopyAssigned("old", "bib-1", "i-heinola", HEINOLA, LAHTI, True),
        TransferRetargeted("i-heinola:1", "i-heinola", SYSMA, LAHTI, TransferReason.HOLD, "old"),
        CopyAssigned("new", "bib-1", "i-liipola", LIIPOLA, SYSMA, True),
        TransferRetargeted("i-liipola:1", "i-liipola", LAHTI, SYSMA, TransferReason.HOLD, "new"),
    ]


def test_a_copy_on_its_pickup_shelf_may_be_sent_to_another_hold() -> None:
    rules = consortium(cost_changes={(SYSMA, LIIPOLA): 200_000})
    book = title(rules, [("i-lahti", LAHTI), ("i-sysma", SYSMA)])
    book.place_hold(rules, "h-lahti", LAHTI, at(0, 10))  # its own shelf: assigned, 0 km
    book.place_hold(rules, "h-liipola", LIIPOLA, at(0, 11))  # Sysmä's copy: 200 km
    take(book)
    plan, decisions = nightly(book, rules, cancel_transfers=False)
    assert (cost(plan, "before"), cost(plan, "after")) == (200_000, 63_000)
    assert decisions == [
        CopyAssigned("h-lahti", "bib-1", "i-sysma", SYSMA, LAHTI, True),
        TransferRetargeted("i-sysma:1", "i-sysma", LIIPOLA, LAHTI, TransferReason.HOLD, "h-lahti"),
        CopyAssigned("h-liipola", "bib-1", "i-lahti", LAHTI, LIIPOLA, True),
        TransferRequested(
            "i-lahti:1", "i-lahti", "bib-1", LAHTI, LIIPOLA, TransferReason.HOLD, "h-liipola"
        ),
    ]
    assert book.hold("h-lahti").status is HoldStatus.IN_TRANSIT


def test_queue_order_is_kept_the_oldest_waiting_hold_gets_the_copy_a_library_now_sends() -> None:
    rules = consortium(closed=[(HEINOLA, MONDAY)])
    book = title(rules, [("i-heinola", HEINOLA)])
    book.place_hold(rules, "older", SYSMA, at(0, 10))  # Heinola is closed: both wait
    book.place_hold(rules, "younger", LAHTI, at(0, 11))  # (and Lahti would be cheaper)
    take(book)
    plan, decisions = nightly(book, rules)
    assert plan is not None and plan.filled == ["older"]
    assert (cost(plan, "before"), cost(plan, "after")) == (45_000, 45_000)
    assert decisions[0] == CopyAssigned("older", "bib-1", "i-heinola", HEINOLA, SYSMA, True)
    assert book.hold("younger").status is HoldStatus.WAITING


def test_a_copy_the_plan_frees_fills_a_waiting_hold_it_can_reach() -> None:
    rules = consortium(cost_changes={(LAHTI, SYSMA): None})
    book = title(rules, [("i-liipola", LIIPOLA), ("i-lahti", LAHTI)])
    book.item_checked_out(rules, "i-lahti", LAHTI, at(-10))
    book.place_hold(rules, "h-lahti", LAHTI, at(0, 10))  # Liipola's copy: 3 km
    book.place_hold(rules, "h-sysma", SYSMA, at(0, 11))  # nothing left: waits
    book.item_returned(rules, "i-lahti", LAHTI, at(0, 14))  # may not go to Sysmä: shelved
    take(book)
    plan, _ = nightly(book, rules)
    assert plan is not None
    assert (plan.reassigned, plan.filled) == (["h-lahti"], ["h-sysma"])
    assert {a.hold_id: a.item_id for a in plan.after} == {
        "h-lahti": "i-lahti",
        "h-sysma": "i-liipola",
    }
    assert (cost(plan, "before"), cost(plan, "after")) == (3_000 + 62_000, 62_000)
    assert book.item("i-liipola").destination == SYSMA


def test_nothing_changes_when_the_day_is_already_optimal() -> None:
    # Two copies at the same distance: the plan keeps the copy the hold already has.
    book = title(RULES, [("a", LIIPOLA), ("b", LIIPOLA), ("c", HEINOLA)])
    book.place_hold(RULES, "h1", LAHTI, at(0, 10))
    book.place_hold(RULES, "h2", HEINOLA, at(0, 11))
    take(book)
    plan, decisions = nightly(book)
    assert plan is not None and not plan.changes_anything
    assert cost(plan, "before") == cost(plan, "after") == 3_000
    assert decisions == []


def test_a_second_plan_at_the_same_cutoff_changes_nothing() -> None:
    rules = consortium(cost_changes={(SYSMA, LIIPOLA): 200_000})
    book = title(rules, [("i-lahti", LAHTI), ("i-sysma", SYSMA)])
    book.place_hold(rules, "h-lahti", LAHTI, at(0, 10))
    book.place_hold(rules, "h-liipola", LIIPOLA, at(0, 11))
    take(book)
    first, _ = nightly(book, rules)
    assert first is not None and first.changes_anything
    again, decisions = nightly(book, rules)
    assert decisions == []
    assert again is None or not again.changes_anything


def test_the_next_night_a_reassigned_copy_counts_as_pulled() -> None:
    rules = consortium(cost_changes={(SYSMA, LIIPOLA): 200_000})
    book = title(rules, [("i-lahti", LAHTI), ("i-sysma", SYSMA)])
    book.place_hold(rules, "h-lahti", LAHTI, at(0, 10))
    book.place_hold(rules, "h-liipola", LIIPOLA, at(0, 11))
    take(book)
    nightly(book, rules)
    wednesday = PullWindow(WINDOW.cutoff, WINDOW.cutoff + timedelta(days=1), TUESDAY)
    assert title_day(book, rules, wednesday).assigned == ()


def test_a_library_closed_today_keeps_what_it_was_given_but_sends_nothing_new() -> None:
    rules = consortium(closed=[(LIIPOLA, TUESDAY)])
    book = title(rules, [("i-heinola", HEINOLA), ("i-liipola", LIIPOLA), ("i-lp2", LIIPOLA)])
    book.place_hold(rules, "h1", LAHTI, at(0, 10))  # Monday: Liipola's copy, 3 km
    book.place_hold(rules, "h2", HEINOLA, at(0, 11))  # its own shelf
    take(book)
    plan, decisions = nightly(book, rules)
    assert plan is not None and not plan.changes_anything
    assert decisions == []


def test_a_stale_plan_is_refused_and_leaves_the_title_untouched() -> None:
    book = title(RULES, [("i-heinola", HEINOLA), ("i-liipola", LIIPOLA)])
    book.place_hold(RULES, "h1", LAHTI, at(0, 10))  # Liipola's copy
    take(book)
    stale = TitlePlan(
        "bib-1",
        held=(Assignment("h1", "i-liipola", 3_000),),
        before=(Assignment("h1", "i-liipola", 3_000),),
        after=(Assignment("h1", "i-heinola", 35_000),),
    )
    book.item_checked_out(RULES, "i-heinola", HEINOLA, at(0, 12))  # a walk-in took it
    take(book)
    with pytest.raises(PlanDoesNotFit):
        reassign(book, RULES, WINDOW, stale)
    assert book.hold("h1").item_id == "i-liipola"
    assert take(book) == []
