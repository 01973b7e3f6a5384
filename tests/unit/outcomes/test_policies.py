"""The two policies on the hand-made line A - B - C (tiny_network), figures worked out by hand."""

from __future__ import annotations

from kulkuri.outcomes.domain.baseline import KohaLikeBaseline
from kulkuri.outcomes.domain.day_loop import run_policy
from kulkuri.outcomes.domain.demand import Demand, HoldPlaced, LoanReturned, StartingCopy
from kulkuri.outcomes.domain.figures import hold_figures
from kulkuri.outcomes.domain.ledger import Leg, Transfer, legs_of
from tests.unit.outcomes.tiny_network import HUB, cost, every_day, run_baseline, run_kulkuri

# C's copy of t1 comes back at B on day 0; on day 1 a patron at B places a hold on t1.
RETURNED_ELSEWHERE = Demand(
    days=10,
    copies=(StartingCopy("c1", "t1", "C", on_loan=True),),
    events=(LoanReturned("c1", "t1", "B", 0, 100), HoldPlaced("h1", "t1", "B", 1, 200)),
)


def test_baseline_sends_the_returned_copy_home_and_back_for_the_hold() -> None:
    ledger = run_baseline(RETURNED_ELSEWHERE)
    # Home: B -> hub on day 1, hub -> C on day 2; trapped at C on day 2, then C -> hub on
    # day 3 and hub -> B on day 4, where the hold placed on day 1 is ready: 3 days.
    assert [(t.from_library, t.to_library, t.packed_day) for t in ledger.transfers] == [
        ("B", "C", 0),
        ("C", "B", 2),
    ]
    assert ledger.legs == [
        Leg("B", "A", 1, "c1"),
        Leg("A", "C", 2, "c1"),
        Leg("C", "A", 3, "c1"),
        Leg("A", "B", 4, "c1"),
    ]
    assert ledger.ready == {"h1": 4}


def test_kulkuri_keeps_the_returned_copy_where_the_hold_wants_it() -> None:
    ledger = run_kulkuri(RETURNED_ELSEWHERE)
    assert ledger.transfers == [] and ledger.legs == []
    assert ledger.ready == {"h1": 1}


def test_figures_of_each_policy_by_hand() -> None:
    baseline = hold_figures(run_baseline(RETURNED_ELSEWHERE), days=10, after_days=2)
    kulkuri = hold_figures(run_kulkuri(RETURNED_ELSEWHERE), days=10, after_days=2)
    assert (baseline.items_moved, baseline.holds_filled, baseline.items_per_hold_filled) == (
        2,
        1,
        2.0,
    )
    assert (baseline.median_days, baseline.p90_days) == (3.0, 3.0)
    assert (baseline.eligible, baseline.unfilled_after) == (1, 1)  # 3 days > 2
    assert (kulkuri.items_moved, kulkuri.holds_filled, kulkuri.items_per_hold_filled) == (0, 1, 0.0)
    assert (kulkuri.median_days, kulkuri.unfilled_after) == (0.0, 0)


def test_both_fill_a_hold_from_the_nearest_shelf_copy() -> None:
    # t2 has copies at A (12 km from B) and C (8 km from B); a hold at B takes C's copy,
    # C -> hub on day 1, hub -> B on day 2, under either policy.
    demand = Demand(
        days=5,
        copies=(StartingCopy("a2", "t2", "A"), StartingCopy("c2", "t2", "C")),
        events=(HoldPlaced("h2", "t2", "B", 0, 100),),
    )
    for ledger in (run_baseline(demand), run_kulkuri(demand)):
        assert [(t.item_id, t.from_library, t.to_library) for t in ledger.transfers] == [
            ("c2", "C", "B")
        ]
        assert [(leg.origin, leg.destination, leg.day) for leg in ledger.legs] == [
            ("C", "A", 1),
            ("A", "B", 2),
        ]
        assert ledger.ready == {"h2": 2}


def test_a_hold_waits_for_the_first_return_under_both() -> None:
    # The only copy (owned by A) is out; it comes back at A on day 2 and goes to B's hold.
    demand = Demand(
        days=6,
        copies=(StartingCopy("a3", "t3", "A", on_loan=True),),
        events=(HoldPlaced("h3", "t3", "B", 0, 100), LoanReturned("a3", "t3", "A", 2, 100)),
    )
    for ledger in (run_baseline(demand), run_kulkuri(demand)):
        assert [(leg.origin, leg.destination, leg.day) for leg in ledger.legs] == [("A", "B", 3)]
        assert ledger.ready == {"h3": 3}


def test_a_library_no_van_visits_gets_no_legs_and_its_copy_never_arrives() -> None:
    # B is closed all the while: C's copy returned there on day 0 is asked home, but no van
    # comes for it within the look-ahead; the run must not put a leg on a day B is not
    # visited (the fixed loop has no stop there to price it).
    demand = Demand(
        days=20,
        copies=(StartingCopy("c1", "t1", "C", on_loan=True),),
        events=(LoanReturned("c1", "t1", "B", 0, 100),),
    )

    def all_but_b(library: str, day: int) -> bool:
        return library != "B"

    ledger = run_policy(KohaLikeBaseline(cost), demand, HUB, all_but_b)
    assert [(t.from_library, t.to_library) for t in ledger.transfers] == [("B", "C")]
    assert ledger.legs == []
    transfer = Transfer("c2", "C", "B", 3, "hold", "h2")
    assert legs_of(transfer, HUB, all_but_b) == []
    assert legs_of(transfer, HUB, every_day) == [Leg("C", "A", 4, "c2"), Leg("A", "B", 5, "c2")]
