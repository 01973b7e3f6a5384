"""What the holds service can tell coordinators and libraries: read-only queries over schema
``holds`` (the rows ``TitleRepository`` writes, and the outbox).

Every view is made of opaque ids (hold, item, bib, library), statuses and times: nothing in
them identifies a patron, and the tables hold nothing that would.

Pull list. A copy leaves ``library`` when it is promised to a hold and still stands on the
open shelf there (``status = 'on_shelf'`` with a ``hold_id``: the hold waits at this very
library, it goes to the hold shelf), or when a transfer sets out from there (``status =
'in_transit'``: ``current_library`` is the library the transfer set out from, until the copy
is received at ``destination`` and stands there). The service is told of no dispatch, so a
copy counts as not gone until it is received elsewhere. A copy is on the list for ``day``
if it was decided on or before that day (local time): the hold's last move for hold
copies, the return that sent it for the others.

Decision counts come from the outbox (topic ``kulkuri.holds.v1``), by CloudEvents ``type``
and ``time``; published rows are purged after the outbox's retention, so the counts cover
that window only.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import orjson
from pydantic import BaseModel, ConfigDict

from kulkuri.shared.db.schema import checked_schema
from kulkuri.shared.messaging import HOLDS

ZONE = ZoneInfo("Europe/Helsinki")  # the day a coordinator means is the local one
_DECISION_PREFIX, _DECISION_SUFFIX = "kulkuri.holds.", ".v1"


class View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HistoryEntry(View):
    status: str
    at: datetime


class CopyView(View):
    item_id: str
    status: str
    current_library: str
    destination: str | None = None
    hold_id: str | None = None


class HoldView(View):
    hold_id: str
    bib_id: str
    status: str
    pickup_library: str
    placed_at: datetime
    expires_at: datetime | None
    passed_through: bool
    item: CopyView | None
    history: list[HistoryEntry]


class QueueEntry(View):
    position: int
    hold_id: str
    pickup_library: str
    placed_at: datetime


class TitleQueue(View):
    bib_id: str
    waiting: list[QueueEntry]
    copies: list[CopyView]


class PullEntry(View):
    item_id: str
    bib_id: str
    hold_id: str | None
    destination: str
    reason: str
    transfer_id: str | None
    decided_at: datetime | None


class PullList(View):
    library_id: str
    day: date
    library_open: bool
    items: list[PullEntry]


class DecisionCounts(View):
    day: date | None
    total: int
    counts: dict[str, int]


def _history(raw: str, row: asyncpg.Record) -> list[HistoryEntry]:
    pairs = orjson.loads(raw)
    if pairs:
        return [HistoryEntry(status=s, at=datetime.fromisoformat(at)) for s, at in pairs]
    # Written with 0001's columns only: placed, then moved once to its status.
    status = "collected" if row["status"] == "filled" else row["status"]
    history = [HistoryEntry(status="waiting", at=row["placed_at"])]
    if status != "waiting":
        history.append(HistoryEntry(status=status, at=row["status_since"]))
    return history


class ReadModels:
    """The queries, over one connection (or a pool: both have ``fetch``/``fetchrow``)."""

    def __init__(self, db: asyncpg.Pool | asyncpg.Connection, *, schema: str = "holds") -> None:
        self.db = db
        s = checked_schema(schema)
        self._hold_sql = f"""
            SELECT h.hold_id, h.bib_id, h.status, h.pickup_library, h.placed_at, h.expires_at,
                   h.passed_through, h.history::text AS history, h.status_since,
                   i.item_id, i.status AS item_status, i.current_library, i.destination
            FROM {s}.holds h LEFT JOIN {s}.items i ON i.item_id = h.item_id
            WHERE h.hold_id = $1"""
        self._queue_sql = f"""
            SELECT hold_id, pickup_library, placed_at FROM {s}.holds
            WHERE bib_id = $1 AND status = 'waiting' AND NOT passed_through
            ORDER BY placed_at, hold_id"""
        self._copies_sql = f"""
            SELECT item_id, status, current_library, destination, hold_id FROM {s}.items
            WHERE bib_id = $1 ORDER BY ordinal, item_id"""
        self._title_holds_sql = f"SELECT count(*) FROM {s}.holds WHERE bib_id = $1"
        self._pull_sql = f"""
            SELECT i.item_id, i.bib_id, i.hold_id, i.transfer_id,
                   coalesce(i.destination, h.pickup_library) AS destination,
                   coalesce(i.transfer_reason, 'hold') AS reason,
                   CASE WHEN i.hold_id IS NOT NULL THEN h.status_since
                        ELSE i.last_returned_at END AS decided_at
            FROM {s}.items i LEFT JOIN {s}.holds h ON h.hold_id = i.hold_id
            WHERE i.current_library = $1
              AND ((i.status = 'on_shelf' AND i.hold_id IS NOT NULL)
                   OR (i.status = 'in_transit' AND i.destination IS NOT NULL))"""
        self._decisions_sql = f"""
            SELECT e.type, count(*) AS n
            FROM (SELECT convert_from(value, 'UTF8')::jsonb AS v FROM {s}.outbox
                  WHERE topic = $1) AS o,
                 LATERAL (SELECT o.v->>'type' AS type, (o.v->>'time')::timestamptz AS at) AS e
            WHERE e.type IS NOT NULL
              AND ($2::date IS NULL OR (e.at AT TIME ZONE $3)::date = $2::date)
            GROUP BY e.type ORDER BY e.type"""

    async def hold_status(self, hold_id: str) -> HoldView | None:
        row = await self.db.fetchrow(self._hold_sql, hold_id)
        if row is None:
            return None
        item = None
        if row["item_id"] is not None:
            item = CopyView(
                item_id=row["item_id"],
                status=row["item_status"],
                current_library=row["current_library"],
                destination=row["destination"],
                hold_id=hold_id,
            )
        return HoldView(
            hold_id=row["hold_id"],
            bib_id=row["bib_id"],
            status="collected" if row["status"] == "filled" else row["status"],
            pickup_library=row["pickup_library"],
            placed_at=row["placed_at"],
            expires_at=row["expires_at"],
            passed_through=row["passed_through"],
            item=item,
            history=_history(row["history"], row),
        )

    async def title_queue(self, bib_id: str) -> TitleQueue | None:
        """Waiting holds in the order placed (the order ``HoldQueued`` numbers), and copies.
        ``None`` if the service knows no copy and no hold of the title."""
        holds = await self.db.fetch(self._queue_sql, bib_id)
        copies = await self.db.fetch(self._copies_sql, bib_id)
        if not holds and not copies and not await self.db.fetchval(self._title_holds_sql, bib_id):
            return None
        return TitleQueue(
            bib_id=bib_id,
            waiting=[
                QueueEntry(
                    position=n,
                    hold_id=r["hold_id"],
                    pickup_library=r["pickup_library"],
                    placed_at=r["placed_at"],
                )
                for n, r in enumerate(holds, 1)
            ],
            copies=[CopyView(**dict(r)) for r in copies],
        )

    async def pull_list(
        self, library_id: str, day: date, *, library_open: bool, zone: ZoneInfo = ZONE
    ) -> PullList:
        end_of_day = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
        rows = await self.db.fetch(self._pull_sql, library_id)
        entries = [
            PullEntry(**dict(r))
            for r in rows
            if r["decided_at"] is None or r["decided_at"] < end_of_day
        ]
        entries.sort(key=lambda e: (e.destination, e.item_id))
        return PullList(library_id=library_id, day=day, library_open=library_open, items=entries)

    async def decision_counts(
        self, day: date | None = None, *, zone: ZoneInfo = ZONE
    ) -> DecisionCounts:
        """Decisions published, by kind (``copy-assigned``, ...), all or decided on ``day``."""
        rows = await self.db.fetch(self._decisions_sql, HOLDS, day, zone.key)
        counts = {
            r["type"].removeprefix(_DECISION_PREFIX).removesuffix(_DECISION_SUFFIX): r["n"]
            for r in rows
        }
        return DecisionCounts(day=day, total=sum(counts.values()), counts=counts)
