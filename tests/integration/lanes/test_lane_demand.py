"""The lane worker against the real broker: the cut-off, redeliveries, and bad records.

All tests share the session's worker; each keeps to its own libraries and service day.
"""

from __future__ import annotations

import datetime as dt
import json

from kulkuri.transport.lanes.commands import Publish, Tick, send_commands
from kulkuri.transport.lanes.process import LaneWorkerProcess
from kulkuri.transport.lanes.settings import LaneSettings
from tests.integration.lanes.streams import (
    lanes_of,
    local,
    moved,
    produce,
    publications,
    wait_consumed,
)
from tests.kafka_tools import encoded, hold_placed, read_topic

DAY = dt.date(2026, 9, 7)


async def test_the_days_demand_is_published_once_when_its_cutoff_passes(
    bootstrap_servers: str,
    lane_settings: LaneSettings,
    lane_worker: LaneWorkerProcess,
    unique: str,
) -> None:
    a, b, hub = f"A{unique}", f"B{unique}", f"H{unique}"
    before, day_before = DAY - dt.timedelta(days=1), DAY - dt.timedelta(days=2)
    moves = [
        moved(f"o{unique}:1", "requested", local(day_before, 7), location=a, next_stop=b),
        moved(f"p{unique}:1", "requested", local(before, 9), location=a, next_stop=b),
        moved(f"p{unique}:1", "packed", local(before, 10), location=a, next_stop=b, crate="c1"),
        moved(f"q{unique}:1", "requested", local(before, 9), location=a, next_stop=b),
        moved(f"q{unique}:1", "packed", local(before, 11), location=a, next_stop=b, crate="c1"),
        moved(f"r{unique}:1", "requested", local(DAY, 5, 30), location=a, next_stop=hub),
        moved(f"s{unique}:1", "requested", local(DAY, 6, 30), location=a, next_stop=b),  # D+1
        moved(f"t{unique}:1", "requested", local(before, 9), location=b, next_stop=a),
        moved(f"t{unique}:1", "loaded", local(before, 12), location=None, next_stop=None),
    ]
    await produce(bootstrap_servers, lane_settings.movements_topic, moves)
    await wait_consumed(bootstrap_servers, lane_settings)

    await send_commands(
        bootstrap_servers,
        lane_settings,
        # Commands are handled in order: once the publication asked for last is out, every
        # tick before it has been handled.
        [Tick(local(DAY, 5, 59)), Tick(local(DAY, 6, 1)), Tick(local(DAY, 9)), Publish(DAY)],
    )
    published = await publications(bootstrap_servers, lane_settings, DAY, at_least=2)

    assert [event.id for event in published] == [f"lane-demand:{DAY}:1", f"lane-demand:{DAY}:2"]
    first = published[0].data
    assert first.published_at == local(DAY, 6, 1)
    assert first.cutoff_at == local(DAY, 6)
    expected = [(a, b, 3, 1, 1), (a, hub, 1, 0, 0)]
    assert lanes_of(published[0], {a, b, hub}) == expected
    assert lanes_of(published[1], {a, b, hub}) == expected


async def test_redelivered_moves_are_not_counted_twice(
    bootstrap_servers: str,
    lane_settings: LaneSettings,
    lane_worker: LaneWorkerProcess,
    unique: str,
) -> None:
    day = DAY + dt.timedelta(days=7)
    a, b = f"A{unique}", f"B{unique}"
    packed = [
        moved(f"p{unique}:1", "requested", local(day, 1), location=a, next_stop=b),
        moved(f"p{unique}:1", "packed", local(day, 2), location=a, next_stop=b, crate="c7"),
    ]
    loaded = [
        moved(f"l{unique}:1", "requested", local(day, 1), location=a, next_stop=b),
        moved(f"l{unique}:1", "loaded", local(day, 3), location=None, next_stop=None),
    ]
    # At-least-once: a whole stretch of moves arrives again, then a late copy of an old move.
    await produce(bootstrap_servers, lane_settings.movements_topic, packed + loaded)
    await produce(bootstrap_servers, lane_settings.movements_topic, packed + loaded)
    await produce(bootstrap_servers, lane_settings.movements_topic, [packed[0], loaded[0]])
    await wait_consumed(bootstrap_servers, lane_settings)

    await send_commands(bootstrap_servers, lane_settings, [Publish(day)])
    (published,) = await publications(bootstrap_servers, lane_settings, day, at_least=1)

    assert lanes_of(published, {a, b}) == [(a, b, 1, 1, 0)]


async def test_bad_moves_are_dead_lettered_with_the_reason_and_the_rest_counted(
    bootstrap_servers: str,
    lane_settings: LaneSettings,
    lane_worker: LaneWorkerProcess,
    unique: str,
) -> None:
    day = DAY + dt.timedelta(days=14)
    a, b = f"A{unique}", f"B{unique}"
    _, valid = moved(f"v{unique}:1", "pulled", local(day, 1), location=a, next_stop=b)
    flying = json.loads(valid)
    flying["data"]["status"] = "flying"
    bad = [
        (f"json-{unique}".encode(), b"{not json"),
        (f"type-{unique}".encode(), encoded(hold_placed(1, prefix=unique))[1]),
        (f"schema-{unique}".encode(), json.dumps(flying).encode()),
    ]
    await produce(bootstrap_servers, lane_settings.movements_topic, [*bad, (b"v", valid)])
    await wait_consumed(bootstrap_servers, lane_settings)

    dlq = f"{lane_settings.movements_topic}.dlq"
    records = await read_topic(bootstrap_servers, dlq, at_least=len(bad))
    letters = {
        record.key.decode().partition("-")[0]: (record.value, dict(record.headers))
        for record in records
        if record.key in {key for key, _ in bad}
    }
    await send_commands(bootstrap_servers, lane_settings, [Publish(day)])
    (published,) = await publications(bootstrap_servers, lane_settings, day, at_least=1)

    reasons = {kind: headers["kulkuri-dlq-reason"] for kind, (_, headers) in letters.items()}
    assert reasons == {"json": b"bad_json", "type": b"unknown_type", "schema": b"schema_violation"}
    value, headers = letters["json"]
    assert value == b"{not json"
    assert headers["kulkuri-dlq-topic"] == lane_settings.movements_topic.encode()
    assert headers["kulkuri-dlq-consumer-group"] == lane_settings.app_id.encode()
    assert lanes_of(published, {a, b}) == [(a, b, 1, 0, 0)]
