"""A year per library: transfers sent and received, holds placed and filled, and the median
hold time in days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kulkuri.reports.domain import (
    Period,
    YearActivity,
    annual_statistics,
    hold_history_notes,
    median_days,
)
from tests.unit.reports.samples import HEINOLA, LAHTI_MAIN, LIIPOLA, NETWORK, OUTSIDE, SYSMA

DAY = 86_400


@pytest.mark.parametrize(
    ("seconds", "days"),
    [
        ([3 * DAY], "3.0"),
        ([1 * DAY, 2 * DAY, 10 * DAY], "2.0"),  # the middle one, not the mean
        ([1 * DAY, 2 * DAY], "1.5"),  # even count: the mean of the two middle ones
        ([DAY + 4320], "1.1"),  # 1.05 days rounds half up
        ([DAY + 4319], "1.0"),
        ([3600.5], "0.0"),
    ],
    ids=["one", "odd", "even", "half-up", "just-below-half", "an-hour"],
)
def test_the_median_hold_time_is_in_days_to_one_decimal(seconds: list[float], days: str) -> None:
    assert median_days(seconds) == Decimal(days)


def test_no_holds_filled_has_no_median() -> None:
    assert median_days([]) is None


def activity() -> YearActivity:
    return YearActivity(
        sent={LAHTI_MAIN: 120, HEINOLA: 30, OUTSIDE: 999},
        received={LAHTI_MAIN: 100, SYSMA: 12},
        placed={LAHTI_MAIN: 50, HEINOLA: 7, OUTSIDE: 5},
        hold_seconds={LAHTI_MAIN: [1 * DAY, 2 * DAY, 3 * DAY], HEINOLA: [10 * DAY]},
    )


def test_every_member_library_has_a_row_in_directory_order_even_without_activity() -> None:
    report = annual_statistics(NETWORK, 2026, activity())
    assert [r.library_id for r in report.rows] == [LAHTI_MAIN, LIIPOLA, HEINOLA, SYSMA]
    liipola = report.rows[1]
    assert (liipola.transfers_sent, liipola.holds_placed, liipola.median_hold_days) == (0, 0, None)


def test_a_librarys_row_counts_its_own_transfers_and_holds() -> None:
    lahti = annual_statistics(NETWORK, 2026, activity()).rows[0]
    assert (lahti.name, lahti.municipality) == ("Lahden pääkirjasto", "Lahti")
    assert (lahti.transfers_sent, lahti.transfers_received) == (120, 100)
    assert (lahti.holds_placed, lahti.holds_filled, lahti.median_hold_days) == (
        50,
        3,
        Decimal("2.0"),
    )


def test_the_total_sums_the_members_and_takes_the_median_of_all_their_holds() -> None:
    total = annual_statistics(NETWORK, 2026, activity()).total
    assert total is not None
    assert (total.transfers_sent, total.transfers_received) == (150, 112)  # not Akaa's 999
    assert (total.holds_placed, total.holds_filled) == (57, 4)
    # Of 1, 2, 3 and 10 days: 2.5 (the median of the libraries' medians would be 6.0).
    assert total.median_hold_days == Decimal("2.5")


def test_one_librarys_report_has_its_row_and_no_total() -> None:
    mine = annual_statistics(NETWORK, 2026, activity()).only(HEINOLA)
    assert [r.library_id for r in mine.rows] == [HEINOLA]
    assert mine.total is None


def test_a_year_reaching_back_before_the_holds_retention_says_its_holds_may_be_too_few() -> None:
    start, _ = Period.year(2026).bounds(ZoneInfo("Europe/Helsinki"))
    now = datetime(2027, 1, 15, 12, tzinfo=UTC)
    (note,) = hold_history_notes(start, now, timedelta(days=90))
    assert "deletes closed holds 90 days after they close" in note
    assert "before 2026-10-17 are no longer stored" in note
    assert hold_history_notes(start, now, timedelta(days=400)) == ()
    assert hold_history_notes(start, now, None) == ()
    midsummer = datetime(2026, 6, 30, 12, tzinfo=UTC)  # the year so far is all kept
    assert hold_history_notes(start, midsummer, timedelta(days=365)) == ()


def test_the_note_stays_on_one_librarys_report() -> None:
    report = annual_statistics(NETWORK, 2026, activity(), notes=("holds deleted",))
    assert report.only(HEINOLA).notes == ("holds deleted",)
