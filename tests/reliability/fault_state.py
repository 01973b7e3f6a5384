"""The final state of a run, and how two runs' states differ.

A ``Snapshot`` holds, per category, each entity or event under its key with its content as
canonical JSON, leaving out only what legitimately differs between two runs of one stream:

* ``holds.items.status_since`` is the time of the transaction that changed the status;
* ``holds.titles.version`` and ``holds.holds.ordinal``, ``transport.transfers.seq`` come
  from sequences, which a rolled-back transaction still advances: kept as each row's rank
  within its title (holds) or copy (transfers), which is what they decide;
* ``created_at``/``status_since`` of crates, and outbox ``seq``/``created_at``/``published_at``.

Everything else is deterministic and compared: decision and movement event ids derive from
the causing event and the decision's place among its results (decided at the causing
event's time), transfer history carries event times, and dead letters are named after the
record's partition and offset, which the harness produces identically in both runs.

Published events are read back from the broker and deduplicated by CloudEvent id (a
relay may send a row again after a crash: at-least-once on the wire); the same id with other
content is a duplicated effect. Each run is also checked against itself: every outbox row
published and on the wire, nothing on the wire that no outbox holds.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import asyncpg
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from kulkuri.shared.messaging import CIRCULATION, HOLDS, MOVEMENTS, SCANS, TRANSPORT
from kulkuri.shared.messaging.topics import dead_letter_topic

Kind = Literal["lost", "duplicated", "changed"]

TABLE_QUERIES = {
    "holds.items": "SELECT item_id, (to_jsonb(t) - 'status_since')::text FROM holds.items t",
    "holds.holds": (
        "SELECT hold_id, (to_jsonb(t) - 'ordinal' || jsonb_build_object('place',"
        " rank() OVER (PARTITION BY bib_id ORDER BY ordinal)))::text FROM holds.holds t"
    ),
    "holds.titles": "SELECT bib_id, '' FROM holds.titles",
    "transport.transfers": (
        "SELECT transfer_id, (to_jsonb(t) - 'seq' || jsonb_build_object('place',"
        " rank() OVER (PARTITION BY item_id ORDER BY seq)))::text FROM transport.transfers t"
    ),
    "transport.crates": (
        "SELECT crate_id, (to_jsonb(t) - 'created_at' - 'status_since')::text"
        " FROM transport.crates t"
    ),
}
OUTBOX_QUERY = (
    "SELECT id, topic, jsonb_build_object('key', convert_from(key, 'UTF8'),"
    " 'value', convert_from(value, 'UTF8'), 'headers', headers)::text,"
    " published_at IS NOT NULL FROM {schema}.outbox"
)
SCHEMAS = ("holds", "transport")
WIRE_TOPICS = (
    HOLDS,
    MOVEMENTS,
    TRANSPORT,
    *(dead_letter_topic(t) for t in (CIRCULATION, HOLDS, TRANSPORT, SCANS)),
)
_DLQ = "kulkuri-dlq-"


@dataclass(frozen=True)
class Difference:
    category: str
    key: str
    kind: Kind
    reference: str | None = None
    faulty: str | None = None

    def describe(self, width: int = 400) -> str:
        line = f"{self.kind:<10} {self.category} {self.key}"
        if self.kind == "changed" and self.reference and self.faulty:
            return f"{line}: {_changed_fields(self.reference, self.faulty)}"[:width]
        content = self.faulty if self.reference is None else self.reference
        return f"{line}: {content or ''}"[:width]


@dataclass
class Snapshot:
    """``rows``: category → key → canonical content. ``problems``: the run against itself."""

    rows: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[Difference] = field(default_factory=list)
    republished: int = 0  # records on the wire a second time, same id and content

    def count(self, category: str) -> int:
        return len(self.rows.get(category, {}))


@dataclass(frozen=True)
class Comparison:
    differences: list[Difference]

    def count(self, kind: Kind) -> int:
        return sum(1 for d in self.differences if d.kind == kind)

    @property
    def ok(self) -> bool:
        return not self.differences

    def report(self, limit: int = 25) -> str:
        if self.ok:
            return "no differences"
        totals = ", ".join(f"{self.count(k)} {k}" for k in ("lost", "duplicated", "changed"))
        lines = [f"{len(self.differences)} differences ({totals}):"]
        lines += [d.describe() for d in self.differences[:limit]]
        if len(self.differences) > limit:
            lines.append(f"... and {len(self.differences) - limit} more")
        return "\n".join(lines)


def compare(reference: Snapshot, faulty: Snapshot) -> Comparison:
    """What the faulty run lost, duplicated or changed against the reference; and each run's
    own inconsistencies (the reference's too: a baseline that is wrong proves nothing)."""
    differences = [
        Difference(d.category, d.key, d.kind, d.reference, d.faulty) for d in faulty.problems
    ]
    differences += [
        Difference(f"reference run: {d.category}", d.key, d.kind, d.reference, d.faulty)
        for d in reference.problems
    ]
    for category in sorted(set(reference.rows) | set(faulty.rows)):
        want, got = reference.rows.get(category, {}), faulty.rows.get(category, {})
        for key in sorted(set(want) | set(got)):
            if key not in got:
                differences.append(Difference(category, key, "lost", reference=want[key]))
            elif key not in want:
                differences.append(Difference(category, key, "duplicated", faulty=got[key]))
            elif want[key] != got[key]:
                differences.append(Difference(category, key, "changed", want[key], got[key]))
    return Comparison(differences)


async def take_snapshot(database_url: str, bootstrap: str) -> Snapshot:
    snapshot = Snapshot()
    outbox: dict[str, dict[str, str]] = defaultdict(dict)
    conn = await asyncpg.connect(database_url)
    try:
        for category, sql in TABLE_QUERIES.items():
            snapshot.rows[category] = {row[0]: row[1] for row in await conn.fetch(sql)}
        for schema in SCHEMAS:
            for id_, topic, content, published in await conn.fetch(
                OUTBOX_QUERY.format(schema=schema)
            ):
                snapshot.rows.setdefault(f"{schema}.outbox", {})[id_] = content
                outbox[topic][id_] = content
                if not published:
                    snapshot.problems.append(
                        Difference(f"{schema}.outbox unpublished", id_, "lost", reference=content)
                    )
    finally:
        await conn.close()
    await asyncio.gather(
        *(_read_wire(snapshot, bootstrap, topic, outbox.get(topic, {})) for topic in WIRE_TOPICS)
    )
    return snapshot


async def _read_wire(
    snapshot: Snapshot, bootstrap: str, topic: str, expected: dict[str, str]
) -> None:
    """Read ``topic`` whole into the snapshot, by event id; then check it against the outbox
    rows for it (``expected``: id → outbox content)."""
    category = f"wire {topic}"
    seen: dict[str, str] = snapshot.rows.setdefault(category, {})
    for key, content in await read_topic(bootstrap, topic, expected=set(expected)):
        earlier = seen.get(key)
        if earlier is None:
            seen[key] = content
        elif earlier == content:
            snapshot.republished += 1
        else:
            snapshot.problems.append(Difference(category, key, "duplicated", earlier, content))
    for key in expected.keys() - seen.keys():
        snapshot.problems.append(
            Difference(f"{category} never published", key, "lost", reference=expected[key])
        )
    for key in seen.keys() - expected.keys():
        snapshot.problems.append(
            Difference(f"{category} not in any outbox", key, "duplicated", faulty=seen[key])
        )


async def read_topic(
    bootstrap: str, topic: str, *, expected: set[str], timeout: float = 120.0
) -> list[tuple[str, str]]:
    """Every record of ``topic`` as (event id, content), read until every ``expected`` id came
    and a poll then found nothing more (Tansu reports end offsets a batch short, so the end
    is found by reading, not by asking)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,  # Tansu holds an empty fetch this long: the end is found sooner
    )
    await consumer.start()
    records: list[tuple[str, str]] = []
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer.client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            return records
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        missing = set(expected)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500, max_records=20_000)
            got = [_identify(r.key, r.value, r.headers) for part in batch.values() for r in part]
            records.extend(got)
            missing.difference_update(key for key, _ in got)
            if not missing and not got:
                break
    finally:
        await consumer.stop()
    return records


def _identify(
    key: bytes | None, value: bytes | None, headers: Sequence[tuple[str, bytes]]
) -> tuple[str, str]:
    """A record's identity and content: the CloudEvent id, or for a dead letter the id its
    outbox row has (group, topic, partition, offset of the record it carries)."""
    pairs = [(name, raw.decode("latin-1")) for name, raw in headers]
    named = dict(pairs)
    content = orjson.dumps(
        {
            "key": key.decode() if key is not None else None,
            "value": (value or b"").decode(),
            "headers": [list(p) for p in pairs],
        },
        option=orjson.OPT_SORT_KEYS,
    ).decode()
    if f"{_DLQ}offset" in named:
        origin = ":".join(
            named[f"{_DLQ}{part}"] for part in ("consumer-group", "topic", "partition", "offset")
        )
        return f"dlq:{origin}", content
    event_id = orjson.loads(value or b"{}").get("id")
    return str(event_id), content


def _changed_fields(reference: str, faulty: str) -> str:
    try:
        want, got = orjson.loads(reference), orjson.loads(faulty)
    except orjson.JSONDecodeError:
        return f"{reference!r} != {faulty!r}"
    if not isinstance(want, dict) or not isinstance(got, dict):
        return f"{reference!r} != {faulty!r}"
    fields = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
    return "; ".join(f"{k}: {want.get(k)!r} -> {got.get(k)!r}" for k in fields)
