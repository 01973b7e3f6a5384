"""A van may stop while the building is open, staffed or self-service."""

from __future__ import annotations

from datetime import date

import pytest

from kulkuri.routing.adapters.opening_hours import (
    OpeningHours,
    Period,
    Status,
    clock_seconds,
    parse_hours_csv,
    same_weekday,
    shipped_hours,
    typical,
    windows,
)
from kulkuri.routing.domain.problem import TimeWindow

H = 3600
LAHDEN_PAAKIRJASTO = "85910"


def test_self_service_and_staffed_hours_that_touch_are_one_window() -> None:
    day = [
        Period(Status.SELF_SERVICE, 7 * H, 10 * H),
        Period(Status.OPEN, 10 * H, 16 * H),
        Period(Status.SELF_SERVICE, 16 * H, 21 * H),
    ]
    assert windows(day) == (TimeWindow(7 * H, 21 * H),)


def test_a_temporary_closure_inside_the_day_splits_the_windows() -> None:
    day = [
        Period(Status.OPEN, 13 * H, 16 * H + 1800),
        Period(Status.TEMPORARILY_CLOSED, 16 * H + 1800, 18 * H),
        Period(Status.OPEN, 18 * H, 20 * H),
    ]
    assert windows(day) == (TimeWindow(13 * H, 16 * H + 1800), TimeWindow(18 * H, 20 * H))


@pytest.mark.parametrize("status", [Status.CLOSED, Status.UNKNOWN], ids=["closed", "unknown"])
def test_closed_and_unknown_days_have_no_window(status: Status) -> None:
    assert windows([Period(status)]) == ()


def test_clock_reads_hours_and_minutes_and_refuses_nonsense() -> None:
    assert clock_seconds("07:30") == 7 * H + 1800
    assert clock_seconds("24:00") == 24 * H
    with pytest.raises(ValueError, match="time of day"):
        clock_seconds("25:00")


def test_a_day_outside_the_data_takes_the_same_weekdays_most_common_hours() -> None:
    text = "\n".join(
        [
            "library_id,date,from,to,status",
            "1,2026-08-03,08:00,19:00,Open",  # Monday
            "1,2026-08-10,,,Closed for the whole day",  # a one-off closure
            "1,2026-08-17,08:00,19:00,Open",
            "1,2026-08-04,10:00,16:00,Open",  # a Tuesday
        ]
    )
    hours = OpeningHours(parse_hours_csv(text))
    assert hours.windows("1", date(2026, 8, 10)) == ()  # inside the data: the day itself
    assert hours.windows("1", date(2026, 11, 2)) == (TimeWindow(8 * H, 19 * H),)  # a Monday
    assert hours.windows("2", date(2026, 11, 2)) == ()  # no data: never open


def test_equally_common_hours_are_broken_by_the_newest_week() -> None:
    early, late = (TimeWindow(8 * H, 12 * H),), (TimeWindow(12 * H, 18 * H),)
    assert typical({date(2026, 8, 3): early, date(2026, 8, 10): late}) == late
    assert typical({}) == ()


def test_same_weekday_picks_the_data_days_of_that_weekday() -> None:
    covered = [date(2026, 8, d) for d in range(1, 15)]
    assert same_weekday(date(2027, 1, 4), covered) == [date(2026, 8, 3), date(2026, 8, 10)]


def test_a_bad_row_names_its_line() -> None:
    with pytest.raises(ValueError, match="line 2"):
        parse_hours_csv("library_id,date,from,to,status\n1,2026-08-03,8,19:00,Maybe")


def test_lahden_paakirjasto_is_open_eight_to_seven_on_monday_3_august_2026() -> None:
    assert shipped_hours().windows(LAHDEN_PAAKIRJASTO, date(2026, 8, 3)) == (
        TimeWindow(8 * H, 19 * H),
    )


def test_lahden_paakirjasto_is_closed_on_sundays_even_after_the_shipped_weeks() -> None:
    assert shipped_hours().windows(LAHDEN_PAAKIRJASTO, date(2026, 8, 2)) == ()
    assert shipped_hours().windows(LAHDEN_PAAKIRJASTO, date(2026, 12, 6)) == ()


def test_a_library_whose_hours_are_unknown_all_four_weeks_is_never_open() -> None:
    assert shipped_hours().windows("85366", date(2026, 8, 3)) == ()  # Koskelan kirjasto
