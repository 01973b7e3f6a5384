"""Report periods: whole local days, checked on the way in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from kulkuri.reports.domain import BadPeriod, Period

HELSINKI = ZoneInfo("Europe/Helsinki")


def test_a_period_that_ends_before_it_starts_is_refused_with_both_dates() -> None:
    with pytest.raises(BadPeriod, match=r"ends \(2026-08-01\) before it starts \(2026-08-31\)"):
        Period(date(2026, 8, 31), date(2026, 8, 1))


def test_a_one_day_period_is_fine() -> None:
    assert Period(date(2026, 8, 3), date(2026, 8, 3)).days == 1


def test_the_bounds_are_local_midnights_whatever_the_season() -> None:
    start, end = Period.year(2026).bounds(HELSINKI)
    assert start.astimezone(UTC) == datetime(2025, 12, 31, 22, tzinfo=UTC)  # winter: +2
    assert end.astimezone(UTC) == datetime(2026, 12, 31, 22, tzinfo=UTC)
    summer_start, _ = Period(date(2026, 7, 1), date(2026, 7, 1)).bounds(HELSINKI)
    assert summer_start.astimezone(UTC) == datetime(2026, 6, 30, 21, tzinfo=UTC)  # summer: +3


@pytest.mark.parametrize("year", [1899, 9999, -1], ids=["too-early", "too-late", "negative"])
def test_a_year_out_of_range_is_refused(year: int) -> None:
    with pytest.raises(BadPeriod, match=f"year {year} is outside"):
        Period.year(year)
