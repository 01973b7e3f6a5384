"""Delivery days are Monday to Friday: limits in delivery days skip weekends."""

from __future__ import annotations

from datetime import date

import pytest

from kulkuri.transport.domain.delivery_days import add_delivery_days, due_by, is_delivery_day

MONDAY, FRIDAY, SATURDAY = date(2026, 8, 3), date(2026, 8, 7), date(2026, 8, 8)


def test_weekdays_are_delivery_days_and_weekends_are_not() -> None:
    assert is_delivery_day(MONDAY) and is_delivery_day(FRIDAY)
    assert not is_delivery_day(SATURDAY)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (MONDAY, 0, MONDAY),
        (MONDAY, 2, date(2026, 8, 5)),
        (FRIDAY, 1, date(2026, 8, 10)),
        (FRIDAY, 2, date(2026, 8, 11)),
        (SATURDAY, 1, date(2026, 8, 10)),
        (MONDAY, 5, date(2026, 8, 10)),
    ],
    ids=["none", "mid-week", "over-weekend", "two-over-weekend", "from-saturday", "a-week"],
)
def test_adding_delivery_days_skips_weekends(start: date, days: int, expected: date) -> None:
    assert add_delivery_days(start, days) == expected


def test_a_copy_loaded_on_friday_with_two_days_is_due_by_tuesday() -> None:
    assert due_by(FRIDAY, 2) == date(2026, 8, 11)


def test_a_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        add_delivery_days(MONDAY, -1)
