"""One simulation: the timeline of a run and the dispatch of its agenda.

The run covers the eve of the first service day (from ``eve_from``) and then each service
day from its cut-off (06:00) to ``day_ends``. ``start()`` returns the seeding events and
fills the agenda; each ``step()`` takes the next action and returns the circulation events
it produced and, for the staff's and drivers' work, a task for the runner, whose outcome
comes back through ``pulled``, ``received_where_they_stood``, ``packed``, ``van_stop_done``
and ``received``. Decisions of
the holds service come in through ``observe`` and a day's route plan through
``plan_arrived``.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from kulkuri.shared.events import CirculationEvent
from kulkuri.shared.events.holds import HoldsEvent
from kulkuri.shared.events.routing import RoutePlanData
from kulkuri.simulator.core import agenda as a
from kulkuri.simulator.core import patrons
from kulkuri.simulator.core.catalogue import build_catalogue
from kulkuri.simulator.core.circulation import CirculationFactory
from kulkuri.simulator.core.config import SimulationConfig
from kulkuri.simulator.core.crates import CrateBook, CrateStatus, TransferInfo
from kulkuri.simulator.core.feedback import observe
from kulkuri.simulator.core.network import SimNetwork
from kulkuri.simulator.core.scene import Scene
from kulkuri.simulator.core.seeding import seed
from kulkuri.simulator.core.staff import local_check_ins, plan_rounds
from kulkuri.simulator.core.tasks import (
    CutOffTask,
    PackTask,
    PullTask,
    ReceiveTask,
    Task,
    VanStopTask,
)
from kulkuri.simulator.core.vans import DayRoutes, day_routes, to_load, to_unload
from kulkuri.simulator.core.world import Where

# Where staff find a copy that never left: on the shelf, in hand, pulled or packed.
_AT_HAND = (Where.SHELF, Where.HANDS, Where.BIN, Where.TRANSIT)


@dataclass
class Step:
    at: datetime
    events: list[CirculationEvent] = field(default_factory=list)
    task: Task | None = None
    finished: bool = False


class Simulation:
    def __init__(self, config: SimulationConfig, network: SimNetwork, first_day: date) -> None:
        self.config = config
        self.first_day = first_day
        self.days = [first_day + timedelta(days=n) for n in range(config.days)]
        rng = random.Random(config.seed)
        catalogue = build_catalogue(
            rng, network, config.collection_size, config.behaviour, config.run
        )
        loan_period = timedelta(days=config.behaviour.loan_period_days)
        factory = CirculationFactory(config.run, config.source, loan_period)
        self.scene = Scene(config, rng, network, catalogue, factory)
        self.scene.horizon = self.ends
        self.crates = CrateBook()
        self.plans: dict[date, DayRoutes] = {}
        self.counts: Counter[str] = Counter()

    # -- the timeline ------------------------------------------------------------------------

    def _local(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.config.zone)

    @property
    def begins(self) -> datetime:
        return self._local(self.first_day - timedelta(days=1), self.config.eve_from)

    @property
    def ends(self) -> datetime:
        return self._local(self.days[-1], self.config.last_day_ends or self.config.day_ends)

    def start(self) -> Iterator[CirculationEvent]:
        """Fill the agenda from the eve to the end; the seeding events, which must all be
        taken before the first step (they also put the loans out)."""
        agenda = self.scene.agenda
        agenda.add(self.begins, a.DayBegins(self.begins.date(), self.begins))
        for day in self.days:
            cut_off = self._local(day, self.config.day_starts)
            agenda.add(cut_off, a.CutOff(day))
            agenda.add(cut_off, a.DayBegins(day, cut_off))
        agenda.add(self.ends, a.Finish())
        return self._counted(seed(self.scene, self.begins))

    def _counted(self, events: Iterator[CirculationEvent]) -> Iterator[CirculationEvent]:
        for event in events:
            self._count([event])
            yield event

    @property
    def next_at(self) -> datetime | None:
        return self.scene.agenda.next_at

    # -- the agenda --------------------------------------------------------------------------

    def step(self) -> Step:
        at, action = self.scene.agenda.pop()
        step = Step(at)
        scene = self.scene
        match action:
            case a.DayBegins(day, after):
                patrons.plan_visits(scene, day, after)
                plan_rounds(scene, day, after)
            case a.CutOff(day):
                step.task = CutOffTask(day, at)
            case a.WalkIn(library):
                step.events = patrons.walk_in(scene, at, library)
            case a.HoldWanted(library):
                step.events = patrons.hold_wanted(scene, at, library)
            case a.LoanReturned(item_id):
                step.events = patrons.loan_returned(scene, at, item_id)
            case a.PatronCancels(hold_id):
                step.events = patrons.cancel(scene, at, hold_id, expired=False)
            case a.ShelfTimeOver(hold_id):
                step.events = patrons.cancel(scene, at, hold_id, expired=True)
            case a.PatronCollects(hold_id):
                step.events = patrons.collect(scene, at, hold_id)
            case a.PullRound(library):
                step.events = local_check_ins(scene, at, library)
                step.task = PullTask(library, at)
            case a.PackRound(library):
                step.task = PackTask(library, at, self.service_day_of(at))
            case a.VanAtStop(van_run, index):
                step.task = self._van_stop(van_run, index)
            case a.Receive(library, crate_ids):
                step.task = self._receive(library, at, crate_ids)
            case a.Finish():
                step.finished = True
        self._count(step.events)
        return step

    def service_day_of(self, at: datetime) -> date:
        """The day whose vans carry what is packed at ``at``: the lane cut-off's rule."""
        local = at.astimezone(self.config.zone)
        after_cut_off = local.time() >= self.config.day_starts
        return local.date() + timedelta(days=1 if after_cut_off else 0)

    # -- feedback from the system -------------------------------------------------------------

    def observe(self, event: HoldsEvent, now: datetime) -> None:
        observe(self.scene, self.crates, event, now)

    def plan_arrived(self, plan: RoutePlanData) -> None:
        """Schedule every stop of the day's vans (the first plan that arrives counts)."""
        if plan.service_day in self.plans:
            return
        routes = day_routes(plan)
        self.plans[plan.service_day] = routes
        for route in routes.routes.values():
            for index, stop in enumerate(route.stops):
                self.scene.schedule(stop.arrival, a.VanAtStop(route.van_run, index))

    # -- the staff's and drivers' work, as the transport service accepted it --------------------

    def pullable(self, library: str, item_id: str) -> bool:
        """Whether staff find the copy at the library (on the shelf or in hand)."""
        copy = self.scene.world.copies.get(item_id)
        in_reach = (Where.SHELF, Where.HANDS, Where.BIN)
        return copy is not None and copy.library == library and copy.where in in_reach

    def pulled(self, library: str, transfers: list[TransferInfo]) -> None:
        world = self.scene.world
        for info in transfers:
            copy = world.copies[info.item_id]
            world.put(copy, Where.TRANSIT, library)
            copy.transfer_id, copy.to_library = info.transfer_id, info.to_library
            self.crates.know_transfer(info)
        self.counts["pulled"] += len(transfers)

    def packable(self, library: str, transfer_id: str) -> bool:
        info = self.crates.transfers.get(transfer_id)
        copy = None if info is None else self.scene.world.copies.get(info.item_id)
        return copy is not None and copy.where is Where.TRANSIT and copy.library == library

    def packed(self, library: str, packed: list[tuple[str, str]]) -> None:
        """(crate_id, transfer_id) pairs the transport service accepted."""
        for crate_id, transfer_id in packed:
            self.crates.packed(crate_id, library, transfer_id)
        self.counts["packed"] += len(packed)

    def van_stop_done(self, task: VanStopTask, unloaded: list[str], loaded: list[str]) -> None:
        for crate_id in unloaded:
            self.crates.unloaded(crate_id, task.library)
            self._move_copies(crate_id, task.library)
        for crate_id in loaded:
            self.crates.loaded(crate_id, task.van_run)
            self._move_copies(crate_id, None)
        self.counts["crates_unloaded"] += len(unloaded)
        self.counts["crates_loaded"] += len(loaded)
        self.counts["van_stops"] += 1
        arriving = [
            c for c in unloaded if self.crates.arriving(self.crates.crates[c], task.library)
        ]
        if arriving:
            when = self.scene.network.next_open(
                task.library, task.arrival + self.config.staff.receive_after
            )
            if when is not None:
                self.scene.schedule(when, a.Receive(task.library, tuple(arriving)))

    def received(self, library: str, transfer_ids: list[str], crate_ids: tuple[str, ...]) -> None:
        world = self.scene.world
        for transfer_id in transfer_ids:
            info = self.crates.transfers[transfer_id]
            world.put(world.copies[info.item_id], Where.BIN, library)
        for crate_id in crate_ids:
            crate = self.crates.crates[crate_id]
            if crate.destination == library:
                self.crates.emptied(crate_id)
        self.counts["received"] += len(transfer_ids)

    def at_hand(self, library: str, item_id: str) -> bool:
        """Whether staff find the copy at the library: on the shelf, in hand, or pulled (and
        perhaps packed in a crate no van has taken)."""
        copy = self.scene.world.copies.get(item_id)
        return copy is not None and copy.library == library and copy.where in _AT_HAND

    def received_where_they_stood(self, library: str, transfers: list[tuple[str, str]]) -> None:
        """(transfer_id, item_id) pairs sent back to the library before they left it, which
        staff scanned in there: out of their crates, in the returns bin for the holds
        service to decide on, as any received copy."""
        world = self.scene.world
        for transfer_id, item_id in transfers:
            self.crates.taken_out(transfer_id)
            world.put(world.copies[item_id], Where.BIN, library)
        self.counts["received"] += len(transfers)

    def _move_copies(self, crate_id: str, library: str | None) -> None:
        world = self.scene.world
        for transfer_id in self.crates.crates[crate_id].transfers:
            copy = world.copies.get(self.crates.transfers[transfer_id].item_id)
            if copy is not None and copy.where is Where.TRANSIT:
                copy.library = library

    def _van_stop(self, van_run: str, index: int) -> VanStopTask:
        day = next(d for d in self.plans.values() if van_run in d.routes)
        route = day.routes[van_run]
        stop = route.stops[index]
        unload = to_unload(day, route, index, self.crates.on_van(van_run))
        load = to_load(day, route, index, self.crates.waiting_at(stop.library))
        return VanStopTask(
            van_run, stop.library, stop.arrival, stop.departure, tuple(unload), tuple(load)
        )

    def _receive(self, library: str, at: datetime, crate_ids: tuple[str, ...]) -> ReceiveTask:
        world = self.scene.world
        transfers = []
        for crate_id in crate_ids:
            crate = self.crates.crates[crate_id]
            if crate.status is not CrateStatus.UNLOADED or crate.location != library:
                continue
            for info in self.crates.arriving(crate, library):
                copy = world.copies.get(info.item_id)
                if copy is not None and copy.where is Where.TRANSIT and copy.library == library:
                    transfers.append((info.transfer_id, info.item_id))
        return ReceiveTask(library, at, tuple(transfers), crate_ids)

    # -- the summary -------------------------------------------------------------------------

    def _count(self, events: list[CirculationEvent]) -> None:
        for event in events:
            self.counts[event.TYPE.split(".")[2]] += 1
