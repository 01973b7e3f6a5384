"""SIGTERM to a service run as in its container (``kulkuri <service> run``, configured by the
environment): it takes no new batch, finishes or abandons the one in flight, commits no
offset for work it did not apply, and exits 0 within ``SHUTDOWN_GRACE_S``; a restart then
applies the rest, nothing twice.

A batch is held in flight deterministically by taking the advisory lock the holds service
takes for a title before it loads it (``TitleRepository.load``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from kulkuri.shared.events import CirculationEvent
from kulkuri.shared.messaging import CIRCULATION, HOLDS
from tests.integration.holds_runtime import config_for, running_holds
from tests.reliability.fuzz_kafka import Placed, committed_offsets, produce_all
from tests.reliability.fuzz_valid_events import (
    ASIKKALA,
    HOLLOLA,
    Circulation,
    handled_keys,
    outgoing,
)
from tests.reliability.shutdown_process import (
    ServiceProcess,
    free_port,
    service_environment,
    service_process,
)
from tests.waiting import eventually

pytestmark = pytest.mark.integration


@asynccontextmanager
async def title_locked(database_url: str, bib: str) -> AsyncIterator[None]:
    """Hold the title's lock, as another writer of the title would, until the block ends."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("SELECT pg_advisory_lock(hashtext('kulkuri.title:' || $1))", bib)
        yield
    finally:
        await conn.close()  # releases the lock


async def batch_waits_for_a_title(database_url: str) -> bool:
    conn = await asyncpg.connect(database_url)
    try:
        waiting = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND query LIKE '%kulkuri.title:%'"
        )
    finally:
        await conn.close()
    return bool(waiting)


async def keys_handled(database_url: str, events: Sequence[CirculationEvent]) -> set[str]:
    return await handled_keys(database_url, [e.dedupe_key for e in events])


async def nothing_committed_unapplied(
    bootstrap: str,
    database_url: str,
    group: str,
    sent: Sequence[tuple[CirculationEvent, Placed]],
) -> list[str]:
    """The events below their partition's committed offset that the inbox does not hold:
    offsets committed for work not applied (the list must be empty)."""
    committed = await committed_offsets(bootstrap, group, CIRCULATION)
    below = [e for e, at in sent if at.offset < committed.get(at.partition, 0)]
    handled = await keys_handled(database_url, below)
    return [e.id for e in below if e.dedupe_key not in handled]


async def consuming(
    service: ServiceProcess, run: Circulation, bootstrap: str, database_url: str
) -> None:
    """Ready, and its consumers have joined and caught up with one event of ours."""
    await service.ready()
    first = run.item_added(f"{run.run}-warm", f"{run.run}-warm", HOLLOLA)
    await produce_all(bootstrap, CIRCULATION, [outgoing(first)])

    async def handled() -> bool:
        return bool(await keys_handled(database_url, [first]))

    await eventually(handled, timeout=60, what="the service handling its first event")


def journey(run: Circulation, n: int) -> list[CirculationEvent]:
    """A copy added at Hollola, lent and returned there; a hold at Asikkala on a title of
    its own: effects a second handling would show (an anomaly, a second hold decision)."""
    item, bib = f"{run.run}-item-{n}", f"{run.run}-bib-{n}"
    return [
        run.item_added(item, bib, HOLLOLA),
        run.checked_out(item, bib, HOLLOLA),
        run.returned(item, bib, HOLLOLA),
        run.hold_placed(f"{run.run}-hold-{n}", f"{run.run}-held-{n}", ASIKKALA),
    ]


async def send(
    bootstrap: str, events: Sequence[CirculationEvent]
) -> list[tuple[CirculationEvent, Placed]]:
    placed = await produce_all(bootstrap, CIRCULATION, [outgoing(e) for e in events])
    return list(zip(events, placed, strict=True))


async def test_a_batch_in_flight_at_sigterm_finishes_and_commits_its_offsets(
    bootstrap_servers: str, database_url: str, unique: str, tmp_path: Path
) -> None:
    run, group, grace = Circulation(f"sd-fin-{unique}"), f"sd-fin-{unique}", 10.0
    env = service_environment(
        bootstrap=bootstrap_servers,
        database_url=database_url,
        group=group,
        grace_s=grace,
        port=free_port(),
    )
    events = journey(run, 0)
    async with service_process("holds", env, tmp_path / "holds.log") as service:
        await consuming(service, run, bootstrap_servers, database_url)
        async with title_locked(database_url, events[0].data.bib_id):
            sent = await send(bootstrap_servers, events)
            await eventually(
                lambda: batch_waits_for_a_title(database_url), what="a batch held in flight"
            )
            since = service.sigterm()
            await eventually(lambda: service.logged("SIGTERM: stopping"), what="SIGTERM seen")
        status, took = await service.exited(since, within=grace + 5)

    assert status == 0, service.tail()
    assert took < grace, f"took {took:.1f}s"
    assert not service.logged("abandoning"), "the batch had time to finish"
    held = {e.dedupe_key for e in events[:3]}  # the locked title's: in the batch held
    handled = await keys_handled(database_url, events)
    assert held <= handled, "the batch in flight finished"
    # The hold on another title may have come in a later fetch, which a stopping service
    # does not take: then it is neither applied nor committed, and a restart applies it.
    committed = await committed_offsets(bootstrap_servers, group, CIRCULATION)
    assert all(
        committed.get(at.partition, 0) > at.offset for e, at in sent if e.dedupe_key in handled
    ), "the finished batch's offsets were committed"
    assert await nothing_committed_unapplied(bootstrap_servers, database_url, group, sent) == []


