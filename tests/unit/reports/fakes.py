"""An in-memory ``ReportReader``: the facts a test gives it, and what it was asked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from kulkuri.reports.adapters.report_queries import ServiceTablesMissing
from kulkuri.reports.bootstrap import ReaderProvider
from kulkuri.reports.domain import ItemCounts, Period, PlannedDay
from kulkuri.reports.service_layer import ReportReader


@dataclass
class FakeReportReader:
    days: list[PlannedDay] = field(default_factory=list)
    items: dict[str, ItemCounts] = field(default_factory=dict)
    placed: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, list[float]] = field(default_factory=dict)
    tables_missing: bool = False
    asked: list[str] = field(default_factory=list)

    async def planned_days(self, period: Period) -> list[PlannedDay]:
        self._ask(f"plans {period}")
        return [d for d in self.days if period.first <= d.day <= period.last]

    async def items_moved(self, start: datetime, end: datetime) -> dict[str, ItemCounts]:
        self._ask(f"items {start.isoformat()} {end.isoformat()}")
        return dict(self.items)

    async def holds_placed(self, start: datetime, end: datetime) -> dict[str, int]:
        self._ask("placed")
        return dict(self.placed)

    async def hold_seconds(self, start: datetime, end: datetime) -> dict[str, list[float]]:
        self._ask("seconds")
        return {library: list(found) for library, found in self.seconds.items()}

    def _ask(self, what: str) -> None:
        if self.tables_missing:
            raise ServiceTablesMissing('relation "routing.plans" does not exist')
        self.asked.append(what)

    def provider(self) -> ReaderProvider:
        @asynccontextmanager
        async def reader() -> AsyncIterator[ReportReader]:
            yield self

        return reader
