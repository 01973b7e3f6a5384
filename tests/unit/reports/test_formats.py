"""The reports as JSON, CSV and printable HTML: exact money as decimal text, a total row,
A4 print CSS and escaped names."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from kulkuri.reports.adapters import formats, printing
from kulkuri.reports.domain import (
    AnnualStatistics,
    CostSharing,
    FleetCost,
    ItemCounts,
    MemberLibrary,
    Network,
    Period,
    YearActivity,
    annual_statistics,
    share_costs,
)
from tests.unit.reports.samples import HEINOLA, LAHTI_MAIN, NETWORK, POPULATION, SYSMA

PRINTED = datetime(2027, 1, 15, 9, 30, tzinfo=UTC)


def cost_report(items: dict[str, ItemCounts] | None = None) -> CostSharing:
    fleet = FleetCost(1_000_00, days_planned=20, van_days=40, distance_m=5_432_100, duration_s=9000)
    period = Period(date(2026, 8, 1), date(2026, 8, 31))
    default = {LAHTI_MAIN: ItemCounts(10, 10), HEINOLA: ItemCounts(5, 5), SYSMA: ItemCounts(0, 1)}
    return share_costs(
        NETWORK, period, fleet, POPULATION, default if items is None else items, rates_source="f"
    )


def annual_report() -> AnnualStatistics:
    activity = YearActivity({LAHTI_MAIN: 3}, {HEINOLA: 2}, {LAHTI_MAIN: 4}, {LAHTI_MAIN: [86_400]})
    return annual_statistics(NETWORK, 2026, activity)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_cost_sharing_csv_has_a_row_per_municipality_and_the_total_last() -> None:
    found = rows(formats.cost_sharing_csv(cost_report()))
    assert [r["municipality"] for r in found] == ["Heinola", "Lahti", "Sysmä", "Total"]
    assert found[-1]["cost_by_population_eur"] == "1000.00"
    assert found[-1]["items_sent"] == "15" and found[-1]["items_received"] == "16"
    parts = [Decimal(r["cost_by_population_eur"]) for r in found[:-1]]
    assert sum(parts) == Decimal("1000.00")
    assert sum(Decimal(r["cost_by_items_eur"]) for r in found[:-1]) == Decimal("1000.00")


def test_cost_sharing_csv_leaves_the_split_by_use_empty_when_nothing_moved() -> None:
    found = rows(formats.cost_sharing_csv(cost_report(items={})))
    assert {r["cost_by_items_eur"] for r in found} == {""}


def test_cost_sharing_json_writes_money_as_decimal_text() -> None:
    body = formats.cost_sharing_json(cost_report())
    assert body["total_eur"] == "1000.00"
    assert body["fleet"]["distance_km"] == "5432.1"
    lahti = next(m for m in body["municipalities"] if m["municipality"] == "Lahti")
    assert lahti["cost_by_population_eur"] == "850.93"  # 121337 / 142594 of 1000 €
    assert lahti["population_share"] == "0.850926"
    assert (body["from"], body["to"], body["notes"]) == ("2026-08-01", "2026-08-31", [])


def test_annual_csv_and_json_have_every_library_and_the_total() -> None:
    found = rows(formats.annual_csv(annual_report()))
    assert [r["library_id"] for r in found] == [LAHTI_MAIN, "85520", HEINOLA, SYSMA, ""]
    assert found[0]["median_hold_days"] == "1.0"
    assert found[1]["median_hold_days"] == ""
    assert found[-1]["library"] == "Lastu total"
    body = formats.annual_json(annual_report().only(HEINOLA))
    assert body["total"] is None
    assert body["libraries"][0]["transfers_received"] == 2


def test_printed_reports_are_a4_documents_with_the_figures() -> None:
    html = printing.render_cost_sharing(cost_report(), PRINTED)
    assert "@page { size: A4" in html
    assert "Transport cost sharing: Lastu" in html
    assert "850.93" in html and "1\u202f000.00" in html
    assert "2027-01-15 09:30 UTC" in html
    annual = printing.render_annual(annual_report(), PRINTED)
    assert "Annual statistics 2026: Lastu" in annual and "Lahden pääkirjasto" in annual


def test_printed_reports_escape_names_from_the_data() -> None:
    odd = Network("Lastu", (MemberLibrary(LAHTI_MAIN, "<b>Lahti</b> & co", "Lahti"),))
    report = annual_statistics(odd, 2026, YearActivity({}, {}, {}, {}))
    html = printing.render_annual(report, PRINTED)
    assert "&lt;b&gt;Lahti&lt;/b&gt; &amp; co" in html and "<b>Lahti" not in html


def test_a_period_without_plans_prints_its_note() -> None:
    empty = replace(cost_report(), fleet=FleetCost(0, 0, 0, 0, 0), notes=("No route plans here.",))
    assert "No route plans here." in printing.render_cost_sharing(empty, PRINTED)
