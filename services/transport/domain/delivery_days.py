"""Delivery days: the days vans run, Monday to Friday. Overdue and loss limits count them.

A copy loaded on a Friday afternoon with a limit of two delivery days is due by the end of
Tuesday, not Sunday: a weekend without vans is not the copy's fault.
"""

from __future__ import annotations

from datetime import date, timedelta

_SATURDAY = 5


def is_delivery_day(day: date) -> bool:
    return day.weekday() < _SATURDAY


def add_delivery_days(start: date, days: int) -> date:
    """The ``days``-th delivery day after ``start`` (``start`` itself not counted)."""
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")
    day = start
    left = days
    while left:
        day += timedelta(days=1)
        if is_delivery_day(day):
            left -= 1
    return day


def due_by(loaded_on: date, limit_days: int) -> date:
    """The last day a copy loaded on ``loaded_on`` may still arrive within the limit."""
    return add_delivery_days(loaded_on, limit_days)
