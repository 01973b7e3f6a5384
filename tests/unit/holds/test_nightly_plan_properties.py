"""Random days through the ``Title`` aggregate, then the night's plan: it never costs more than
the per-hold choice, no hold loses its copy, no copy goes to two holds, and a second plan at
the same cut-off changes nothing."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kulkuri.holds.adapters.ortools_assignment import MinCostFlowSolver
from kulkuri.holds.domain.consortium import Consortium
from kulkuri.holds.domain.day_plan import plan_day
from kulkuri.holds.domain.decisions import TransferCancelled
from kulkuri.holds.domain.errors import RejectedEvent
from kulkuri.holds.domain.model import ItemStatus
from kulkuri.holds.domain.pull_window import PullWindow, reassign, title_day
from kulkuri.holds.domain.title import Title
from tests.unit.holds.consortia import (
    FLOATING,
    HEINOLA,
    HOME,
    LAHTI,
    LIBRARIES,
    LIIPOLA,
    MONDAY,
    SYSMA,
    at,
    consortium,
    take,
)
from tests.unit.holds.test_nightly_plan import TUESDAY, WINDOW

SOLVER = MinCostFlowSolver()
CONSORTIA = (
    consortium(),
    consortium(closed=[(LIIPOLA, TUESDAY), (HEINOLA, MONDAY)]),
    consortium(cost_changes={(SYSMA, LAHTI): None, (HEINOLA, LIIPOLA): 5_000}),
    # Lopsided costs, so that swapping copies between holds pays more often.
    consortium(
        cost_changes={(HEINOLA, LAHTI): 4_000, (LIIPOLA, SYSMA): 20_000, (SYSMA, LIIPOLA): 9_000}
    ),
)


def random_day(rng: random.Random, rules: Consortium) -> Title:
    """Copies, some on loan; holds from yesterday and today; returns and walk-in loans."""
    book = Title("bib-1")
    items = [f"i{n}" for n in range(rng.randint(2, 7))]
    for item_id in items:
        collection = rng.choice([FLOATING, FLOATING, HOME])
        book.add_item(rules, item_id, rng.choice(LIBRARIES), collection, "book", at(-30))
    for item_id in rng.sample(items, rng.randint(0, len(items) // 2)):
        book.item_checked_out(rules, item_id, rng.choice(LIBRARIES), at(-20))
    events: list[tuple[datetime, str, str]] = []
    for n in range(rng.randint(1, 7)):
        events.append((at(rng.choice([-1, 0, 0, 0]), rng.uniform(3, 16)), "place", f"h{n}"))
    for item_id in items:  # mostly later in the day than the holds
        if rng.random() < 0.6:
            kind = rng.choice(["return", "return", "walk-in"])
            events.append((at(0, rng.uniform(8, 23)), kind, item_id))
    for when, kind, entity in sorted(events):
        library = rng.choice(LIBRARIES)
        try:
            if kind == "place":
                book.place_hold(rules, entity, library, when)
            elif kind == "return":
                book.item_returned(rules, entity, library, when)
            elif book.item(entity).status is ItemStatus.ON_SHELF:
                book.item_checked_out(rules, entity, book.item(entity).current_library, when)
        except RejectedEvent:
            pass
    take(book)
    return book


@pytest.mark.parametrize("cancel_transfers", [True, False], ids=["cancel", "contract-safe"])
def test_random_days_keep_every_rule_of_the_plan(cancel_transfers: bool) -> None:
    rng = random.Random(20261124)
    changed = 0
    for case in range(600):
        rules = CONSORTIA[case % len(CONSORTIA)]
        book = random_day(rng, rules)
        had_copy = {h.hold_id for h in book.holds.values() if h.item_id is not None}
        window = WINDOW
        plan = plan_day(
            [title_day(book, rules, window)],
            rules.costs.cost,
            SOLVER,
            rules.open_sources_on(window.day),
            cancel_transfers=cancel_transfers,
        )
        if not plan.titles:
            continue
        title_plan = plan.titles[0]
        assert plan.cost_after <= plan.cost_before
        assert {a.hold_id for a in title_plan.after} == {a.hold_id for a in title_plan.before}
        reassign(book, rules, window, title_plan)
        decisions = take(book)  # checks the invariants: no copy belongs to two holds
        changed += bool(decisions)
        assert had_copy <= {h.hold_id for h in book.holds.values() if h.item_id is not None}
        for a in title_plan.after:
            assert book.hold(a.hold_id).item_id == a.item_id
        if not cancel_transfers:
            assert not any(isinstance(d, TransferCancelled) for d in decisions)
        again = plan_day(
            [title_day(book, rules, window)],
            rules.costs.cost,
            SOLVER,
            rules.open_sources_on(window.day),
            cancel_transfers=cancel_transfers,
        )
        assert not any(t.changes_anything for t in again.titles)
    assert changed >= 8, "the random days should give the plan something to change"


def test_the_window_runs_from_cutoff_to_cutoff_in_local_time_across_a_clock_change() -> None:
    # Summer time ends early on Sunday 25 October 2026: Saturday 05:00 to Sunday 05:00 is 25 h.
    helsinki = ZoneInfo("Europe/Helsinki")
    window = PullWindow.ending_on(date(2026, 10, 25), time(5), helsinki)
    assert window.cutoff - window.opened == timedelta(hours=25)
    local = (window.opened.astimezone(helsinki), window.cutoff.astimezone(helsinki))
    assert [t.hour for t in local] == [5, 5]
