"""Packing a library's pulled copies into crates: the plan staff follow, and its crates.

The plan opens the crates it needs (their labels can be printed at once) and says which copy
goes into which crate; staff then scan each copy into its crate (``packed`` scans), which is
what moves the transfers. Planning again adds new copies to the open crates first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from kulkuri.shared.db.schema import checked_schema
from kulkuri.transport.adapters.crate_repository import CrateRepository
from kulkuri.transport.domain.crates import Crate
from kulkuri.transport.domain.legs import next_stop
from kulkuri.transport.domain.packing import CopyToPack, PackingPlan, plan_packing
from kulkuri.transport.service_layer.legs_policy import Legs


@dataclass(frozen=True)
class PlannedPacking:
    plan: PackingPlan
    crates: list[Crate]  # every open crate of the day at the library, new ones included


class PackingService:
    def __init__(self, legs: Legs, capacity: int, *, schema: str = "transport") -> None:
        s = checked_schema(schema)
        self.legs = legs
        self.capacity = capacity
        self.schema = s
        # Copies pulled here (but for here: those are received, not packed), and copies
        # unloaded here from a mixed crate for the hub.
        self._waiting_sql = f"""
            SELECT t.transfer_id, t.item_id, t.to_library FROM {s}.transfers t
             WHERE t.location = $1 AND (
                   (t.status = 'pulled' AND t.to_library <> $1)
                OR (t.status = 'unloaded' AND t.to_library <> $1 AND EXISTS (
                    SELECT 1 FROM {s}.crates c
                     WHERE c.crate_id = t.crate_id AND c.destination IS NULL)))
             ORDER BY t.transfer_id"""

    async def plan(
        self, pool: asyncpg.Pool, library: str, service_day: date, at: datetime
    ) -> PlannedPacking:
        async with pool.acquire() as conn, conn.transaction():
            crates = CrateRepository(conn, self.schema)
            first = await crates.next_sequence(library, service_day)
            open_crates = await crates.open_at(library, service_day)
            copies = [
                CopyToPack(
                    transfer_id=row["transfer_id"],
                    item_id=row["item_id"],
                    next_stop=self._stop(library, row["to_library"]),
                    final_destination=row["to_library"],
                )
                for row in await conn.fetch(self._waiting_sql, library)
            ]
            plan = plan_packing(
                library,
                service_day,
                copies,
                open_crates,
                hub=self.legs.hub,
                packing=self.legs.packing,
                capacity=self.capacity,
                first_sequence=first,
            )
            for new in plan.new_crates:
                crates.add(new.open(at))
            await crates.save()
        return PlannedPacking(
            plan, [*open_crates, *(crates.crates[n.crate_id] for n in plan.new_crates)]
        )

    def _stop(self, library: str, to_library: str) -> str:
        return next_stop(library, to_library, self.legs.hub, self.legs.packing)
