"""Lane demand in: each day's newest ``lane-demand`` is stored to be planned.

Planning takes seconds to minutes, so it does not happen inside the consumer's transaction:
the handler only keeps the day's newest demand; the planner (``planning.py``) takes days
whose demand has no plan yet.
"""

from __future__ import annotations

from kulkuri.routing.adapters.plan_store import PlanStore
from kulkuri.routing.domain.demand import LaneCrates
from kulkuri.shared.events.lanes import LaneDemand
from kulkuri.shared.messaging import Transaction


class LaneDemandHandler:
    def __init__(self, store: PlanStore) -> None:
        self.store = store

    async def __call__(self, event: LaneDemand, tx: Transaction) -> None:
        d = event.data
        lanes = [
            LaneCrates(lane.from_library, lane.to_library, lane.items, lane.crates)
            for lane in d.lanes
        ]
        await self.store.save_demand(
            tx.connection, d.service_day, lanes, d.published_at, event.dedupe_key
        )
