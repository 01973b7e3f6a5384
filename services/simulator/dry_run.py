"""The event stream without a system: the simulated ILS's circulation events, as JSON lines.

Nothing answers: no decisions come back, so no hold is ever ready, no copy is pulled and no
van runs; returned copies stay in the returns bin. What remains is the open-loop part of the
run (the catalogue, loans out, visits, holds, returns, cancellations), the same events a
live run starts from, and the same bytes for the same configuration and seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from kulkuri.shared.events import CirculationEvent, EventCodec
from kulkuri.simulator.adapters.network_data import load_network
from kulkuri.simulator.core.config import SimulationConfig, default_first_day
from kulkuri.simulator.core.simulation import Simulation


def dry_run_events(config: SimulationConfig, today: date) -> Iterator[CirculationEvent]:
    network = load_network(config.network, config.behaviour, config.zone)
    simulation = Simulation(config, network, config.first_day or default_first_day(today))
    yield from simulation.start()
    while simulation.next_at is not None:
        step = simulation.step()
        yield from step.events
        if step.finished:
            return


def dry_run_lines(config: SimulationConfig, today: date) -> Iterator[bytes]:
    """One CloudEvent per line, UTF-8 JSON as it goes on the wire."""
    for event in dry_run_events(config, today):
        yield EventCodec.encode(event) + b"\n"
