"""The run: the simulation driven against the real system, at ``speed`` times real time.

The runner keeps the simulated clock (``core.clock``): it waits until the next action is
due, applies the holds service's decisions that arrived meanwhile, takes the step, sends
its circulation events and has the staff and drivers do their task. At each cut-off it waits
until the system has caught up (``adapters.settling``), asks the lane worker for the day's
demand, waits for the routing service's plan and schedules the vans by it; the clock stands
still while it waits. When the run falls behind (the system or the API is slower than the
clock), steps follow each other without waiting until it is on time again: events keep their
simulated times either way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import httpx

from kulkuri.shared.auth import TokenAuthority
from kulkuri.shared.settings import KafkaSettings
from kulkuri.simulator.actors import StaffAndDrivers
from kulkuri.simulator.adapters.feed import DecisionFeed
from kulkuri.simulator.adapters.network_data import load_network
from kulkuri.simulator.adapters.producer import CirculationProducer
from kulkuri.simulator.adapters.settling import Settling, SystemNames
from kulkuri.simulator.adapters.transport_api import TransportApi
from kulkuri.simulator.core.clock import ServiceHours, SimClock
from kulkuri.simulator.core.config import SimulationConfig, default_first_day
from kulkuri.simulator.core.simulation import Simulation, Step
from kulkuri.simulator.core.tasks import (
    CutOffTask,
    PackTask,
    PullTask,
    ReceiveTask,
    Task,
    VanStopTask,
)
from kulkuri.simulator.summary import SimulationSummary
from kulkuri.transport.lanes.commands import Publish, send_commands
from kulkuri.transport.lanes.settings import LaneSettings

Progress = Callable[[str], None]
_PARALLEL_TASKS = 4  # staff rounds of one instant run side by side, this many at a time


@dataclass
class SystemConnection:
    """Where the running system is: its broker, its transport API and the key its tokens
    are signed with, and the names of its consumer groups."""

    bootstrap_servers: str
    transport: httpx.AsyncClient
    authority: TokenAuthority
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    names: SystemNames = field(default_factory=SystemNames)
    plan_timeout_s: float = 120.0
    settle_timeout_s: float = 60.0
    # Called at each cut-off once the system has caught up; True when it replaced the broker
    # with an empty one on the same address (long benchmark runs do, for want of retention
    # on the local broker), so the run forgets the offsets it knew.
    at_cut_off: Callable[[date], Awaitable[bool]] | None = None


async def run_simulation(
    config: SimulationConfig,
    system: SystemConnection,
    *,
    today: date | None = None,
    progress: Progress | None = None,
) -> SimulationSummary:
    tell = progress or (lambda _: None)
    started = time.monotonic()
    network = load_network(config.network, config.behaviour, config.zone)
    local_today = today or datetime.now(UTC).astimezone(config.zone).date()
    first_day = config.first_day or default_first_day(local_today)
    if first_day < local_today:
        raise ValueError("the first simulated day cannot be in the past (see docs/simulator.md)")
    simulation = Simulation(config, network, first_day)
    summary = SimulationSummary(
        config.network, config.run, config.seed, config.speed, first_day, config.days
    )
    settling = Settling(system.bootstrap_servers, system.kafka, system.names)
    actors = StaffAndDrivers(simulation, TransportApi(system.transport, system.authority))
    async with (
        DecisionFeed(system.bootstrap_servers, system.kafka, config.run) as feed,
        CirculationProducer(system.bootstrap_servers, system.kafka) as producer,
    ):
        try:
            run = _Run(config, system, simulation, summary, feed, producer, settling, actors, tell)
            await run.seed()
            await run.days()
        finally:
            await settling.close()
    _finish(summary, simulation, actors)
    summary.wall_s = round(time.monotonic() - started, 2)
    return summary


@dataclass
class _Run:
    config: SimulationConfig
    system: SystemConnection
    simulation: Simulation
    summary: SimulationSummary
    feed: DecisionFeed
    producer: CirculationProducer
    settling: Settling
    actors: StaffAndDrivers
    tell: Progress
    clock: SimClock | None = None

    async def seed(self) -> None:
        began = time.monotonic()
        self.tell(f"seeding {len(self.simulation.scene.catalogue.copies)} copies and the loans out")
        await self.producer.send(self.simulation.start())
        # The holds service takes thousands of events a second; allow it a few hundred.
        await self._settle(max(self.system.settle_timeout_s, self.producer.sent / 200))
        self.summary.seeding_wall_s = round(time.monotonic() - began, 2)

    async def days(self) -> None:
        sim = self.simulation
        hours = ServiceHours(self.config.day_starts, self.config.day_ends, self.config.zone)
        self.clock = clock = SimClock(hours, self.config.speed, sim.begins, time.monotonic())
        self.tell(f"simulating from {sim.begins:%Y-%m-%d %H:%M} at {self.config.speed:g}x")
        while (at := sim.next_at) is not None:
            delay = clock.wall_due(at) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)  # pacing the simulated clock, not synchronisation
            else:
                self.summary.most_behind_s = max(self.summary.most_behind_s, -delay)
            now = max(at, clock.now(time.monotonic()))
            for decision in self.feed.drain():
                sim.observe(decision, now)
            steps = [sim.step()]
            while sim.next_at == at and _parallel(steps[-1].task):
                steps.append(sim.step())
            for step in steps:
                await self.producer.send(step.events)
            await self._perform(steps)
            if any(step.finished for step in steps):
                break
        await self.producer.flush()
        await self._settle(self.system.settle_timeout_s)
        for decision in self.feed.drain():
            sim.observe(decision, sim.ends)

    async def _perform(self, steps: list[Step]) -> None:
        """Carry out the steps' tasks: a cut-off first, the others side by side."""
        cut_offs = [s.task for s in steps if isinstance(s.task, CutOffTask)]
        for task in cut_offs:
            await self._cut_off(task)
        limit = asyncio.Semaphore(_PARALLEL_TASKS)

        async def one(task: Task) -> None:
            async with limit:
                await self._do(task)

        others = [s.task for s in steps if s.task is not None and s.task not in cut_offs]
        await asyncio.gather(*(one(task) for task in others))

    async def _do(self, task: Task) -> None:
        match task:
            case PullTask():
                await self.actors.pull(task)
            case PackTask():
                await self.actors.pack(task)
            case VanStopTask():
                await self.actors.drive(task)
            case ReceiveTask():
                await self.actors.receive(task)

    async def _cut_off(self, task: CutOffTask) -> None:
        assert self.clock is not None
        self.tell(f"{task.day}: cut-off; waiting for the system, then for the day's plan")
        await self.producer.flush()
        await self._settle(self.system.settle_timeout_s)
        if self.system.at_cut_off is not None and await self.system.at_cut_off(task.day):
            self.producer.forget_offsets()
            await self.feed.rewind()
        asked = datetime.now(UTC)
        lanes = LaneSettings(app_id=self.system.names.lanes_app_id)
        await send_commands(
            self.system.bootstrap_servers, lanes, [Publish(task.day)], kafka=self.system.kafka
        )
        plan = await self.feed.plan_for(task.day, asked, self.system.plan_timeout_s)
        if plan is None:
            self.summary.missed_plans.append(task.day.isoformat())
            self.tell(f"{task.day}: no plan came within {self.system.plan_timeout_s:g} s")
        else:
            self.simulation.plan_arrived(plan)
            vans = len(self.simulation.plans[task.day].routes)
            self.summary.plans[task.day.isoformat()] = vans
            self.tell(f"{task.day}: plan version {plan.version}, {vans} vans driving")
        self.clock.reanchor(task.at, time.monotonic())

    async def _settle(self, timeout: float) -> None:
        await self.producer.flush()
        if not await self.settling.caught_up(self.producer.last_offsets, self.feed, timeout):
            self.summary.unsettled += 1
            self.tell(f"the system had not caught up after {timeout:g} s; going on")


def _parallel(task: Task | None) -> bool:
    return isinstance(task, PullTask | PackTask | ReceiveTask)


def _finish(summary: SimulationSummary, simulation: Simulation, actors: StaffAndDrivers) -> None:
    counts = simulation.counts
    work_keys = ("pulled", "packed", "crates_loaded", "crates_unloaded", "van_stops", "received")
    summary.events = {k: v for k, v in sorted(counts.items()) if k not in work_keys}
    summary.work = {k: counts[k] for k in work_keys}
    summary.holds = simulation.scene.world.count_holds()
    summary.copies = simulation.scene.world.count_where()
    summary.refused_scans = dict(sorted(actors.refused.items()))
