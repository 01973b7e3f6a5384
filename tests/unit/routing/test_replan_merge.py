"""Re-planning the rest of a day, without a solver: what is done, what is left, and the
day's plan made whole again; then once through the OR-Tools engine."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kulkuri.routing.domain.plan import DroppedShipment, PlannedStop, RoutePlan, VanRoute
from kulkuri.routing.domain.problem import Mode, Shipment
from kulkuri.routing.domain.progress import ProgressError, day_progress
from kulkuri.routing.domain.replan import merge, remaining_problem, urgent_shipments
from kulkuri.routing.solver import OrToolsSolver

from .builders import DAY, QUICK, back, out, problem, van, visits

LINE = [(0, 0), (1, 0), (2, 0), (3, 0)]  # 1 km (60 s) apart
H = 3600
SHIPMENTS = [out("a", 1), out("b", 3), back("c", 1), out("d", 2)]
NETWORK = problem(LINE, [], [van("V1"), van("V2")])


def stop(
    place: int, t: int, unload: tuple[str, ...] = (), load: tuple[str, ...] = ()
) -> PlannedStop:
    return PlannedStop(f"P{place}", t, t + 60, unload, load)


# V1: hub (loads a, b) -> P1 (a off, c on) -> P2 -> P3 (b off) -> hub (c off)
V1 = VanRoute(
    "V1",
    (
        stop(0, 7 * H, load=("a", "b")),
        stop(1, 7 * H + 120, unload=("a",), load=("c",)),
        stop(2, 7 * H + 240),
        stop(3, 7 * H + 360, unload=("b",)),
        stop(0, 7 * H + 600, unload=("c",)),
    ),
    distance_m=6000,
    duration_s=600,
)
# V2: hub (loads d) -> P2 (d off) -> hub
V2 = VanRoute(
    "V2",
    (stop(0, 8 * H, load=("d",)), stop(2, 8 * H + 180, unload=("d",)), stop(0, 8 * H + 360)),
    distance_m=4000,
    duration_s=360,
)
PLAN = RoutePlan(DAY, Mode.HUB, (V1, V2))


def test_stops_done_give_what_is_delivered_and_what_is_on_board() -> None:
    progress = day_progress(PLAN, {"V1": 2, "V2": 1})

    assert progress.delivered == {"a"}
    assert progress.carried == {"b": "V1", "c": "V1", "d": "V2"}
    assert progress.stranded == {}


def test_working_van_starts_at_its_last_done_stop_with_its_crates_on_board() -> None:
    progress = day_progress(PLAN, {"V1": 2})
    rest = remaining_problem(NETWORK, progress, SHIPMENTS)

    v1, v2 = rest.vans
    assert (v1.start_place, v1.available_from_s, v1.fixed_cost) == ("P1", 7 * H + 180, 0.0)
    assert (v2.start_place, v2.available_from_s) == (None, None)  # not left yet: as planned
    assert {s.shipment_id: s.on_van for s in rest.shipments} == {"b": "V1", "c": "V1", "d": None}


def test_broken_van_takes_no_more_work_and_its_crates_stay_on_it() -> None:
    progress = day_progress(PLAN, {"V1": 1, "V2": 1}, broken={"V2"})
    rest = remaining_problem(NETWORK, progress, SHIPMENTS)

    assert [v.van_id for v in rest.vans] == ["V1"]
    assert "d" not in {s.shipment_id for s in rest.shipments}
    assert progress.stranded == {"d": "van_broken"}


def test_no_van_leaves_before_now_and_a_van_whose_shift_is_over_stays_home() -> None:
    progress = day_progress(PLAN, {"V1": 2})
    evening = replace(NETWORK, vans=(van("V1"), replace(van("V2"), shift_end_s=12 * H)))
    rest = remaining_problem(evening, progress, SHIPMENTS, now_s=13 * H)

    [v1] = rest.vans
    assert v1.available_from_s == 13 * H


def test_merged_plan_keeps_done_stops_and_continues_from_where_the_van_is() -> None:
    progress = day_progress(PLAN, {"V1": 3, "V2": 1}, broken={"V2"})
    rest = remaining_problem(NETWORK, progress, SHIPMENTS)
    new_v1 = VanRoute(
        "V1",
        (
            PlannedStop("P2", 7 * H + 300, 7 * H + 300, load_after=2),  # where it is
            PlannedStop("P3", 7 * H + 360, 7 * H + 420, unload=("b",), load_after=1),
            PlannedStop("P0", 7 * H + 600, 7 * H + 660, unload=("c",), load_after=0),
        ),
        distance_m=4000,
        duration_s=300,
    )
    new = RoutePlan(DAY, Mode.HUB, (new_v1,), dropped=(DroppedShipment("x", "closed"),))

    merged = merge(progress, new, rest)

    v1, v2 = merged.routes
    assert v1.stops[:3] == V1.stops[:3]
    assert v1.stops[3:] == new_v1.stops[1:]  # nothing handled where it is: no extra stop
    assert v1.distance_m == 2000 + 4000
    assert v1.duration_s == 600
    assert v2.stops == V2.stops[:1]  # broken down after leaving the hub
    assert merged.dropped == (DroppedShipment("x", "closed"), DroppedShipment("d", "van_broken"))


def test_new_work_where_the_van_already_is_becomes_a_stop_of_its_own() -> None:
    progress = day_progress(PLAN, {"V1": 5, "V2": 2})
    rest = remaining_problem(NETWORK, progress, SHIPMENTS)
    loads_here = PlannedStop("P2", 8 * H + 300, 8 * H + 330, load=("u",), load_after=1)
    new_v2 = VanRoute("V2", (loads_here, stop(0, 8 * H + 450, unload=("u",))), 2000, 150)

    merged = merge(progress, RoutePlan(DAY, Mode.HUB, (new_v2,)), rest)

    v1, v2 = merged.routes
    assert v1 == V1  # finished: unchanged
    assert v2.stops == (*V2.stops[:2], *new_v2.stops)


@pytest.mark.parametrize(
    ("done", "broken", "reason", "named"),
    [
        pytest.param({"V9": 1}, set(), "unknown_van", "V9", id="unknown-van-done"),
        pytest.param({}, {"V8"}, "unknown_van", "V8", id="unknown-van-broken"),
        pytest.param({"V2": 4}, set(), "too_many_done", "V2", id="more-done-than-stops"),
    ],
)
def test_progress_that_does_not_fit_the_plan_is_refused(
    done: dict[str, int], broken: set[str], reason: str, named: str
) -> None:
    with pytest.raises(ProgressError, match=named) as caught:
        day_progress(PLAN, done, broken)
    assert caught.value.reason == reason


def test_urgent_shipments_are_named_apart_from_the_days() -> None:
    urgent = urgent_shipments([out("a", 1), out("a", 1)], taken={"a", "a:urgent"})

    assert [s.shipment_id for s in urgent] == ["a:urgent2", "a:urgent3"]


def test_replanning_keeps_completed_stops_and_gives_a_broken_vans_stops_to_others() -> None:
    progress = day_progress(PLAN, {"V1": 2, "V2": 0}, broken={"V2"})
    urgent = urgent_shipments([Shipment("u", "P3", "P0", 1, priority=True)], taken={"a"})
    rest = remaining_problem(NETWORK, progress, [*SHIPMENTS, *urgent])

    merged = merge(progress, OrToolsSolver().solve(rest, QUICK), rest)

    v1, v2 = merged.routes
    assert v1.stops[:2] == V1.stops[:2]
    assert v2.stops == ()  # never left
    assert merged.dropped == ()
    unloads = {i: s.place_id for s in v1.stops[2:] for i in s.unload}
    assert unloads == {"b": "P3", "c": "P0", "d": "P2", "u:urgent": "P0"}
    assert all(s.arrival_s >= v1.stops[1].departure_s for s in v1.stops[2:])
    assert visits(v1)[-1] == "P0"
    on_board, after = 2, []  # b and c, loaded at the done stops
    for s in v1.stops[2:]:
        on_board += len(s.load) - len(s.unload)  # one crate each
        after.append(on_board)
    assert [s.load_after for s in v1.stops[2:]] == after


def test_van_broken_in_an_earlier_version_stays_broken_with_its_stops_done() -> None:
    first = day_progress(PLAN, {"V1": 2, "V2": 1}, broken={"V2"})  # d on board
    rest = remaining_problem(NETWORK, first, SHIPMENTS)
    earlier = merge(first, OrToolsSolver().solve(rest, QUICK), rest)

    again = day_progress(earlier, {"V1": 2})

    v2 = again.van("V2")
    assert v2 is not None and v2.broken and v2.done == 1
    assert [v.van_id for v in remaining_problem(NETWORK, again, SHIPMENTS).vans] == ["V1"]
    assert again.stranded == {"d": "van_broken"}
