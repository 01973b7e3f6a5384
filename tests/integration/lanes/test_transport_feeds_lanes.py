"""The transport service's moves feed the lane-demand stream: transfers the holds service
requests show up in the day's demand on their lane (origin -> next stop: the hub)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest

from kulkuri.shared.events.holds import TransferRequested, TransferRequestedData
from kulkuri.shared.messaging import HOLDS, MOVEMENTS
from kulkuri.transport.lanes.commands import Publish, send_commands
from kulkuri.transport.lanes.process import LaneWorkerProcess
from kulkuri.transport.lanes.settings import LaneSettings
from tests.integration.lanes.streams import lanes_of, local, publications, worker_env
from tests.integration.transport.transport_runtime import config_for, running_transport
from tests.kafka_tools import encoded, produce
from tests.waiting import eventually

DAY = dt.date(2026, 9, 14)


@pytest.fixture(scope="module")
def service_lanes() -> LaneSettings:
    """A worker on the topic the transport service publishes to (its own app id)."""
    suffix = uuid.uuid4().hex[:10]
    return LaneSettings(
        app_id=f"lanes-svc-{suffix}",
        movements_topic=MOVEMENTS,
        demand_topic=f"demand-svc-{suffix}",
        timer_interval_s=3600,
    )


@pytest.fixture(scope="module")
def service_worker(
    bootstrap_servers: str, service_lanes: LaneSettings
) -> Iterator[LaneWorkerProcess]:
    with LaneWorkerProcess(bootstrap_servers, worker_env(service_lanes)) as worker:
        yield worker


def requested(item: str, source: str, to: str) -> TransferRequested:
    at = local(DAY, 5)
    data = TransferRequestedData(
        transfer_id=f"{item}:1",
        item_id=item,
        bib_id=f"b-{item}",
        from_library=source,
        to_library=to,
        reason="hold",
        hold_id=f"h-{item}",
        decided_at=at,
    )
    return TransferRequested.create(
        id=f"req-{item}", source="urn:kulkuri:holds", time=at, data=data
    )


async def test_requested_transfers_are_the_days_demand_on_their_lanes(
    bootstrap_servers: str,
    database_url: str,
    service_lanes: LaneSettings,
    service_worker: LaneWorkerProcess,
    unique: str,
) -> None:
    a, b, hub = f"A{unique}", f"B{unique}", f"H{unique}"
    config = config_for(f"transport-{unique}", hub=hub)
    decisions = [requested(f"x{unique}", a, b), requested(f"y{unique}", a, b)]
    decisions.append(requested(f"z{unique}", b, hub))
    async with running_transport(
        config, bootstrap_servers=bootstrap_servers, database_url=database_url
    ):
        await produce(bootstrap_servers, HOLDS, [encoded(e) for e in decisions])
        expected = [(a, hub, 2, 0, 0), (b, hub, 1, 0, 0)]
        asked = 0

        async def demand_shows_the_transfers() -> bool:
            nonlocal asked
            asked += 1
            await send_commands(bootstrap_servers, service_lanes, [Publish(DAY)])
            published = await publications(bootstrap_servers, service_lanes, DAY, at_least=asked)
            return sorted(lanes_of(published[-1], {a, b, hub})) == expected

        await eventually(
            demand_shows_the_transfers, timeout=60, interval=0.5, what="the lanes of the day"
        )
