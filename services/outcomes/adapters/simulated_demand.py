"""The comparison's demand, drawn by the circulation simulator's core.

From ``kulkuri.simulator.core``, unchanged: the catalogue (titles by Zipf-Mandelbrot
popularity, copies owned by libraries drawn by size), the loans out at the start and when
and where each comes back (the seeding rules: 15 % at another library, by size and
nearness), and the network's daily holds (``holds_per_loan`` of each library's loans, a
Poisson number a day, titles by popularity). A return on a day without vans counts on the
next service day.

Walk-in loans are left out: they would take copies off the shelves differently under each
policy, and the comparison needs the same demand for both. So are cancellations and
pickups (a copy on the hold shelf stays there).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from kulkuri.outcomes.domain.demand import (
    Demand,
    DemandEvent,
    HoldPlaced,
    LoanReturned,
    StartingCopy,
)
from kulkuri.simulator.adapters.network_data import load_network
from kulkuri.simulator.core.catalogue import build_catalogue
from kulkuri.simulator.core.circulation import CirculationFactory
from kulkuri.simulator.core.config import SimulationConfig
from kulkuri.simulator.core.network import SimNetwork
from kulkuri.simulator.core.scene import Scene, poisson
from kulkuri.simulator.core.seeding import seed as seed_world

_DAY_S = 24 * 3600


def simulated_demand(
    network: str,
    service_days: list[date],
    seed: int,
    scale: float | None = None,
    members: frozenset[str] | None = None,
) -> Demand:
    """``members``: the libraries the vans serve; the simulator's others are left out."""
    config = SimulationConfig(network=network, seed=seed, scale=scale, run="outcomes")
    sim_network = load_network(network, config.behaviour, config.zone)
    if members is not None:
        kept = [lib for lib in sim_network.libraries if lib.id in members]
        sim_network = SimNetwork(sim_network.name, kept, sim_network.windows, config.zone)
    rng = random.Random(seed)
    catalogue = build_catalogue(
        rng, sim_network, config.collection_size, config.behaviour, config.run
    )
    factory = CirculationFactory(
        config.run, config.source, timedelta(days=config.behaviour.loan_period_days)
    )
    scene = Scene(config, rng, sim_network, catalogue, factory)
    start = datetime.combine(service_days[0], time(6), tzinfo=config.zone)
    scene.horizon = datetime.combine(service_days[-1], time(22), tzinfo=config.zone)
    for _ in seed_world(scene, start):
        pass  # the world (loans and their returns) is complete once the events are taken
    copies = tuple(
        StartingCopy(
            c.item_id,
            c.bib_id,
            c.owner,
            c.item_id in scene.world.loans,
            catalogue.by_bib[c.bib_id].collection,
            catalogue.by_bib[c.bib_id].format,
        )
        for c in catalogue.copies
    )
    events: list[tuple[int, int, str, DemandEvent]] = []
    for loan in scene.world.loans.values():
        if loan.returns_at is None:
            continue
        day, second = _service_moment(loan.returns_at, service_days)
        if day is not None:
            bib = scene.world.copies[loan.item_id].bib_id
            returned = LoanReturned(loan.item_id, bib, loan.returns_to, day, second)
            events.append((day, second, loan.item_id, returned))
    holds = 0
    for day in range(len(service_days)):
        for library in sim_network.libraries:
            loans = config.loans_per_day_at(library.id, sim_network.share(library.id))
            for _ in range(poisson(rng, loans * config.behaviour.holds_per_loan)):
                holds += 1
                second = 3600 + rng.randrange(15 * 3600)  # online, 07:00-22:00
                hold_id = f"outcomes-h{holds:07d}"
                title = catalogue.pick_title(rng)
                placed = HoldPlaced(hold_id, title.bib_id, library.id, day, second)
                events.append((day, second, hold_id, placed))
    events.sort(key=lambda e: e[:3])
    return Demand(len(service_days), copies, tuple(e[3] for e in events))


def _service_moment(at: datetime, service_days: list[date]) -> tuple[int | None, int]:
    """The service day of a moment (a day without vans: the next one) and seconds from
    its 06:00 start (0 when moved)."""
    local = at  # in the network's zone, as the simulator makes it
    for number, day in enumerate(service_days):
        if local.date() == day:
            seconds = local.hour * 3600 + local.minute * 60 + local.second - 6 * 3600
            return number, max(0, seconds)
        if local.date() < day:
            return number, 0
    return None, 0
