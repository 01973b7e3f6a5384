"""What the holds service must have decided: its title's events applied once, in order, to a
fresh ``Title`` of the pure domain, with the ids the service derives from each cause."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import asyncpg

from kulkuri.holds.adapters.consortium_config import SAMPLE_LASTU, load_consortium_config
from kulkuri.holds.adapters.decision_events import decision_event
from kulkuri.holds.domain.title import Title
from kulkuri.holds.service_layer.apply import APPLY
from kulkuri.holds.service_layer.handlers import DEFAULT_ZONE
from kulkuri.shared.events import CirculationEvent
from kulkuri.shared.messaging import HOLDS

LASTU = load_consortium_config(SAMPLE_LASTU)


def expected_decisions(events: Sequence[CirculationEvent]) -> list[tuple[str, str]]:
    """(id, type) of the decisions one title's events give when applied once, in order."""
    title, published = Title(events[0].data.bib_id), []
    for event in events:
        today = event.time.astimezone(DEFAULT_ZONE).date()
        APPLY[type(event)](title, LASTU, event, today, None)
        for index, decision in enumerate(title.decisions):
            ev = decision_event(
                decision,
                bib_id=title.bib_id,
                cause=event.dedupe_key,
                index=index,
                decided_at=event.time,
            )
            published.append((ev.id, ev.type))
        title.decisions.clear()
    return published


async def published_decisions(
    database_url: str, bibs: Iterable[str]
) -> dict[str, list[tuple[str, str]]]:
    """(id, type) of what the holds service put in its outbox for each title, in order."""
    wanted = sorted(set(bibs))
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT key, id, value FROM holds.outbox WHERE topic = $1 AND key = ANY($2::bytea[])"
            " ORDER BY seq",
            HOLDS,
            [bib.encode() for bib in wanted],
        )
    finally:
        await conn.close()
    found: dict[str, list[tuple[str, str]]] = {bib: [] for bib in wanted}
    for row in rows:
        found[row["key"].decode()].append((row["id"], json.loads(row["value"])["type"]))
    return found
