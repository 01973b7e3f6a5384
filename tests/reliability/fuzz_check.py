"""Accounting for a flood: each hostile record refused with a right reason or recorded as the
anomaly it is, no valid record refused, and a service's counters adding up."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
from aiokafka.structs import ConsumerRecord
from prometheus_client import CollectorRegistry

from kulkuri.holds.adapters.decision_events import decision_event
from kulkuri.holds.domain.decisions import Anomaly
from kulkuri.shared.messaging import HOLDS
from tests.reliability.fuzz_hostile import Hostile
from tests.reliability.fuzz_kafka import Outgoing, Placed

REASON = "kulkuri-dlq-reason"
Origin = tuple[int, int]  # partition and offset on the source topic


@dataclass
class Sent:
    """What went to one topic, and where each record landed."""

    hostile: list[tuple[Hostile, Placed]] = field(default_factory=list)
    valid: list[Placed] = field(default_factory=list)

    @property
    def to_dead_letter(self) -> int:
        return sum(h.anomaly is None for h, _ in self.hostile)


def interleave(hostile: Sequence[Hostile], valid: Sequence[Outgoing]) -> list[Outgoing | Hostile]:
    """The valid records spread evenly among the hostile ones, each kept in its order; the
    last after every hostile one, so that its taking effect shows the consumer outlived them."""
    *spread, last = valid
    step = max(1, len(hostile) // (len(spread) + 1))
    mixed: list[Outgoing | Hostile] = []
    for n, record in enumerate(hostile):
        if n % step == step - 1 and spread:
            mixed.append(spread.pop(0))
        mixed.append(record)
    return [*mixed, *spread, last]


def sent_as(mixed: Sequence[Outgoing | Hostile], placed: Sequence[Placed]) -> Sent:
    sent = Sent()
    for record, at in zip(mixed, placed, strict=True):
        if isinstance(record, Hostile):
            sent.hostile.append((record, at))
        else:
            sent.valid.append(at)
    return sent


def records_of(mixed: Sequence[Outgoing | Hostile]) -> list[Outgoing]:
    return [r.record if isinstance(r, Hostile) else r for r in mixed]


def anomaly_id(hostile: Hostile) -> str:
    """The id the holds service gives the anomaly a hostile event records (its first
    decision: these anomalies change nothing else)."""
    assert hostile.event_key is not None and hostile.anomaly is not None
    decision = Anomaly(hostile.anomaly, "entity", "detail")
    at = datetime.now(UTC)
    return decision_event(decision, bib_id="b", cause=hostile.event_key, index=0, decided_at=at).id


async def recorded_anomalies(database_url: str, hostile: Iterable[Hostile]) -> dict[str, str]:
    """Anomaly id to kind, for the anomalies the holds service recorded among ``hostile``'s."""
    ids = [anomaly_id(h) for h in hostile if h.anomaly is not None]
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT id, convert_from(value, 'UTF8')::jsonb -> 'data' ->> 'kind' AS kind"
            " FROM holds.outbox WHERE topic = $1 AND id = ANY($2::text[])",
            HOLDS,
            ids,
        )
    finally:
        await conn.close()
    return {row["id"]: row["kind"] for row in rows}


def unaccounted(
    sent: Sent,
    letters: Sequence[ConsumerRecord[bytes, bytes]],
    group: str,
    anomalies: dict[str, str] | None = None,
) -> list[str]:
    """Every way the records and the dead letters disagree (the list must be empty)."""
    by_origin: dict[Origin, ConsumerRecord[bytes, bytes]] = {}
    problems = []
    for letter in letters:
        headers = dict(letter.headers)
        if headers.get("kulkuri-dlq-consumer-group", b"").decode() != group:
            continue
        origin = (int(headers["kulkuri-dlq-partition"]), int(headers["kulkuri-dlq-offset"]))
        if origin in by_origin:
            problems.append(f"dead-lettered twice: {origin}")
        by_origin[origin] = letter
    for hostile, at in sent.hostile:
        letter = by_origin.pop((at.partition, at.offset), None)
        if hostile.anomaly is not None:
            if letter is not None:
                problems.append(f"{hostile.what}: dead-lettered, expected an anomaly")
            elif (anomalies or {}).get(anomaly_id(hostile)) != hostile.anomaly:
                problems.append(f"{hostile.what}: no {hostile.anomaly} anomaly recorded")
            continue
        if letter is None:
            problems.append(f"{hostile.what}: accepted ({hostile.record.value!r:.200})")
            continue
        found = [v.decode(errors="replace") for name, v in letter.headers if name == REASON]
        if len(found) != 1 or found[0] not in hostile.reasons:
            problems.append(
                f"{hostile.what}: reason {found}, expected one of {set(hostile.reasons)}"
            )
        if letter.value != (hostile.record.value or b""):
            problems.append(f"{hostile.what}: the dead letter does not carry the original bytes")
    for at in sent.valid:
        letter = by_origin.pop((at.partition, at.offset), None)
        if letter is not None:
            reason = dict(letter.headers)[REASON].decode()
            problems.append(f"a valid record was dead-lettered: {reason}")
    return problems


def counted(registry: CollectorRegistry, topic: str, type_prefix: str) -> dict[str, float]:
    """The consumer's counters for ``topic``: records consumed, events handled, duplicates
    and dead letters (handled and duplicates by the event types of the topic)."""
    totals = {"consumed": 0.0, "handled": 0.0, "duplicate": 0.0, "dead_lettered": 0.0}
    for family in registry.collect():
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "kulkuri_events_consumed_total" and labels["topic"] == topic:
                totals["consumed"] += sample.value
            elif sample.name == "kulkuri_events_dead_lettered_total" and labels["topic"] == topic:
                totals["dead_lettered"] += sample.value
            elif sample.name == "kulkuri_events_handled_total" and labels["type"].startswith(
                type_prefix
            ):
                totals[labels["outcome"]] += sample.value
    return totals
