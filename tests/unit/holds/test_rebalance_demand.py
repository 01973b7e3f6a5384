"""Rebalancing as the handler does it, without a broker or database: the demand counted for
a batch sends a returned copy of a rebalance collection where the title's demand per copy is
highest, when the gain beats the transport cost."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping

from kulkuri.holds.adapters.demand import BatchDemand, DemandCounts
from kulkuri.holds.domain.consortium import CollectionPolicy
from kulkuri.holds.domain.decisions import (
    Decision,
    ItemShelved,
    TransferReason,
    TransferRequested,
)
from kulkuri.holds.domain.title import Title
from kulkuri.holds.service_layer.handlers import APPLY
from kulkuri.shared.events import ItemReturned, ItemReturnedData
from tests.unit.holds.consortia import (
    FLOATING,
    HEINOLA,
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


def handle_return(book: Title, library: str, demand: BatchDemand) -> list[Decision]:
    """Check copy i1 in at ``library`` as the handler does, advised by ``demand``."""
    event = ItemReturned.create(
        id=f"returned-i1-{library}",
        source="urn:ils:test",
        time=at(),
        data=ItemReturnedData(item_id="i1", bib_id="bib-1", library=library, returned_at=at()),
    )
    APPLY[ItemReturned](book, RULES, event, at().date(), demand.advisor)
    return take(book)


def on_loan_from(library: str, collection: str = REBALANCE) -> Title:
    book = title(RULES, [("i1", library)], collection=collection)
    book.item_checked_out(RULES, "i1", library, at(-3))
    take(book)
    return book


def demand(holds_per_library: Mapping[str, int]) -> BatchDemand:
    return BatchDemand({"bib-1": Counter(holds_per_library)}, RULES)


def test_rebalance_sends_a_copy_to_the_most_demand_per_copy_when_the_gain_beats_the_cost() -> None:
    # From Liipola: Heinola 6 holds a copy (38 km away), Lahti 4 (3 km away).
    book = on_loan_from(LIIPOLA)
    assert handle_return(book, LIIPOLA, demand({HEINOLA: 6, LAHTI: 4})) == [
        TransferRequested("i1:1", "i1", "bib-1", LIIPOLA, HEINOLA, TransferReason.REBALANCE)
    ]


def test_rebalance_keeps_a_returned_copy_when_the_gain_does_not_beat_the_cost() -> None:
    # Three holds in Heinola are worth 30 km of van travel; the trip from Liipola is 38 km.
    book = on_loan_from(LIIPOLA)
    decisions = handle_return(book, LIIPOLA, demand({HEINOLA: 3}))
    assert decisions == [ItemShelved("i1", LIIPOLA)]


def test_rebalance_keeps_a_returned_copy_when_the_gain_is_below_the_minimum() -> None:
    book = on_loan_from(LAHTI)
    assert handle_return(book, LAHTI, demand({LIIPOLA: 1})) == [ItemShelved("i1", LAHTI)]


def test_holds_placed_earlier_in_the_batch_count_as_demand() -> None:
    counted = demand({LIIPOLA: 1})
    counted.hold_placed("bib-1", LIIPOLA)
    counted.hold_placed("another-title", LIIPOLA)  # not a title of the batch's rebalance ones
    book = on_loan_from(LAHTI)
    assert handle_return(book, LAHTI, counted) == [
        TransferRequested("i1:1", "i1", "bib-1", LAHTI, LIIPOLA, TransferReason.REBALANCE)
    ]
    assert "another-title" not in counted.counts


def test_copies_of_other_collections_ignore_demand() -> None:
    book = on_loan_from(LIIPOLA, collection=FLOATING)
    decisions = handle_return(book, LIIPOLA, demand({HEINOLA: 6}))
    assert decisions == [ItemShelved("i1", LIIPOLA)]


def test_demand_is_counted_only_for_titles_with_copies_in_a_rebalance_collection() -> None:
    counts = DemandCounts(RULES)
    rebalanced, floating = on_loan_from(LAHTI), on_loan_from(LAHTI, collection=FLOATING)
    floating.bib_id = "bib-2"
    withdrawn = title(RULES, [("i3", SYSMA)], collection=REBALANCE)
    withdrawn.withdraw_item(RULES, "i3", at())
    titles = {"bib-1": rebalanced, "bib-2": floating, "bib-3": withdrawn, "bib-4": Title("bib-4")}
    assert counts.titles_to_count(titles) == {"bib-1"}
    # A copy the batch itself catalogues counts too, before its title has it.
    assert counts.titles_to_count(titles, [("bib-4", REBALANCE), ("bib-2", FLOATING)]) == {
        "bib-1",
        "bib-4",
    }


def test_a_consortium_without_rebalance_collections_counts_no_demand() -> None:
    floating_only = dataclasses.replace(
        RULES, collection_policies={REBALANCE: CollectionPolicy.FLOATING}
    )
    counts = DemandCounts(floating_only)
    assert not counts.any_rebalance
    assert counts.titles_to_count({"bib-1": on_loan_from(LAHTI)}, [("bib-1", REBALANCE)]) == set()
