"""The transactional outbox: events to publish are written in the state change's transaction.

A relay later reads unpublished rows in order, publishes them and marks them sent. A crash
between publishing and marking republishes the same rows: downstream dedupes by event id.
"""

from __future__ import annotations

from base64 import b64decode, b64encode
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import asyncpg
import orjson

from kulkuri.shared.db.schema import checked_schema

Header = tuple[str, bytes]


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One Kafka record to publish. ``id`` dedupes rows (an event id, or a dead letter's
    origin), so writing the same message twice in two attempts leaves one row."""

    id: str
    topic: str
    key: bytes | None
    value: bytes
    headers: Sequence[Header] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class StoredOutboxMessage:
    seq: int
    message: OutboxMessage
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OutboxBacklog:
    count: int
    oldest_age_s: float


class OutboxStore:
    def __init__(self, schema: str) -> None:
        s = checked_schema(schema)
        self.schema = s
        self.notify_channel = f"kulkuri_outbox_{s}"
        # One round trip: the rows, and the NOTIFY that wakes the relay when they commit (a
        # data-modifying WITH runs whether or not the outer query reads it).
        self._insert_sql = (
            f"WITH added AS (INSERT INTO {s}.outbox (id, topic, key, value, headers) "
            "SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::bytea[], $5::jsonb[]) "
            "ON CONFLICT (id) DO NOTHING) SELECT pg_notify($6, '')"
        )
        self._pending_sql = (
            f"SELECT seq, id, topic, key, value, headers, created_at FROM {s}.outbox "
            "WHERE published_at IS NULL ORDER BY seq LIMIT $1"
        )
        self._mark_sql = f"UPDATE {s}.outbox SET published_at = now() WHERE seq = ANY($1::bigint[])"
        self._backlog_sql = (
            "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) "
            f"FROM {s}.outbox WHERE published_at IS NULL"
        )
        self._purge_sql = f"DELETE FROM {s}.outbox WHERE published_at < now() - $1::interval"

    async def add(self, conn: asyncpg.Connection, messages: Sequence[OutboxMessage]) -> None:
        """Insert in the caller's transaction and wake the relay when it commits."""
        if not messages:
            return
        await conn.execute(
            self._insert_sql,
            [m.id for m in messages],
            [m.topic for m in messages],
            [m.key for m in messages],
            [m.value for m in messages],
            [_encode_headers(m.headers) for m in messages],
            self.notify_channel,  # NOTIFY is delivered at commit, and not at all on rollback
        )

    async def pending(self, conn: asyncpg.Connection, limit: int) -> list[StoredOutboxMessage]:
        rows = await conn.fetch(self._pending_sql, limit)
        return [
            StoredOutboxMessage(
                seq=row["seq"],
                message=OutboxMessage(
                    id=row["id"],
                    topic=row["topic"],
                    key=row["key"],
                    value=row["value"],
                    headers=_decode_headers(row["headers"]),
                ),
                created_at=row["created_at"],
            )
            for row in rows
        ]

    async def mark_published(self, conn: asyncpg.Connection, seqs: Sequence[int]) -> None:
        await conn.execute(self._mark_sql, list(seqs))

    async def backlog(self, conn: asyncpg.Connection) -> OutboxBacklog:
        row = await conn.fetchrow(self._backlog_sql)
        assert row is not None
        return OutboxBacklog(count=int(row[0]), oldest_age_s=float(row[1]))

    async def purge_published_before(self, conn: asyncpg.Connection, hours: float) -> int:
        status = await conn.execute(self._purge_sql, timedelta(hours=hours))
        return int(status.split()[-1])


def _encode_headers(headers: Sequence[Header]) -> str:
    return orjson.dumps([_encode_header(name, value) for name, value in headers]).decode()


def _encode_header(name: str, value: bytes) -> list[str]:
    # Header values are text in practice (reasons, offsets); latin-1 keeps any byte intact.
    # jsonb cannot hold U+0000, which a record's own headers may carry into its dead letter:
    # such a header is stored in base64, marked by a third element.
    text = value.decode("latin-1")
    if "\x00" in name or "\x00" in text:
        return [b64encode(name.encode()).decode(), b64encode(value).decode(), "base64"]
    return [name, text]


def _decode_headers(raw: str | list[list[str]]) -> tuple[Header, ...]:
    entries = orjson.loads(raw) if isinstance(raw, str) else raw
    return tuple(_decode_header(entry) for entry in entries)


def _decode_header(entry: list[str]) -> Header:
    if len(entry) == 3:
        return b64decode(entry[0]).decode(), b64decode(entry[1])
    name, value = entry
    return name, value.encode("latin-1")
