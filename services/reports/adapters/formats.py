"""The reports as JSON-ready data and as CSV.

Money is written as decimal text in euro with two places (``"1234.50"``), never as a binary
float, so the parts still sum to the total to the cent when read back; shares are fractions
of one with six places. CSV has a header row, one row per municipality or library, and the
total last (its ``library_id`` empty, or municipality ``Total``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from kulkuri.reports.domain import AnnualStatistics, CostSharing, LibraryYear

COST_SHARING_COLUMNS = (
    "municipality",
    "population",
    "population_share",
    "cost_by_population_eur",
    "items_sent",
    "items_received",
    "items_share",
    "cost_by_items_eur",
)
ANNUAL_COLUMNS = (
    "library_id",
    "library",
    "municipality",
    "transfers_sent",
    "transfers_received",
    "holds_placed",
    "holds_filled",
    "median_hold_days",
)


def share_text(share: Fraction | None, places: int = 6) -> str | None:
    if share is None:
        return None
    exact = Decimal(share.numerator) / Decimal(share.denominator)
    return str(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN))


def money_text(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def cost_sharing_json(report: CostSharing) -> dict[str, Any]:
    fleet = report.fleet
    return {
        "report": "cost-sharing",
        "network": report.network,
        "from": report.period.first.isoformat(),
        "to": report.period.last.isoformat(),
        "total_eur": money_text(report.total),
        "fleet": {
            "days_in_period": report.period.days,
            "days_planned": fleet.days_planned,
            "van_days": fleet.van_days,
            "distance_km": f"{Decimal(fleet.distance_m) / 1000:.1f}",
            "van_hours": f"{Decimal(fleet.duration_s) / 3600:.1f}",
            "rates_source": report.rates_source,
        },
        "population_source": report.population_source,
        "municipalities": [
            dict(zip(COST_SHARING_COLUMNS, _cost_row(r), strict=True)) for r in report.rows
        ],
        "notes": list(report.notes),
    }


def annual_json(report: AnnualStatistics) -> dict[str, Any]:
    return {
        "report": "annual",
        "network": report.network,
        "year": report.year,
        "libraries": [_annual_dict(row) for row in report.rows],
        "total": None if report.total is None else _annual_dict(report.total),
        "notes": list(report.notes),
    }


def cost_sharing_csv(report: CostSharing) -> str:
    items = report.items
    total = (
        "Total",
        report.population,
        "1.000000",
        money_text(report.total),
        items.sent,
        items.received,
        None if items.moved == 0 else "1.000000",
        None if items.moved == 0 else money_text(report.total),
    )
    return _csv(COST_SHARING_COLUMNS, [*map(_cost_row, report.rows), total])


def annual_csv(report: AnnualStatistics) -> str:
    rows = [*report.rows, *([] if report.total is None else [report.total])]
    return _csv(ANNUAL_COLUMNS, [_annual_row(row) for row in rows])


def _cost_row(row: Any) -> tuple[Any, ...]:
    return (
        row.municipality,
        row.population,
        share_text(row.population_share),
        money_text(row.by_population),
        row.items.sent,
        row.items.received,
        share_text(row.items_share),
        money_text(row.by_items),
    )


def _annual_row(row: LibraryYear) -> tuple[Any, ...]:
    median = None if row.median_hold_days is None else str(row.median_hold_days)
    return (
        row.library_id,
        row.name,
        row.municipality,
        row.transfers_sent,
        row.transfers_received,
        row.holds_placed,
        row.holds_filled,
        median,
    )


def _annual_dict(row: LibraryYear) -> dict[str, Any]:
    return dict(zip(ANNUAL_COLUMNS, _annual_row(row), strict=True))


def _csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    return out.getvalue()
