"""All of kulkuri's shared exceptions.

    KulkuriError
    ├── InvalidEventError      bad data: dead-letter it with the reason, keep consuming
    ├── TransientError         infrastructure hiccup: retry with backoff, never dead-letter
    └── FatalError             bug or broken infrastructure: stop; the orchestrator restarts us

A handler raises ``InvalidEventError`` only for data it can never accept (an unknown library,
an event that breaks the schema); anything else that goes wrong must not dead-letter a valid
event.
"""

from __future__ import annotations


class KulkuriError(Exception):
    """Base of every exception kulkuri raises on purpose."""


class InvalidEventError(KulkuriError):
    """An event that no retry can make valid.

    ``reason`` is a short machine-readable category (``bad_json``, ``unknown_type``,
    ``schema_violation``, ``unknown_library``, ...) used as a metric label and a dead-letter
    header; ``detail`` is the human-readable explanation.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class TransientError(KulkuriError):
    """A fault that may go away on retry (connection reset, deadlock, broker leader change)."""


class FatalError(KulkuriError):
    """A fault that retrying will not fix; the process should stop."""
