"""Faults change nothing: a stream handled while services are killed, the broker and the
database restarted and a consumer paused out of its group ends in the state a run without
faults reaches, with nothing lost and nothing twice (``fault_run.py``).

The long version is ``kulkuri reliability faults``; figures in docs/reliability.md.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
from prometheus_client import CollectorRegistry

from kulkuri.shared.errors import FatalError
from tests.integration.probe import ProbeHandler, effects, probe_runtime, probe_schema
from tests.kafka_tools import encoded, hold_placed, metric, produce
from tests.reliability.fault_plan import FaultCounts, FaultKind, plan_faults
from tests.reliability.fault_run import HarnessOptions, run_harness
from tests.reliability.fault_services import SESSION_TIMEOUT_S
from tests.reliability.fault_state import Difference, Snapshot, compare
from tests.waiting import eventually

# -- the comparison, which must be able to fail ---------------------------------------------

DECISION = '{"id":"d-1","type":"copy-assigned","data":{"item_id":"i-1","hold_id":"h-1"}}'


def snapshot(**changes: dict[str, str]) -> Snapshot:
    rows = {
        "holds.items": {"i-1": '{"status": "on_hold_shelf"}', "i-2": '{"status": "on_loan"}'},
        "wire kulkuri.holds.v1": {"d-1": DECISION},
    }
    rows.update(changes)
    return Snapshot(rows=rows)


def test_identical_runs_compare_equal() -> None:
    comparison = compare(snapshot(), snapshot())
    assert comparison.ok, comparison.report()


def test_a_row_the_faulty_run_lacks_is_a_lost_effect() -> None:
    faulty = snapshot(**{"holds.items": {"i-1": '{"status": "on_hold_shelf"}'}})
    comparison = compare(snapshot(), faulty)
    assert not comparison.ok
    assert comparison.count("lost") == 1
    assert "lost       holds.items i-2" in comparison.report()


def test_an_extra_decision_is_a_duplicated_effect() -> None:
    twice = {"d-1": DECISION, "d-1-again": DECISION.replace("d-1", "d-1-again")}
    comparison = compare(snapshot(), snapshot(**{"wire kulkuri.holds.v1": twice}))
    assert comparison.count("duplicated") == 1
    assert comparison.differences[0].key == "d-1-again"


def test_a_changed_row_names_the_fields_that_differ() -> None:
    moved = {"i-1": '{"status": "in_transit"}', "i-2": '{"status": "on_loan"}'}
    comparison = compare(snapshot(), snapshot(**{"holds.items": moved}))
    assert comparison.count("changed") == 1
    assert "status: 'on_hold_shelf' -> 'in_transit'" in comparison.report()


def test_a_run_that_contradicts_itself_fails_even_if_its_rows_match() -> None:
    faulty = snapshot()
    faulty.problems.append(Difference("holds.outbox unpublished", "d-2", "lost"))
    reference = snapshot()
    reference.problems.append(Difference("wire kulkuri.holds.v1", "d-1", "duplicated"))
    comparison = compare(reference, faulty)
    assert comparison.count("lost") == 1
    assert comparison.count("duplicated") == 1
    assert "reference run: wire kulkuri.holds.v1" in comparison.report()


def test_the_fault_plan_is_one_fault_per_segment_and_follows_its_seed() -> None:
    counts = FaultCounts(kills=3, broker_restarts=2, postgres_restarts=1, pauses=2)
    targets = {"kill_targets": ("a", "b", "t"), "pause_targets": ("a", "b")}
    plan = plan_faults(counts, seed=7, **targets)
    assert plan == plan_faults(counts, seed=7, **targets)
    assert [f.segment for f in plan] == list(range(counts.total))
    assert sum(f.kind is FaultKind.KILL for f in plan) == 3
    assert all(f.target in ("a", "b") for f in plan if f.kind is FaultKind.PAUSE)
    assert plan != plan_faults(counts, seed=8, **targets)


# -- the services under faults --------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.timeout(420)
async def test_killed_restarted_and_paused_services_end_in_the_state_of_a_run_without_faults(
    tmp_path: Path,
) -> None:
    # A seed whose two kills hit a holds instance and the transport service.
    counts = FaultCounts(kills=2, broker_restarts=1, postgres_restarts=1, pauses=1)
    options = HarnessOptions(work_dir=tmp_path, events=6_000, faults=counts, seed=2)
    report = await run_harness(options)

    faulty = report.faulty
    struck = {s.fault.kind: s for s in faulty.struck}
    assert set(struck) == set(FaultKind), "every kind of fault struck"
    killed = {s.name: s for s in faulty.services if s.kills}
    assert "transport" in killed and {"holds-a", "holds-b"} & set(killed)
    for service in killed.values():
        assert service.starts > service.kills, f"{service.name} was started again after SIGKILL"
    pause = struck[FaultKind.PAUSE]
    assert pause.seconds > SESSION_TIMEOUT_S, "paused past the session timeout"
    for hit in faulty.struck:
        assert hit.handled < len(report.stream), f"{hit.fault.describe()} struck mid-stream"
    assert report.reference.snapshot.count("wire kulkuri.holds.v1") > len(report.stream) // 2
    assert report.comparison.ok, report.comparison.report()


@pytest.mark.integration
async def test_a_consumer_whose_connection_the_server_closed_carries_on_with_a_new_one(
    bootstrap_servers: str, database_url: str, unique: str
) -> None:
    """A PostgreSQL restart (or failover, or an idle-session timeout) closes the connection a
    consumer holds between batches; the next batch must take a new one, not give up."""
    topic, schema = f"in-{unique}", probe_schema(unique)
    registry = CollectorRegistry()
    runtime = probe_runtime(
        unique=unique,
        database_url=database_url,
        bootstrap_servers=bootstrap_servers,
        handler=ProbeHandler(schema=schema, output_topic=f"out-{unique}"),
        input_topic=topic,
        registry=registry,
    )
    first, second = [hold_placed(i) for i in range(5)], [hold_placed(i) for i in range(5, 10)]

    def handled(count: int) -> bool:
        return metric(registry, "kulkuri_events_handled_total") >= count

    async with runtime:
        task = asyncio.create_task(runtime.run())
        await produce(bootstrap_servers, topic, [encoded(e) for e in first])
        await eventually(lambda: handled(5), what="the first events handled")
        await _close_every_other_session(database_url)
        await produce(bootstrap_servers, topic, [encoded(e) for e in second])
        await eventually(lambda: handled(10) or task.done(), what="the next events handled")
        runtime.request_stop()
        try:
            await task
        except FatalError as exc:
            pytest.fail(f"the consumer gave up instead of reconnecting: {exc}")
    assert len(await effects(database_url, schema)) == 10


async def _close_every_other_session(database_url: str) -> None:
    """What a server restart does to this database's sessions, without restarting a server
    other tests share: every session but this one is terminated."""
    conn = await asyncpg.connect(database_url)
    try:
        others = [
            row[0]
            for row in await conn.fetch(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ]
        assert others, "the runtime had sessions open"
        await conn.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid", others)

        async def gone() -> bool:
            left = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1::int[])", others
            )
            return bool(left == 0)

        await eventually(gone, what="the terminated sessions gone")
    finally:
        await conn.close()
