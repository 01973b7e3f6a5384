"""kulkuri with the shipped holds config's collection policies, on the line A (hub) - 12 km -
B - 8 km - C (tiny_network): return to owner, and rebalance by the holds placed over the
window (28 days, least gain 2 holds per copy, 10 km of van travel per hold of gain)."""

from __future__ import annotations

import pytest

from kulkuri.holds.domain.consortium import CollectionPolicy
from kulkuri.outcomes.adapters.shipped_rules import shipped_collection_rules
from kulkuri.outcomes.domain.demand import Demand, HoldPlaced, LoanReturned, StartingCopy
from kulkuri.outcomes.domain.ledger import Ledger, Leg
from kulkuri.simulator.core.catalogue import COLLECTION_MIX
from tests.unit.outcomes.tiny_network import NIGHTLY, SHIPPED_RULES, run_kulkuri


def _sent(ledger: Ledger) -> list[tuple[str, str, str, str]]:
    return [(t.item_id, t.from_library, t.to_library, t.reason) for t in ledger.transfers]


def test_a_return_to_owner_copy_returned_elsewhere_goes_home() -> None:
    # C's non-fiction copy comes back at B with no hold on it: home to C, by the hub.
    demand = Demand(
        days=5,
        copies=(StartingCopy("c1", "t1", "C", on_loan=True, collection="adult-nonfiction"),),
        events=(LoanReturned("c1", "t1", "B", 0, 100),),
    )
    ledger = run_kulkuri(demand, SHIPPED_RULES, NIGHTLY)
    assert _sent(ledger) == [("c1", "B", "C", "return_to_owner")]
    assert ledger.legs == [Leg("B", "A", 1, "c1"), Leg("A", "C", 2, "c1")]
    assert run_kulkuri(demand).transfers == []  # floating, it stays at B


def _young_adult(*copies: tuple[str, str]) -> tuple[StartingCopy, ...]:
    return tuple(
        StartingCopy(item, "t1", owner, collection="young-adult") for item, owner in copies
    )


def test_a_rebalance_copy_goes_where_the_holds_per_copy_are_most() -> None:
    # Day 0: three holds at C take three of C's five copies from its own shelf; two holds at
    # A take B's two copies. Day 1: C's sixth copy, out on loan, comes back at B. Holds per
    # copy on the shelf, counting it as arrived: A 2 / (0 + 1) = 2, C 3 / (2 + 1) = 1, and
    # at B 0 / 1. A gains 2 holds per copy (>= 2, and 2 x 10 km beats the 12 km to A).
    copies = _young_adult(*((f"c{n}", "C") for n in range(1, 6)), ("b1", "B"), ("b2", "B"))
    demand = Demand(
        days=5,
        copies=(*copies, StartingCopy("c6", "t1", "C", on_loan=True, collection="young-adult")),
        events=(
            *(HoldPlaced(f"hC{n}", "t1", "C", 0, 3600 + n) for n in range(3)),
            *(HoldPlaced(f"hA{n}", "t1", "A", 0, 7200 + n) for n in range(2)),
            LoanReturned("c6", "t1", "B", 1, 3600),
        ),
    )
    ledger = run_kulkuri(demand, SHIPPED_RULES, NIGHTLY)
    assert _sent(ledger) == [("b1", "B", "A", "hold"), ("b2", "B", "A", "hold"),
                             ("c6", "B", "A", "rebalance")]  # fmt: skip
    assert ledger.ready == {"hC0": 0, "hC1": 0, "hC2": 0, "hA0": 1, "hA1": 1}


# Two holds at A take B's two copies on day 0; C's third copy, out on loan, comes back later.
def _demand_at_a_and_a_return(library: str, day: int) -> Demand:
    copies = _young_adult(("b1", "B"), ("b2", "B"))
    return Demand(
        days=30,
        copies=(*copies, StartingCopy("c1", "t1", "C", on_loan=True, collection="young-adult")),
        events=(
            HoldPlaced("h1", "t1", "A", 0, 3600),
            HoldPlaced("h2", "t1", "A", 0, 3601),
            LoanReturned("c1", "t1", library, day, 3600),
        ),
    )


def _rebalanced(ledger: Ledger) -> list[tuple[str, str, str, str]]:
    return [sent for sent in _sent(ledger) if sent[3] == "rebalance"]


def test_a_rebalance_copy_stays_when_the_gain_does_not_beat_the_transport_cost() -> None:
    # Back at C: A gains 2 holds per copy, worth 2 x 10 km = 20 km, not more than C -> A's 20.
    at_c = run_kulkuri(_demand_at_a_and_a_return("C", 1), SHIPPED_RULES, NIGHTLY)
    assert _rebalanced(at_c) == []
    # The same gain from B, 12 km from A, pays.
    at_b = run_kulkuri(_demand_at_a_and_a_return("B", 1), SHIPPED_RULES, NIGHTLY)
    assert _rebalanced(at_b) == [("c1", "B", "A", "rebalance")]


@pytest.mark.parametrize(
    ("day", "sent"),
    [(27, [("c1", "B", "A", "rebalance")]), (28, [])],
    ids=["27 days after the holds", "28 days after"],
)
def test_holds_count_as_demand_for_the_window_days_only(
    day: int, sent: list[tuple[str, str, str, str]]
) -> None:
    ledger = run_kulkuri(_demand_at_a_and_a_return("B", day), SHIPPED_RULES, NIGHTLY)
    assert _rebalanced(ledger) == sent


def test_the_shipped_lastu_config_names_the_simulated_collections_or_its_default_does() -> None:
    rules = shipped_collection_rules("Lastu")
    assert (rules.policies, rules.default, rules.rebalance) == (
        {**SHIPPED_RULES.policies, "reference": CollectionPolicy.RETURN_TO_OWNER},
        SHIPPED_RULES.default,
        SHIPPED_RULES.rebalance,
    )
    simulated = {collection for collection, _, _ in COLLECTION_MIX}
    # "media" (recordings, videos, scores) is not named: it goes home, the default.
    assert simulated - set(rules.policies) == {"media"}
    assert rules.source == "services/holds/sample/lastu.toml"
