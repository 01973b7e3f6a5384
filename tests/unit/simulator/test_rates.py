"""Over a larger sample the simulated patrons do what the configuration says: loans and
holds per day, the share of returns at another library, cancellations and no-shows; and the
collection has a long tail and follows the libraries' sizes."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from functools import cache

from kulkuri.shared.events import CirculationEvent, HoldPlaced, ItemCheckedOut, ItemReturned
from kulkuri.simulator import Behaviour, dry_run_events
from kulkuri.simulator.adapters.network_data import load_network
from kulkuri.simulator.core import agenda, patrons
from kulkuri.simulator.core.config import HELSINKI, SimulationConfig
from kulkuri.simulator.core.network import SimNetwork
from kulkuri.simulator.core.simulation import Simulation
from tests.unit.simulator.builders import WEDNESDAY, small_config, toy_network

DAYS = 4


@cache
def four_days() -> tuple[SimulationConfig, SimNetwork, tuple[CirculationEvent, ...]]:
    config = small_config(days=DAYS, items=20000, seed=5)
    network = load_network("Lastu", config.behaviour, HELSINKI)
    return config, network, tuple(dry_run_events(config, WEDNESDAY))


def within_days(event: CirculationEvent) -> bool:
    first = datetime.combine(WEDNESDAY, datetime.min.time(), tzinfo=HELSINKI)
    return first <= event.time < first + timedelta(days=DAYS)


def test_loans_per_day_follow_the_libraries_open_that_day() -> None:
    config, network, events = four_days()
    walk_ins = sum(1 for e in events if isinstance(e, ItemCheckedOut) and within_days(e))
    expected = sum(
        config.loans_per_day * (1 - config.behaviour.holds_per_loan) * network.share(lib.id)
        for n in range(DAYS)
        for lib in network.libraries
        if network.is_open_on(lib.id, WEDNESDAY + timedelta(days=n))
    )
    assert abs(walk_ins / expected - 1) < 0.1, (walk_ins, expected)


def test_holds_per_day_are_the_configured_share_of_loans() -> None:
    config, _, events = four_days()
    holds = sum(1 for e in events if isinstance(e, HoldPlaced) and within_days(e))
    expected = config.loans_per_day * config.behaviour.holds_per_loan * DAYS
    assert abs(holds / expected - 1) < 0.15, (holds, expected)


def test_most_loans_come_back_where_they_were_borrowed_and_the_configured_share_elsewhere() -> None:
    config, _, events = four_days()
    borrowed_at: dict[str, str] = {}
    returns = Counter[bool]()
    for event in events:
        if isinstance(event, ItemCheckedOut):
            borrowed_at[event.data.item_id] = event.data.library
        elif isinstance(event, ItemReturned):
            returns[event.data.library != borrowed_at[event.data.item_id]] += 1
    share = returns[True] / returns.total()
    assert returns.total() > 1000
    assert abs(share - config.behaviour.return_elsewhere_share) < 0.03, share


def test_cancellations_and_no_shows_follow_the_configured_shares() -> None:
    behaviour = Behaviour(cancel_share=0.2, no_show_share=0.3)
    config = SimulationConfig(network="Lastu", run="rates", items=500, behaviour=behaviour)
    simulation = Simulation(config, toy_network(), WEDNESDAY)
    list(simulation.start())  # seeded
    scene = simulation.scene
    scene.horizon = None  # follow every hold to its end, however late
    at = datetime(2026, 11, 25, 10, tzinfo=HELSINKI)
    placed = [patrons.hold_wanted(scene, at, "L2")[0] for _ in range(4000)]
    cancelling = count_scheduled(simulation, agenda.PatronCancels)
    assert abs(cancelling / len(placed) - 0.2) < 0.02
    copy = scene.catalogue.copies[0]
    for event in placed:
        assert isinstance(event, HoldPlaced)
        patrons.hold_ready(scene, at, event.data.hold_id, copy.item_id, "L2")
    no_shows = count_scheduled(simulation, agenda.ShelfTimeOver)
    collecting = count_scheduled(simulation, agenda.PatronCollects)
    assert no_shows + collecting == len(placed)
    # Beyond the configured share, a few patrons come only after the shelf time is over.
    assert 0.3 <= no_shows / len(placed) < 0.33


def count_scheduled(simulation: Simulation, kind: type) -> int:
    return sum(1 for _, _, action in simulation.scene.agenda._heap if isinstance(action, kind))


def test_popularity_has_a_long_tail_and_copies_follow_library_size() -> None:
    config = small_config(items=20000)
    network = load_network("Lastu", config.behaviour, HELSINKI)
    catalogue = Simulation(config, network, WEDNESDAY).scene.catalogue
    shares = sorted(catalogue.popularity.values(), reverse=True)
    top_fifth = sum(shares[: len(shares) // 5])
    assert 0.7 < top_fifth < 0.85, "about Trueswell's 80/20"
    assert shares[0] / shares[9] < 2.5, "a flattened head: pure Zipf would give 10"
    owners = Counter(copy.owner for copy in catalogue.copies)
    for library in network.libraries:
        if network.share(library.id) > 0.06:
            ratio = owners[library.id] / len(catalogue.copies) / network.share(library.id)
            assert 0.85 < ratio < 1.15, (library.name, ratio)


def test_a_library_given_its_own_rate_lends_that_many() -> None:
    # Five times its share, not more: in a dry run returned copies never go back on the
    # shelf (no decisions come), so a much busier library would run out of copies.
    busy = small_config(days=DAYS, items=20000, seed=5, loans_at={"85910": 150.0})
    events = list(dry_run_events(busy, WEDNESDAY))
    walk_ins = Counter(
        e.data.library for e in events if isinstance(e, ItemCheckedOut) and within_days(e)
    )
    expected = 150.0 * (1 - busy.behaviour.holds_per_loan) * DAYS
    assert abs(walk_ins["85910"] / expected - 1) < 0.1, (walk_ins["85910"], expected)
    _, _, default_events = four_days()
    default = Counter(
        e.data.library for e in default_events if isinstance(e, ItemCheckedOut) and within_days(e)
    )
    assert walk_ins["85910"] > 3 * default["85910"]
