"""A restarted lane worker gets its tables back from their changelog topics on the broker."""

from __future__ import annotations

import datetime as dt

from kulkuri.transport.lanes.commands import Publish, Tick, send_commands
from kulkuri.transport.lanes.process import LaneWorkerProcess
from kulkuri.transport.lanes.settings import LaneConfig, LaneSettings
from kulkuri.transport.lanes.worker import declare_topics
from tests.integration.lanes.streams import (
    lanes_of,
    local,
    moved,
    produce,
    publications,
    wait_consumed,
    worker_env,
)

DAY = dt.date(2026, 9, 28)


async def test_a_restarted_worker_rebuilds_its_lane_table_from_the_changelog(
    bootstrap_servers: str, unique: str
) -> None:
    a, b = f"A{unique}", f"B{unique}"
    first = LaneSettings(
        app_id=f"lanes-restart-{unique}",
        movements_topic=f"movements-{unique}",
        demand_topic=f"demand-{unique}",
        timer_interval_s=3600,
    )
    # The restarted worker reads an empty movements topic: whatever it knows of the lanes
    # can only come from the changelogs (same app id, so the same changelog topics).
    second = first.model_copy(update={"movements_topic": f"movements-{unique}-after"})
    before = DAY - dt.timedelta(days=1)
    moves = [
        moved(f"p{unique}:1", "packed", local(before, 9), location=a, next_stop=b, crate="c1"),
        moved(f"q{unique}:1", "packed", local(before, 9), location=a, next_stop=b, crate="c2"),
        moved(f"r{unique}:1", "requested", local(before, 9), location=a, next_stop=b),
        moved(f"s{unique}:1", "pulled", local(before, 9), location=b, next_stop=a),
    ]
    await declare_topics(LaneConfig(lanes=first), bootstrap_servers)
    await produce(bootstrap_servers, first.movements_topic, moves)
    with LaneWorkerProcess(bootstrap_servers, worker_env(first)):
        await wait_consumed(bootstrap_servers, first)
        await send_commands(bootstrap_servers, first, [Publish(DAY)])
        await publications(bootstrap_servers, first, DAY, at_least=1)

    with LaneWorkerProcess(bootstrap_servers, worker_env(second)):
        # The day was published before the restart: a tick after its cut-off must not
        # publish it again, so the next publication is the one asked for, number 2.
        await send_commands(bootstrap_servers, second, [Tick(local(DAY, 7)), Publish(DAY)])
        await publications(bootstrap_servers, second, DAY, at_least=2)
        loaded = moved(f"s{unique}:1", "loaded", local(DAY, 8), location=None, next_stop=None)
        await produce(bootstrap_servers, second.movements_topic, [loaded])  # declared at start
        await wait_consumed(bootstrap_servers, second)
        await send_commands(bootstrap_servers, second, [Publish(DAY)])
        published = await publications(bootstrap_servers, second, DAY, at_least=3)

    assert [event.id for event in published] == [f"lane-demand:{DAY}:{n}" for n in (1, 2, 3)]
    assert lanes_of(published[0], {a, b}) == [(a, b, 3, 2, 0), (b, a, 1, 0, 0)]
    assert lanes_of(published[1], {a, b}) == lanes_of(published[0], {a, b})
    assert lanes_of(published[2], {a, b}) == [(a, b, 3, 2, 0)]
