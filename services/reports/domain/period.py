"""A report's period: whole local days, first and last included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from kulkuri.reports.domain.errors import BadPeriod

# Years the national statistics could ask for; also keeps date arithmetic inside datetime's range.
FIRST_YEAR, LAST_YEAR = 1900, 9998


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # included

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise BadPeriod(
                f"the period ends ({self.last.isoformat()}) before it starts "
                f"({self.first.isoformat()})"
            )

    @classmethod
    def year(cls, year: int) -> Period:
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise BadPeriod(f"year {year} is outside {FIRST_YEAR}..{LAST_YEAR}")
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """The period as instants: local midnight of the first day, and of the day after the
        last (exclusive), so an event at 23:30 Helsinki time on the last day counts."""
        start = datetime.combine(self.first, time(), zone)
        end = datetime.combine(self.last + timedelta(days=1), time(), zone)
        return start, end

    def __str__(self) -> str:
        return f"{self.first.isoformat()} – {self.last.isoformat()}"
