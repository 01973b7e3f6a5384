"""The Kafka producer every service uses: acks=all, no idempotence (Tansu lacks it).

Duplicates a retrying producer may cause are harmless: every consumer dedupes by event id.
"""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

from kulkuri.shared.messaging.security import client_security
from kulkuri.shared.settings import KafkaSettings


def create_producer(settings: KafkaSettings, bootstrap_servers: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=f"{settings.client_id}-producer",
        acks="all",
        enable_idempotence=False,
        linger_ms=5,
        max_batch_size=1024 * 1024,
        request_timeout_ms=30_000,
        **client_security(settings),
    )
