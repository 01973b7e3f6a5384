"""Ordering and duplicates with the real services: whatever is delivered twice, late or
across a crash, each circulation event takes effect once and in its title's order.

The oracle is the pure domain (fuzz_oracle.py): the title's events applied once, in order,
to a fresh ``Title`` give the decisions (ids included, since they derive from the causing
event) that the holds service must have published, no more and in that order. The messaging-level
versions of these rules, with a probe handler, are in tests/integration/test_effectively_once.py
and test_outbox_relay.py."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

import asyncpg
import pytest
from prometheus_client import CollectorRegistry

from kulkuri.holds.bootstrap import build_runtime
from kulkuri.shared.db.outbox import StoredOutboxMessage
from kulkuri.shared.events import CirculationEvent
from kulkuri.shared.messaging import CIRCULATION, HOLDS
from kulkuri.shared.messaging.processing import Record
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.runtime import FaultHooks, ServiceRuntime
from tests.integration.holds_runtime import config_for
from tests.integration.transport.transport_runtime import config_for as transport_config
from tests.integration.transport.transport_runtime import running_transport
from tests.kafka_tools import metric
from tests.reliability.fuzz_kafka import produce_all, read_all
from tests.reliability.fuzz_oracle import LASTU, expected_decisions, published_decisions
from tests.reliability.fuzz_valid_events import (
    ASIKKALA,
    HEINOLA,
    HOLLOLA,
    Circulation,
    handled_keys,
    outgoing,
)
from tests.waiting import eventually

pytestmark = pytest.mark.integration


class SimulatedCrash(Exception):
    """Stands for the process dying at the chosen point."""


async def unsent(database_url: str, bib: str) -> int:
    """The title's decisions in the holds outbox not marked sent."""
    conn = await asyncpg.connect(database_url)
    try:
        count = await conn.fetchval(
            "SELECT count(*) FROM holds.outbox WHERE topic = $1 AND key = $2"
            " AND published_at IS NULL",
            HOLDS,
            bib.encode(),
        )
    finally:
        await conn.close()
    return int(count)


def holds_runtime(
    group: str,
    *,
    bootstrap: str,
    database_url: str,
    registry: CollectorRegistry | None = None,
    hooks: FaultHooks | None = None,
) -> ServiceRuntime:
    return build_runtime(
        config_for(group),
        database_url=database_url,
        bootstrap_servers=bootstrap,
        metrics=MessagingMetrics(registry or CollectorRegistry()),
        consortium=LASTU,
        hooks=hooks,
    )


async def crashes(runtime: ServiceRuntime) -> None:
    with pytest.raises(SimulatedCrash):
        async with runtime:
            await runtime.run()


@asynccontextmanager
async def running(runtime: ServiceRuntime) -> AsyncIterator[ServiceRuntime]:
    async with runtime:
        task = asyncio.create_task(runtime.run())
        try:
            yield runtime
        finally:
            runtime.request_stop()
            await task


def all_handled(
    database_url: str, events: Sequence[CirculationEvent]
) -> Callable[[], Awaitable[bool]]:
    keys = sorted({e.dedupe_key for e in events})

    async def check() -> bool:
        return len(await handled_keys(database_url, keys)) == len(keys)

    return check


def crash_after_committing(bib: str, seen: list[int]) -> FaultHooks:
    """Dies after the first batch with the title's events has committed its transaction and
    before its offsets are committed; ``seen`` gets how many of them that batch held."""

    async def crash(records: Sequence[Record]) -> None:
        ours = sum(r.key == bib.encode() for r in records)
        if ours and not seen:
            seen.append(ours)
            raise SimulatedCrash

    return FaultHooks(after_processed=crash)


async def test_a_hold_placed_delivered_again_after_its_cancellation_and_a_crash_stays_cancelled(
    bootstrap_servers: str, database_url: str, unique: str
) -> None:
    run, group = Circulation(f"dup-{unique}"), f"dup-{unique}"
    bib, item = f"dup-bib-{unique}", f"dup-item-{unique}"
    added = run.item_added(item, bib, HOLLOLA)
    placed = run.hold_placed(f"dup-hold-{unique}", bib, ASIKKALA)
    cancelled = run.hold_cancelled(placed.data.hold_id, bib)
    second = run.hold_placed(f"dup-hold2-{unique}", bib, HEINOLA)
    first_part = [added, placed, cancelled]
    await produce_all(bootstrap_servers, CIRCULATION, [outgoing(e) for e in first_part])
    seen: list[int] = []
    await crashes(
        holds_runtime(
            group,
            bootstrap=bootstrap_servers,
            database_url=database_url,
            hooks=crash_after_committing(bib, seen),
        )
    )
    # The ILS, unsure its sends arrived, sends the hold and the copy again, late.
    resent = [placed, added]
    await produce_all(bootstrap_servers, CIRCULATION, [outgoing(e) for e in [*resent, second]])

    registry = CollectorRegistry()
    async with running(
        holds_runtime(
            group, bootstrap=bootstrap_servers, database_url=database_url, registry=registry
        )
    ):
        await eventually(all_handled(database_url, [*first_part, second]), what="every event")
        # The resends are behind ``second`` on the title's partition.
        await eventually(
            lambda: (
                metric(registry, "kulkuri_events_handled_total", outcome="duplicate")
                >= seen[0] + len(resent)
            ),
            what="the redelivered batch and the resends counted as duplicates",
        )

    assert (await published_decisions(database_url, [bib]))[bib] == expected_decisions(
        [*first_part, second]
    )
    conn = await asyncpg.connect(database_url)
    try:
        statuses = dict(
            await conn.fetch("SELECT hold_id, status FROM holds.holds WHERE bib_id = $1", bib)
        )
    finally:
        await conn.close()
    # The resent placement did not reopen the cancelled hold; the later hold queues behind
    # nothing else (the copy is on its way back to its shelf).
    assert statuses == {placed.data.hold_id: "cancelled", second.data.hold_id: "waiting"}


