"""Overdue and loss, run on a timer.

A transfer loaded on a van and not received by the end of its ``overdue`` delivery day is
reported once with ``transfer-overdue`` (the copy may still turn up); one not received by the
end of its ``missing`` delivery day is declared missing: ``transfer-missing`` tells the holds
service to fill its hold from another copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from kulkuri.shared.db.outbox import OutboxStore
from kulkuri.shared.db.schema import checked_schema
from kulkuri.shared.events.transport import TransferOverdue, TransferOverdueData
from kulkuri.shared.messaging import TRANSPORT, Transaction
from kulkuri.transport.adapters.metrics import TransportMetrics
from kulkuri.transport.adapters.outgoing import SOURCE
from kulkuri.transport.domain import Transfer
from kulkuri.transport.domain.delivery_days import due_by
from kulkuri.transport.service_layer.legs_policy import Legs
from kulkuri.transport.service_layer.unit_of_work import TransportUnitOfWork

ZONE = ZoneInfo("Europe/Helsinki")


@dataclass(frozen=True)
class OverdueLimits:
    overdue_days: int
    missing_days: int

    def __post_init__(self) -> None:
        if self.missing_days <= self.overdue_days:
            raise ValueError("the missing limit must be longer than the overdue limit")


@dataclass(frozen=True)
class OverdueRound:
    overdue: int
    missing: int


class OverdueCheck:
    def __init__(
        self,
        limits: OverdueLimits,
        legs: Legs,
        metrics: TransportMetrics | None = None,
        *,
        schema: str = "transport",
        zone: ZoneInfo = ZONE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        s = checked_schema(schema)
        self.limits = limits
        self.legs = legs
        self.metrics = metrics
        self.schema = s
        self.zone = zone
        self.clock = clock
        self._outbox = OutboxStore(s)
        # A cheap pre-filter on the load time; delivery days decide exactly.
        self._candidates_sql = (
            f"SELECT transfer_id, loaded_at, overdue_at FROM {s}.transfers "
            "WHERE status IN ('loaded', 'unloaded') AND loaded_at < $1 ORDER BY loaded_at"
        )
        self._mark_sql = (
            f"UPDATE {s}.transfers SET overdue_at = $2 WHERE transfer_id = ANY($1::text[])"
        )

    async def __call__(self, pool: asyncpg.Pool) -> OverdueRound:
        now = self.clock()
        today = now.astimezone(self.zone).date()
        # No limit ends before a full delivery day has passed since loading.
        horizon = datetime.combine(today, time(0), self.zone) - timedelta(days=1)
        async with pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(self._candidates_sql, horizon)
            overdue, missing = self._sort(rows, today)
            tx = Transaction(conn)
            uow = TransportUnitOfWork(conn, self.legs.waiting_stop, schema=self.schema)
            uow.missing_reason = "overdue"
            ledger = await uow.transfers.load(transfer_ids=[*(t for t, _ in overdue), *missing])
            for transfer_id, loaded_on in overdue:
                tx.publish(TRANSPORT, self._overdue_event(ledger.get(transfer_id), loaded_on, now))
            if overdue:
                await conn.execute(self._mark_sql, [t for t, _ in overdue], now)
            for transfer_id in missing:
                ledger.mark_missing(transfer_id, now)
            await uow.commit(tx)
            await self._outbox.add(conn, tx.outbox)
        if self.metrics is not None:
            self.metrics.overdue_found.inc(len(overdue))
            self.metrics.missing_declared.labels("overdue").inc(len(missing))
        return OverdueRound(len(overdue), len(missing))

    def _sort(
        self, rows: list[asyncpg.Record], today: date
    ) -> tuple[list[tuple[str, date]], list[str]]:
        overdue: list[tuple[str, date]] = []
        missing: list[str] = []
        for row in rows:
            loaded_on = row["loaded_at"].astimezone(self.zone).date()
            if due_by(loaded_on, self.limits.missing_days) < today:
                missing.append(row["transfer_id"])
            elif row["overdue_at"] is None and due_by(loaded_on, self.limits.overdue_days) < today:
                overdue.append((row["transfer_id"], loaded_on))
        return overdue, missing

    def _overdue_event(self, transfer: Transfer, loaded_on: date, now: datetime) -> TransferOverdue:
        due_day = due_by(loaded_on, self.limits.overdue_days)
        due = datetime.combine(due_day + timedelta(days=1), time(0), self.zone)
        status = transfer.status.value
        assert status in ("loaded", "unloaded")
        return TransferOverdue.create(
            id=f"overdue:{transfer.transfer_id}",
            source=SOURCE,
            time=now,
            data=TransferOverdueData(
                transfer_id=transfer.transfer_id,
                item_id=transfer.item_id,
                bib_id=transfer.bib_id,
                from_library=transfer.from_library,
                to_library=transfer.to_library,
                status=status,
                last_seen_library=transfer.location,
                van_run=transfer.van_run,
                due_by=due,
                detected_at=now,
            ),
        )
