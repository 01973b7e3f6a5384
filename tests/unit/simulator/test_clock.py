"""Simulated time runs ``speed`` times faster during service hours and skips the nights."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from kulkuri.simulator.core.clock import ServiceHours, SimClock
from kulkuri.simulator.core.config import HELSINKI

HOURS = ServiceHours(time(6), time(22), HELSINKI)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=HELSINKI)


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        pytest.param(at(25, 12), at(25, 14), 2, id="within-a-day"),
        pytest.param(at(25, 21), at(26, 7), 2, id="over-a-night"),
        pytest.param(at(25, 23), at(26, 5), 0, id="inside-a-night"),
        pytest.param(at(25, 12), at(27, 12), 32, id="two-days"),
        pytest.param(at(25, 14), at(25, 12), 0, id="backwards"),
    ],
)
def test_only_service_hours_count(start: datetime, end: datetime, hours: float) -> None:
    assert HOURS.active_seconds(start, end) == hours * 3600


def test_advancing_skips_the_night() -> None:
    assert HOURS.advance(at(25, 21, 30), 3600) == at(26, 6, 30)
    assert HOURS.advance(at(25, 23), 60) == at(26, 6, 1)


def test_the_clock_runs_at_speed_and_stands_still_when_reanchored() -> None:
    clock = SimClock(HOURS, 3600, at(25, 12), wall=100.0)
    assert clock.wall_due(at(25, 14)) == pytest.approx(102.0)
    assert clock.wall_due(at(26, 7)) == pytest.approx(111.0)  # 10 h of day, the night skipped
    assert clock.now(101.5) == at(25, 13, 30)
    clock.reanchor(at(26, 6), wall=500.0)  # the run waited for a plan
    assert clock.now(500.5) == at(26, 6, 30)
    assert clock.wall_due(at(26, 6) + timedelta(hours=1)) == pytest.approx(501.0)