async def test_a_titles_events_split_by_a_crash_take_effect_in_their_order(
    bootstrap_servers: str, database_url: str, unique: str
) -> None:
    """H1 gets the copy, H2 queues, H1 is cancelled: the copy's transfer is retargeted to H2.
    Applied out of order (the cancellation before H2) the transfer would be cancelled and a
    second one requested instead."""
    run, group = Circulation(f"ord-{unique}"), f"ord-{unique}"
    bib, item = f"ord-bib-{unique}", f"ord-item-{unique}"
    h1, h2 = f"ord-h1-{unique}", f"ord-h2-{unique}"
    before = [run.item_added(item, bib, HOLLOLA), run.hold_placed(h1, bib, ASIKKALA)]
    after = [run.hold_placed(h2, bib, HEINOLA), run.hold_cancelled(h1, bib)]
    await produce_all(bootstrap_servers, CIRCULATION, [outgoing(e) for e in before])
    seen: list[int] = []
    await crashes(
        holds_runtime(
            group,
            bootstrap=bootstrap_servers,
            database_url=database_url,
            hooks=crash_after_committing(bib, seen),
        )
    )
    await produce_all(bootstrap_servers, CIRCULATION, [outgoing(e) for e in after])
    async with running(
        holds_runtime(group, bootstrap=bootstrap_servers, database_url=database_url)
    ):
        await eventually(all_handled(database_url, [*before, *after]), what="every event")

    published = (await published_decisions(database_url, [bib]))[bib]
    assert published == expected_decisions([*before, *after])
    types = [t.rsplit(".", 2)[-2] for _, t in published]
    assert "transfer-retargeted" in types and "transfer-cancelled" not in types


async def test_decisions_republished_after_a_relay_crash_make_one_transfer_in_transport(
    bootstrap_servers: str, database_url: str, unique: str
) -> None:
    run, group = Circulation(f"relay-{unique}"), f"relay-{unique}"
    bib, item = f"relay-bib-{unique}", f"relay-item-{unique}"
    events = [
        run.item_added(item, bib, HOLLOLA),
        run.hold_placed(f"relay-h-{unique}", bib, ASIKKALA),
    ]
    expected = expected_decisions(events)
    crashed: list[int] = []

    async def crash(published: Sequence[StoredOutboxMessage]) -> None:
        # Every broker ack is in; the rows are not yet marked sent.
        if not crashed and any(row.message.key == bib.encode() for row in published):
            crashed.append(len(published))
            raise SimulatedCrash

    await produce_all(bootstrap_servers, CIRCULATION, [outgoing(e) for e in events])
    await crashes(
        holds_runtime(
            group,
            bootstrap=bootstrap_servers,
            database_url=database_url,
            hooks=FaultHooks(after_publish=crash),
        )
    )
    assert await unsent(database_url, bib) == len(expected), "nothing was marked sent"
    async with running(
        holds_runtime(group, bootstrap=bootstrap_servers, database_url=database_url)
    ):

        async def republished() -> bool:
            return await unsent(database_url, bib) == 0

        await eventually(republished, what="the restarted relay publishing the rows again")
    on_topic = await read_all(bootstrap_servers, HOLDS, at_least=2 * len(expected))
    ours = [json.loads(r.value)["id"] for r in on_topic if r.key == bib.encode()]
    assert sorted(ours) == sorted(2 * [id for id, _ in expected]), "each decision went out twice"

    async with running_transport(
        transport_config(f"{group}-transport"),
        bootstrap_servers=bootstrap_servers,
        database_url=database_url,
    ) as transport:
        keys = [f"urn:kulkuri:holds {id}" for id, _ in expected]

        async def seen_by_transport() -> bool:
            return len(await handled_keys(database_url, keys, schema="transport")) == len(keys)

        await eventually(seen_by_transport, what="transport handling the decisions")
        await eventually(
            lambda: (
                metric(
                    transport.registry,
                    "kulkuri_events_handled_total",
                    type="kulkuri.holds.transfer-requested.v1",
                    outcome="duplicate",
                )
                >= 1
            ),
            what="transport receiving the republished request again",
        )
    conn = await asyncpg.connect(database_url)
    try:
        transfers = await conn.fetch(
            "SELECT transfer_id, history::text AS history FROM transport.transfers"
            " WHERE item_id = $1",
            item,
        )
    finally:
        await conn.close()
    assert [t["transfer_id"] for t in transfers] == [f"{item}:1"]
    assert json.loads(transfers[0]["history"])[0]["status"] == "requested"
    assert len(json.loads(transfers[0]["history"])) == 1, "requested once, not twice"
