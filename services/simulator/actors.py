"""The simulated staff and drivers at work: each task of the simulation carried out through
the transport service's API, and what the service accepted reported back.

A scan the service refuses (the copy was taken off the pull list meanwhile, a crate already
moved) changes nothing in the simulation either; the refusals are counted by reason.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from kulkuri.simulator.adapters.transport_api import TransportApi, scan
from kulkuri.simulator.core.crates import TransferInfo
from kulkuri.simulator.core.simulation import Simulation
from kulkuri.simulator.core.tasks import PackTask, PullTask, ReceiveTask, VanStopTask


class StaffAndDrivers:
    def __init__(self, simulation: Simulation, api: TransportApi) -> None:
        self.simulation = simulation
        self.api = api
        self.refused: Counter[str] = Counter()

    async def pull(self, task: PullTask) -> None:
        """Work through the pull list, then scan in the copies that stay here."""
        await self._pull_listed(task)
        await self._receive_what_stays(task)

    async def _pull_listed(self, task: PullTask) -> None:
        sim = self.simulation
        lines = await self.api.pull_list(task.library, task.at.date())
        found = [line for line in lines if sim.pullable(task.library, line["item_id"])]
        if not found:
            return
        scans = [scan("pulled", line["item_id"], task.library, task.at) for line in found]
        results = await self.api.scan(task.library, scans)
        pulled = [
            TransferInfo(
                line["transfer_id"], line["item_id"], line["to_library"], line["reason"] == "hold"
            )
            for line, result in zip(found, results, strict=True)
            if self._accepted(result)
        ]
        sim.pulled(task.library, pulled)

    async def _receive_what_stays(self, task: PullTask) -> None:
        """Copies sent back here before they left (a hold cancelled while its copy stood at
        its owner): the receiving list marks them ``stays_here``; staff take them from the
        shelf or out of their crate and scan them received, as the transport service asks."""
        sim = self.simulation
        lines = await self.api.receiving_list(task.library, task.at.date())
        found = [
            (line["transfer_id"], line["item_id"])
            for line in lines
            if line.get("stays_here") and sim.at_hand(task.library, line["item_id"])
        ]
        if not found:
            return
        scans = [scan("received", item, task.library, task.at) for _, item in found]
        results = await self.api.scan(task.library, scans)
        received = [
            pair for pair, result in zip(found, results, strict=True) if self._accepted(result)
        ]
        sim.received_where_they_stood(task.library, received)

    async def pack(self, task: PackTask) -> None:
        sim = self.simulation
        plan = await self.api.packing_plan(task.library, task.service_day)
        planned = [
            (crate_id, transfer_id)
            for crate_id, transfer_ids in sorted(plan.items())
            for transfer_id in transfer_ids
            if sim.packable(task.library, transfer_id)
        ]
        if not planned:
            return
        scans = [
            scan("packed", sim.crates.transfers[t].item_id, task.library, task.at, crate_id=c)
            for c, t in planned
        ]
        results = await self.api.scan(task.library, scans)
        sim.packed(
            task.library,
            [pair for pair, result in zip(planned, results, strict=True) if self._accepted(result)],
        )

    async def drive(self, task: VanStopTask) -> None:
        unload = [scan("unloaded", c, task.library, task.arrival) for c in task.unload]
        load = [
            scan("loaded", c, task.library, task.departure, van_run=task.van_run) for c in task.load
        ]
        results = await self.api.scan(None, unload + load) if unload or load else []
        done = [self._accepted(result) for result in results]
        unloaded = [c for c, ok in zip(task.unload, done[: len(unload)], strict=True) if ok]
        loaded = [c for c, ok in zip(task.load, done[len(unload) :], strict=True) if ok]
        self.simulation.van_stop_done(task, unloaded, loaded)

    async def receive(self, task: ReceiveTask) -> None:
        received: list[str] = []
        if task.transfers:
            scans = [scan("received", item, task.library, task.at) for _, item in task.transfers]
            results = await self.api.scan(task.library, scans)
            received = [
                transfer_id
                for (transfer_id, _), result in zip(task.transfers, results, strict=True)
                if self._accepted(result)
            ]
        self.simulation.received(task.library, received, task.crate_ids)

    def _accepted(self, result: dict[str, Any]) -> bool:
        if result.get("outcome") in ("accepted", "duplicate"):
            return True
        self.refused[str(result.get("reason"))] += 1
        return False