async def test_a_batch_waiting_past_the_grace_period_is_abandoned_and_applied_once_after_restart(
    bootstrap_servers: str, database_url: str, unique: str, tmp_path: Path
) -> None:
    run, group, grace = Circulation(f"sd-ab-{unique}"), f"sd-ab-{unique}", 3.0
    env = service_environment(
        bootstrap=bootstrap_servers,
        database_url=database_url,
        group=group,
        grace_s=grace,
        port=free_port(),
    )
    events = journey(run, 0)
    async with title_locked(database_url, events[0].data.bib_id):
        async with service_process("holds", env, tmp_path / "holds.log") as service:
            await consuming(service, run, bootstrap_servers, database_url)
            sent = await send(bootstrap_servers, events)
            await eventually(
                lambda: batch_waits_for_a_title(database_url), what="a batch held in flight"
            )
            since = service.sigterm()
            status, took = await service.exited(since, within=grace + 5)

        assert status == 0, service.tail()
        assert took < grace, f"took {took:.1f}s"
        assert service.logged("abandoning"), service.tail()
        assert not await keys_handled(database_url, events[:3]), "the batch rolled back"
        assert await nothing_committed_unapplied(bootstrap_servers, database_url, group, sent) == []

    async with running_holds(
        config_for(group), bootstrap_servers=bootstrap_servers, database_url=database_url
    ):

        async def all_handled() -> bool:
            return len(await keys_handled(database_url, events)) == len(events)

        await eventually(all_handled, timeout=60, what="the abandoned batch after a restart")
    await assert_applied_once(database_url, [events])


async def test_sigterm_during_a_stream_of_events_loses_none_and_applies_none_twice(
    bootstrap_servers: str, database_url: str, unique: str, tmp_path: Path
) -> None:
    run, group, grace = Circulation(f"sd-st-{unique}"), f"sd-st-{unique}", 10.0
    env = service_environment(
        bootstrap=bootstrap_servers,
        database_url=database_url,
        group=group,
        grace_s=grace,
        port=free_port(),
    )
    journeys = [journey(run, n) for n in range(400)]
    stream = [e for j in journeys for e in j]
    sent: list[tuple[CirculationEvent, Placed]] = []

    async def produce_stream() -> None:
        for start in range(0, len(stream), 100):
            sent.extend(await send(bootstrap_servers, stream[start : start + 100]))

    async with service_process("holds", env, tmp_path / "holds.log") as service:
        await consuming(service, run, bootstrap_servers, database_url)
        producing = asyncio.create_task(produce_stream())

        async def some_handled() -> bool:
            return len(await keys_handled(database_url, stream)) >= 200

        await eventually(some_handled, timeout=60, what="the stream being handled")
        since = service.sigterm()
        status, took = await service.exited(since, within=grace + 5)
        await producing

    assert status == 0, service.tail()
    assert took < grace, f"took {took:.1f}s"
    assert await nothing_committed_unapplied(bootstrap_servers, database_url, group, sent) == []
    assert len(await keys_handled(database_url, stream)) < len(stream), "stopped mid-stream"

    async with running_holds(
        config_for(group), bootstrap_servers=bootstrap_servers, database_url=database_url
    ):

        async def all_handled() -> bool:
            return len(await keys_handled(database_url, stream)) == len(stream)

        await eventually(all_handled, timeout=90, what="the rest of the stream after a restart")
    await assert_applied_once(database_url, journeys)


async def assert_applied_once(
    database_url: str, journeys: Sequence[Sequence[CirculationEvent]]
) -> None:
    """Each journey's copy is back on Hollola's shelf with no anomaly recorded (a second
    check-out or return would record one), and its hold has one decision."""
    bibs = [j[0].data.bib_id for j in journeys]
    held = [j[3].data.bib_id for j in journeys]
    conn = await asyncpg.connect(database_url)
    try:
        items = await conn.fetch(
            "SELECT bib_id, status, current_library FROM holds.items WHERE bib_id = ANY($1)", bibs
        )
        holds = await conn.fetch("SELECT bib_id FROM holds.holds WHERE bib_id = ANY($1)", held)
        decisions = await conn.fetch(
            "SELECT key, value FROM holds.outbox WHERE topic = $1 AND key = ANY($2::bytea[])",
            HOLDS,
            [bib.encode() for bib in [*bibs, *held]],
        )
    finally:
        await conn.close()
    assert {(r["status"], r["current_library"]) for r in items} == {("on_shelf", HOLLOLA)}
    assert len(items) == len(journeys)
    assert sorted(r["bib_id"] for r in holds) == sorted(held)
    assert not [d["key"] for d in decisions if b"anomaly-recorded" in d["value"]]
    per_hold = [d["key"].decode() for d in decisions if d["key"].decode() in set(held)]
    assert sorted(per_hold) == sorted(held), "one decision (queued) per hold"


@pytest.mark.parametrize("service", ["transport", "routing"])
async def test_every_service_process_stops_on_sigterm_with_status_0_within_its_grace(
    service: str, bootstrap_servers: str, database_url: str, unique: str, tmp_path: Path
) -> None:
    grace = 5.0
    env = service_environment(
        bootstrap=bootstrap_servers,
        database_url=database_url,
        group=f"sd-{service}-{unique}",
        grace_s=grace,
        port=free_port(),
    )
    async with service_process(service, env, tmp_path / f"{service}.log") as running:
        await running.ready()
        status, took = await running.exited(running.sigterm(), within=grace + 5)
    assert status == 0, running.tail()
    assert took < grace, f"took {took:.1f}s"
    assert running.logged("stopped"), running.tail()
