"""Lane demand becomes shipments of whole crates."""

from __future__ import annotations

import pytest

from kulkuri.routing.domain.demand import LaneCrates, crates_needed, shipments_for
from kulkuri.routing.domain.problem import Mode, Shipment

KNOWN = {"A", "B", "H"}


def test_copies_not_yet_packed_count_as_the_crates_they_will_fill() -> None:
    assert crates_needed(LaneCrates("A", "H", items=41, crates=0), 40) == 2
    assert crates_needed(LaneCrates("A", "H", items=10, crates=3), 40) == 3


def test_each_lane_is_one_shipment_and_priority_crates_travel_apart() -> None:
    lanes = [LaneCrates("A", "H", 50, 0, priority_crates=1), LaneCrates("H", "B", 5, 1)]
    shipments, refused = shipments_for(
        lanes, mode=Mode.HUB, hub="H", known=KNOWN, crate_capacity=40
    )
    assert shipments == (
        Shipment("A>H:p", "A", "H", 1, priority=True),
        Shipment("A>H", "A", "H", 1),
        Shipment("H>B", "H", "B", 1),
    )
    assert refused == ()


def test_in_hub_mode_a_lane_past_the_hub_goes_to_the_hub_today() -> None:
    shipments, _ = shipments_for(
        [LaneCrates("A", "B", 3, 0)], mode=Mode.HUB, hub="H", known=KNOWN, crate_capacity=40
    )
    assert shipments == (Shipment("A>H", "A", "H", 1),)


def test_direct_lanes_stay_direct_and_empty_lanes_are_left_out() -> None:
    lanes = [LaneCrates("A", "B", 3, 0), LaneCrates("B", "A", 0, 0)]
    shipments, _ = shipments_for(lanes, mode=Mode.DIRECT, hub=None, known=KNOWN, crate_capacity=40)
    assert shipments == (Shipment("A>B", "A", "B", 1),)


def test_a_lane_naming_an_unknown_library_is_reported_not_planned() -> None:
    lane = LaneCrates("A", "Z", 3, 0)
    shipments, refused = shipments_for(
        [lane], mode=Mode.DIRECT, hub=None, known=KNOWN, crate_capacity=40
    )
    assert shipments == ()
    assert [(r.lane, r.reason) for r in refused] == [(lane, "unknown_library")]


@pytest.mark.parametrize("library", ["H", "A"])
def test_a_lane_from_a_library_to_itself_is_reported_not_planned(library: str) -> None:
    # Seen in a simulated Helmet week: a transfer re-targeted to the library it was at came
    # back as the lane H>H, a shipment from the hub to itself, and the day had no plan.
    lanes = [LaneCrates(library, library, 1, 1), LaneCrates("A", "H", 3, 0)]
    for mode, hub in ((Mode.HUB, "H"), (Mode.DIRECT, None)):
        shipments, refused = shipments_for(
            lanes, mode=mode, hub=hub, known=KNOWN, crate_capacity=40
        )
        assert shipments == (Shipment("A>H", "A", "H", 1),)
        assert [(r.lane, r.reason) for r in refused] == [(lanes[0], "same_library")]


def test_hub_mode_without_a_hub_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a hub"):
        shipments_for([], mode=Mode.HUB, hub=None, known=KNOWN, crate_capacity=40)


def test_a_lane_with_more_crates_than_a_van_holds_is_split_to_share_vans() -> None:
    shipments, _ = shipments_for(
        [LaneCrates("A", "B", 0, 9)],
        mode=Mode.DIRECT,
        hub=None,
        known=KNOWN,
        crate_capacity=40,
        most_per_shipment=4,
    )
    assert [(s.shipment_id, s.crates) for s in shipments] == [
        ("A>B", 4),
        ("A>B#2", 4),
        ("A>B#3", 1),
    ]


def test_in_hub_mode_a_lane_past_the_hub_joins_the_lane_already_running_there() -> None:
    lanes = [LaneCrates("A", "B", 0, 2), LaneCrates("A", "H", 0, 3, priority_crates=1)]
    shipments, _ = shipments_for(lanes, mode=Mode.HUB, hub="H", known=KNOWN, crate_capacity=40)
    assert shipments == (
        Shipment("A>H:p", "A", "H", 1, priority=True),
        Shipment("A>H", "A", "H", 4),
    )
