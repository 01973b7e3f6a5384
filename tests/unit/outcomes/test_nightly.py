"""The nightly re-assignment at each day's cut-off, on the line A (hub) - 12 km - B - 8 km - C
(tiny_network), worked out by hand. Costs are metres from the copy's library to the pickup."""

from __future__ import annotations

import pytest

from kulkuri.outcomes.domain.demand import Demand, HoldPlaced, StartingCopy
from kulkuri.outcomes.domain.figures import ReassignmentFigures, reassignment_figures
from kulkuri.outcomes.domain.ledger import Ledger, Leg, Transfer
from tests.unit.outcomes.tiny_network import NIGHTLY, run_baseline, run_kulkuri

COPIES = (StartingCopy("a1", "t1", "A"), StartingCopy("c1", "t1", "C"))


def _sent(ledger: Ledger) -> list[tuple[str, str, str, str | None]]:
    return [(t.item_id, t.from_library, t.to_library, t.hold_id) for t in ledger.transfers]


def _night(ledger: Ledger) -> list[tuple[int, int, int, int]]:
    return [(p.day, p.cost_before, p.cost_after, p.holds_reassigned) for p in ledger.plans]


# A hold at B comes first and takes the nearer copy, C's (8 km, not A's 12 km); a hold at C
# later the same day gets the one left, A's (20 km): 28 km, two copies sent crosswise.
CROSSWISE = Demand(
    days=5,
    copies=COPIES,
    events=(HoldPlaced("hB", "t1", "B", 0, 3600), HoldPlaced("hC", "t1", "C", 0, 7200)),
)


def test_the_per_hold_choice_sends_two_copies_crosswise() -> None:
    ledger = run_kulkuri(CROSSWISE)
    assert _sent(ledger) == [("c1", "C", "B", "hB"), ("a1", "A", "C", "hC")]
    assert ledger.ready == {"hC": 1, "hB": 2}  # A -> C on day 1; C -> A -> B on days 1, 2
    assert ledger.plans == [] and reassignment_figures(ledger) is None


def test_the_night_swaps_crosswise_copies_for_the_cheaper_pairs() -> None:
    # The plan: C's copy stays for the hold at C (0 km), A's goes to B (12 km): 12 km, not 28.
    # A's transfer is sent to B instead of C, C's transfer is called off before it is packed,
    # and C's copy is pulled onto C's hold shelf the same day.
    ledger = run_kulkuri(CROSSWISE, nightly=NIGHTLY)
    assert _sent(ledger) == [("a1", "A", "B", "hB")]
    assert [t.item_id for t in ledger.called_off] == ["c1"]
    assert ledger.legs == [Leg("A", "B", 1, "a1")]
    assert ledger.ready == {"hC": 0, "hB": 1}
    assert _night(ledger)[0] == (0, 28_000, 12_000, 2)
    assert reassignment_figures(ledger) == ReassignmentFigures(
        cost_before=28_000, cost_after=12_000, holds_reassigned=2, holds_filled=0,
        transfers_called_off=1,
    )  # fmt: skip


def test_the_night_changes_nothing_when_each_hold_has_its_cheapest_copy() -> None:
    # The hold at C comes first and takes C's own copy; the hold at B then takes A's (12 km).
    demand = Demand(
        days=5,
        copies=COPIES,
        events=(HoldPlaced("hC", "t1", "C", 0, 3600), HoldPlaced("hB", "t1", "B", 0, 7200)),
    )
    without, with_night = run_kulkuri(demand), run_kulkuri(demand, nightly=NIGHTLY)
    assert _sent(with_night) == _sent(without) == [("a1", "A", "B", "hB")]
    assert with_night.legs == without.legs
    assert with_night.ready == without.ready == {"hC": 0, "hB": 1}
    assert _night(with_night)[0] == (0, 12_000, 12_000, 0)
    assert with_night.called_off == []


def test_a_copy_assigned_before_the_last_cut_off_is_pulled_and_not_reassigned() -> None:
    # As CROSSWISE, but the hold at C comes a day later: C's copy was on the day-0 pull list
    # and is on the van, so day 1's plan may only look at the hold at C and A's copy.
    demand = Demand(
        days=5,
        copies=COPIES,
        events=(HoldPlaced("hB", "t1", "B", 0, 3600), HoldPlaced("hC", "t1", "C", 1, 3600)),
    )
    without, with_night = run_kulkuri(demand), run_kulkuri(demand, nightly=NIGHTLY)
    assert _sent(with_night) == _sent(without) == [("c1", "C", "B", "hB"), ("a1", "A", "C", "hC")]
    assert with_night.ready == without.ready == {"hB": 2, "hC": 2}
    assert _night(with_night)[:2] == [(0, 8_000, 8_000, 0), (1, 20_000, 20_000, 0)]


def test_the_baseline_has_no_cut_off() -> None:
    ledger = run_baseline(CROSSWISE)
    assert _sent(ledger) == [("c1", "C", "B", "hB"), ("a1", "A", "C", "hC")]
    assert ledger.plans == [] and ledger.called_off == []


def test_only_a_transfer_not_yet_packed_can_be_called_off_or_sent_elsewhere() -> None:
    ledger = Ledger()
    ledger.transfer(Transfer("a1", "A", "C", 0, "hold", "hC", "a1:1"))
    ledger.transfer(Transfer("c1", "C", "B", 0, "hold", "hB", "c1:1"))
    ledger.mark_packed()
    ledger.transfer(Transfer("b1", "B", "C", 1, "hold", "hC2", "b1:1"))
    for packed in ("a1:1", "c1:1"):
        with pytest.raises(ValueError, match="not waiting to be packed"):
            ledger.call_off(packed)
        with pytest.raises(ValueError, match="not waiting to be packed"):
            ledger.retarget(packed, "B", "hold", "hB")
    ledger.retarget("b1:1", "A", "hold", "hA")
    assert ledger.unpacked() == [Transfer("b1", "B", "A", 1, "hold", "hA", "b1:1")]
    ledger.call_off("b1:1")
    assert ledger.unpacked() == [] and [t.item_id for t in ledger.called_off] == ["b1"]
    assert [t.item_id for t in ledger.transfers] == ["a1", "c1"]
