"""Any sequence of circulation events keeps a title consistent, and rejections change nothing."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from kulkuri.holds.domain.consortium import Consortium
from kulkuri.holds.domain.decisions import TransferRequested
from kulkuri.holds.domain.errors import RejectedEvent
from kulkuri.holds.domain.model import ItemStatus
from kulkuri.holds.domain.title import Title
from tests.unit.holds.consortia import (
    FLOATING,
    HEINOLA,
    HOME,
    LAHTI,
    LIBRARIES,
    LIIPOLA,
    MONDAY,
    REBALANCE,
    SYSMA,
    at,
    consortium,
)

CONSORTIA = (
    consortium(),
    consortium(local_first_days=3, closed=[(LIIPOLA, MONDAY), (LAHTI, MONDAY)]),
    consortium(cost_changes={(SYSMA, LAHTI): None, (HEINOLA, SYSMA): None}),
)
ITEMS = st.sampled_from(["i1", "i2", "i3", "i4"])
HOLDS = st.sampled_from(["h1", "h2", "h3", "h4"])
PLACES = st.sampled_from(LIBRARIES)


class SendTo:
    """A rebalance advisor that always names one library."""

    def __init__(self, library: str) -> None:
        self.library = library

    def suggest(
        self, bib_id: str, item_id: str, library: str, copies: Mapping[str, int]
    ) -> str | None:
        return self.library


ADD = st.tuples(
    st.just("add"),
    ITEMS,
    PLACES,
    st.sampled_from([FLOATING, HOME, REBALANCE]),
    st.sampled_from(["book", "book", "ebook"]),
)
PLACE = st.tuples(st.just("place"), HOLDS, PLACES, st.booleans())
OPERATIONS = st.one_of(
    ADD,
    PLACE,
    st.tuples(st.just("withdraw"), ITEMS),
    st.tuples(st.just("cancel"), HOLDS, st.booleans()),
    st.tuples(st.just("return"), ITEMS, PLACES, st.sampled_from([None, HEINOLA])),
    st.tuples(st.just("checkout"), ITEMS, PLACES, st.one_of(st.none(), HOLDS)),
    st.tuples(st.just("receive"), ITEMS, st.sampled_from([None, None, None, *LIBRARIES])),
    st.tuples(st.just("expire"), st.booleans()),
    st.tuples(st.just("fill")),
)


def apply(book: Title, rules: Consortium, op: tuple[object, ...], step: int) -> None:
    now = at(step / 4)
    kind, args = op[0], op[1:]
    match kind, args:
        case "add", (str(item), str(library), str(collection), str(fmt)):
            book.add_item(rules, item, library, collection, fmt, now)
        case "withdraw", (str(item),):
            book.withdraw_item(rules, item, now)
        case "place", (str(hold), str(library), bool(expires)):
            book.place_hold(rules, hold, library, now, now + timedelta(days=1) if expires else None)
        case "cancel", (str(hold), bool(expired)):
            book.cancel_hold(rules, hold, now, expired=expired)
        case "return", (str(item), str(library), advice):
            advisor = None if advice is None else SendTo(str(advice))
            book.item_returned(rules, item, library, now, advisor=advisor)
        case "checkout", (str(item), str(library), hold):
            hold_id = None if hold is None else str(hold)
            book.item_checked_out(rules, item, library, now, hold_id=hold_id)
        case "receive", (str(item), library):
            known = book.items.get(item)
            where = library or (known and known.destination) or LAHTI
            book.transfer_received(rules, item, str(where), now)
        case "expire", (bool(short_window),):
            window = timedelta(hours=12 if short_window else 48)
            book.expire(rules, now, pickup_window=window)
        case "fill", ():
            book.fill_waiting_holds(rules, now, now.date())
        case _:
            raise AssertionError(f"unknown operation {op}")


@settings(max_examples=300, database=None, deadline=None)
@given(
    st.sampled_from(CONSORTIA),
    st.lists(ADD, min_size=1, max_size=4),
    st.lists(PLACE, max_size=4),
    st.lists(OPERATIONS, max_size=40),
)
def test_no_sequence_of_events_breaks_the_invariants(
    rules: Consortium,
    copies: list[tuple[object, ...]],
    holds: list[tuple[object, ...]],
    operations: list[tuple[object, ...]],
) -> None:
    book = Title("bib-1")
    for step, op in enumerate(copies + holds + operations):
        before = copy.deepcopy((book.items, book.holds, book.decisions))
        try:
            apply(book, rules, op, step)
        except RejectedEvent:
            assert (book.items, book.holds, book.decisions) == before, f"{op} changed state"
        book.check_invariants()
    transfers = [d.transfer_id for d in book.decisions if isinstance(d, TransferRequested)]
    assert len(transfers) == len(set(transfers))
    for item in book.items.values():
        if item.status is ItemStatus.IN_TRANSIT:
            assert rules.is_member(item.destination or "")  # never lost on the road
