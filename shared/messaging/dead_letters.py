"""Dead letters: the original record, unchanged, with why and where it came from in headers.

Dead letters are written to the outbox in the batch's transaction, so a record is
dead-lettered exactly once even if the consumer crashes before committing its offset.
"""

from __future__ import annotations

from aiokafka.structs import ConsumerRecord

from kulkuri.shared.db.outbox import OutboxMessage
from kulkuri.shared.messaging.topics import dead_letter_topic

HEADER_PREFIX = "kulkuri-dlq-"
_DETAIL_LIMIT = 2000


def dead_letter(
    record: ConsumerRecord[bytes, bytes],
    *,
    consumer_group: str,
    reason: str,
    error_class: str,
    detail: str,
) -> OutboxMessage:
    headers = [
        # The record's own headers, except any in our namespace: a producer's (or an earlier
        # dead letter's, produced again) would stand beside ours and could be read first.
        *[(name, value) for name, value in record.headers or () if not _ours(name)],
        (f"{HEADER_PREFIX}reason", reason.encode()),
        (f"{HEADER_PREFIX}error-class", error_class.encode()),
        (f"{HEADER_PREFIX}detail", detail[:_DETAIL_LIMIT].encode()),
        (f"{HEADER_PREFIX}topic", record.topic.encode()),
        (f"{HEADER_PREFIX}partition", str(record.partition).encode()),
        (f"{HEADER_PREFIX}offset", str(record.offset).encode()),
        (f"{HEADER_PREFIX}consumer-group", consumer_group.encode()),
    ]
    return OutboxMessage(
        # One dead letter per source record and consumer group, however often it is seen.
        id=f"dlq:{consumer_group}:{record.topic}:{record.partition}:{record.offset}",
        topic=dead_letter_topic(record.topic),
        key=record.key,
        value=record.value or b"",
        headers=tuple(headers),
    )


def _ours(name: str) -> bool:
    return name.lower().startswith(HEADER_PREFIX)
