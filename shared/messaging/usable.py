"""Events that parse and validate, yet could never be stored or computed with.

The contract's types let through two things the rest of kulkuri cannot take, and each would
stop a consumer for good (the same record fails again after every restart):

- a NUL character in ``id`` or ``source``: both go into the inbox, and PostgreSQL text
  cannot hold NUL;
- a timestamp at the edge of Python's datetime range (``9999-12-31T23:59:59-14:00``):
  converting it to UTC or to local time, or adding a day to it, overflows.

The consumer dead-letters such an event as ``schema_violation``, like any other contract
breach. The check reads the envelope and the top-level fields of ``data`` (no consumed event
has a timestamp deeper down) and costs about a microsecond an event.
"""

from __future__ import annotations

from datetime import datetime

from kulkuri.shared.events.envelope import CloudEvent

# Wall-clock years well inside 1..9999: any UTC offset and any span kulkuri adds (days,
# months) stays in range. No library records an event outside them.
EARLIEST_YEAR, LATEST_YEAR = 1000, 8999


def unusable(event: CloudEvent) -> str | None:
    """Why ``event`` could never be stored or computed with, or None if it can."""
    if "\x00" in event.id or "\x00" in event.source:
        return "id and source must not contain the NUL character (U+0000)"
    fields = getattr(event.data, "__dict__", {})
    for name, value in [("time", event.time), *fields.items()]:
        if isinstance(value, datetime) and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            return f"{name}: {value.isoformat()} is outside the years {EARLIEST_YEAR}-{LATEST_YEAR}"
    return None
