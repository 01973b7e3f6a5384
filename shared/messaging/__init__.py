"""Kafka messaging: the consumer loop, batch processing with inbox and outbox, the relay."""

from kulkuri.shared.messaging.consumer import EventConsumer
from kulkuri.shared.messaging.processing import (
    BatchResult,
    EventHandler,
    InboxBatchProcessor,
    Transaction,
)
from kulkuri.shared.messaging.producer import create_producer
from kulkuri.shared.messaging.relay import OutboxRelay
from kulkuri.shared.messaging.topics import (
    CIRCULATION,
    DEMAND,
    HOLDS,
    MOVEMENTS,
    ROUTES,
    SCANS,
    TRANSPORT,
    dead_letter_topic,
    ensure_topics,
)

__all__ = [
    "CIRCULATION",
    "DEMAND",
    "HOLDS",
    "MOVEMENTS",
    "ROUTES",
    "SCANS",
    "TRANSPORT",
    "BatchResult",
    "EventConsumer",
    "EventHandler",
    "InboxBatchProcessor",
    "OutboxRelay",
    "Transaction",
    "create_producer",
    "dead_letter_topic",
    "ensure_topics",
]
