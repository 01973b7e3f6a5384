"""Topic names and the creation of the topics kulkuri owns."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from kulkuri.shared.messaging.security import client_security
from kulkuri.shared.settings import KafkaSettings

log = logging.getLogger(__name__)

CIRCULATION = "kulkuri.circulation.v1"
"""Inbound events from the circulation systems, keyed by bib_id."""

HOLDS = "kulkuri.holds.v1"
"""The holds service's decisions (copies assigned, transfers requested, ...), keyed by bib_id."""

TRANSPORT = "kulkuri.transport.v1"
"""The transport service's events (transfers received, overdue, missing), keyed by bib_id."""

MOVEMENTS = "kulkuri.transport.movements.v1"
"""Every status change of a transfer, keyed by transfer_id: the lane-demand stream's input."""

SCANS = "kulkuri.scans.v1"
"""Barcode scans from systems that publish them as events, keyed by the scanned barcode."""

ROUTES = "kulkuri.routing.v1"
"""The day's van routes, each plan and re-plan, keyed by service day."""

DEMAND = "kulkuri.transport.demand.v1"
"""The day's demand per lane at the cut-off, keyed by service day: the routing service's input."""


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int,
    replication_factor: int = 1,
    kafka: KafkaSettings | None = None,
) -> None:
    """Create missing topics; existing ones are left as they are (partitions never shrink).
    ``kafka``: the security options to connect with (``None``: plaintext)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **client_security(kafka))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in dict.fromkeys(topics) if t not in existing]
        if not missing:
            return
        # Another service instance may have created it first: that is fine.
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics(
                [NewTopic(t, partitions, replication_factor) for t in missing]
            )
        log.info("created topics", extra={"topics": missing, "partitions": partitions})
    finally:
        await admin.close()
