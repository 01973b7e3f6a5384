"""The simulator's decision feed after its broker was restarted empty on the same address
(long benchmark runs do, for want of retention on the local broker): rewound, it reads what
was written since, also at offsets it had passed on the old broker."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

import pytest
from aiokafka import AIOKafkaProducer

from kulkuri.shared.events import EventCodec
from kulkuri.shared.events.routing import RoutePlanData, RoutePlanPublished
from kulkuri.shared.local.broker import LocalBroker
from kulkuri.shared.messaging import ROUTES, ensure_topics
from kulkuri.shared.settings import KafkaSettings
from kulkuri.simulator.adapters.feed import WATCHED, DecisionFeed
from kulkuri.simulator.core.config import HELSINKI

pytestmark = pytest.mark.integration

DAY = date(2027, 3, 1)
EARLIER = datetime(2027, 2, 28, 12, tzinfo=HELSINKI)


def plan(day: date) -> RoutePlanPublished:
    planned_at = datetime.combine(day, datetime.min.time(), tzinfo=HELSINKI)
    data = RoutePlanData(
        service_day=day,
        version=1,
        mode="hub",
        routes=[],
        dropped=[],
        distance_m=0,
        duration_s=0,
        vans_used=0,
        planned_at=planned_at,
    )
    return RoutePlanPublished.create(
        id=f"route-plan:{day.isoformat()}:1", source="urn:test", time=planned_at, data=data
    )


async def publish(bootstrap: str, plans: list[RoutePlanPublished]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for event in plans:
            await producer.send_and_wait(
                ROUTES, EventCodec.encode(event), key=event.partition_key()
            )
    finally:
        await producer.stop()


async def test_a_rewound_feed_reads_a_plan_written_below_its_old_position() -> None:
    kafka = KafkaSettings(default_partitions=1)
    with LocalBroker() as broker:
        bootstrap = broker.bootstrap_servers
        async with DecisionFeed(bootstrap, kafka, run="fresh") as feed:
            await publish(bootstrap, [plan(DAY + timedelta(days=n)) for n in range(3)])
            assert await feed.plan_for(DAY + timedelta(days=2), EARLIER, 30) is not None

            await asyncio.to_thread(broker.restart)
            await ensure_topics(bootstrap, WATCHED, partitions=1)
            later = DAY + timedelta(days=10)
            # Offsets 0-2 again: the feed's old position (3) lies past the new plan.
            await publish(bootstrap, [plan(later), plan(DAY), plan(DAY + timedelta(days=1))])
            await feed.rewind()

            found = await feed.plan_for(later, EARLIER, 30)
        assert found is not None
        assert found.service_day == later
