"""Which faults are worth a retry, and how long to wait before the next attempt."""

from __future__ import annotations

import random

from aiokafka.errors import KafkaError

from kulkuri.shared.db.pool import is_transient_db_error
from kulkuri.shared.errors import TransientError


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TransientError) or is_transient_db_error(exc):
        return True
    return isinstance(exc, KafkaError) and bool(getattr(exc, "retriable", False))


def backoff_delay(attempt: int, *, initial_s: float, max_s: float) -> float:
    """Exponential backoff with jitter, so that replicas do not retry in step."""
    ceiling: float = min(max_s, initial_s * 2.0 ** (attempt - 1))
    return ceiling * random.uniform(0.5, 1.0)
