"""The reports on what the services stored in PostgreSQL: the period's cost from the latest
plan of each day, items sent and received by local day, and each library's year of holds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from kulkuri.reports.adapters.directory import network_of
from kulkuri.reports.adapters.fleet_rates import cost_inputs
from kulkuri.reports.adapters.population_file import shipped_population
from kulkuri.reports.adapters.report_queries import (
    PostgresReportReader,
    ReportSchemas,
    ServiceTablesMissing,
)
from kulkuri.reports.domain import ItemCounts, Period
from kulkuri.reports.service_layer import annual_report, cost_sharing_report
from tests.integration.reports.stored import (
    HEINOLA,
    HOLLOLA,
    LAHTI,
    RULES,
    SYSMA,
    idle,
    route,
    save_plan,
    save_titles,
    title,
    transfer,
    utc,
)

pytestmark = pytest.mark.integration

HELSINKI = ZoneInfo("Europe/Helsinki")
AUGUST = Period(date(2026, 8, 1), date(2026, 8, 31))
LATER = utc("2027-02-01T12:00:00")  # when the annual reports are made


async def store_august(conn: asyncpg.Connection, schemas: ReportSchemas) -> None:
    """Plans: 250.00 € on the 3rd; 295.00 € on the 4th (a re-plan of a 250.00 € plan); no
    van on the 5th; days either side of August. With the shipped Lastu rates (60 € a day,
    0.50 € a km, 35 € an hour)."""
    plans = schemas.routing
    await save_plan(conn, plans, date(2026, 7, 31), route("lastu-1", 100, 4, HEINOLA))
    await save_plan(
        conn, plans, date(2026, 8, 3), route("lastu-1", 100, 4, HEINOLA), idle("lastu-2")
    )
    await save_plan(conn, plans, date(2026, 8, 4), route("lastu-1", 100, 4, SYSMA))
    await save_plan(
        conn, plans, date(2026, 8, 4), route("lastu-1", 120, 5, SYSMA, HOLLOLA), reason="replan"
    )
    await save_plan(conn, plans, date(2026, 8, 5), idle("lastu-1"))
    await save_plan(conn, plans, date(2026, 9, 1), route("lastu-2", 100, 4, HEINOLA))
    moves = schemas.transport
    await transfer(
        conn,
        moves,
        "i1",
        HEINOLA,
        LAHTI,
        loaded=utc("2026-08-03T06:00:00"),
        received=utc("2026-08-03T11:00:00"),
    )
    await transfer(
        conn,
        moves,
        "i2",
        LAHTI,
        SYSMA,
        loaded=utc("2026-08-03T07:00:00"),
        received=utc("2026-08-04T09:00:00"),
    )
    await transfer(conn, moves, "i3", LAHTI, HOLLOLA)  # requested, never loaded
    # Loaded on 31 July at 23:30 and received on 1 August at 00:30, Helsinki time.
    await transfer(
        conn,
        moves,
        "i4",
        SYSMA,
        LAHTI,
        loaded=utc("2026-07-31T20:30:00"),
        received=utc("2026-07-31T21:30:00"),
    )
    # Loaded on 31 August at 23:30 Helsinki time: still August.
    await transfer(conn, moves, "i5", HOLLOLA, LAHTI, loaded=utc("2026-08-31T20:30:00"))


async def test_the_period_costs_the_latest_plan_of_each_of_its_days(
    conn: asyncpg.Connection, schemas: ReportSchemas
) -> None:
    await store_august(conn, schemas)
    reader = PostgresReportReader(conn, schemas)
    days = await reader.planned_days(AUGUST)
    assert [(d.day.day, d.version) for d in days] == [(3, 1), (4, 2), (5, 1)]
    assert [v.van_id for v in days[0].vans] == ["lastu-1", "lastu-2"]
    assert days[1].vans[0].places == {LAHTI, SYSMA, HOLLOLA}

    lastu = network_of("Lastu")
    inputs = cost_inputs("Lastu", shipped_population(), None)
    report = await cost_sharing_report(reader, lastu, AUGUST, inputs, HELSINKI)
    assert report.total == Decimal("545.00")  # 250.00 + 295.00
    assert (report.fleet.days_planned, report.fleet.van_days) == (3, 2)
    assert report.notes == ()


async def test_the_cost_is_shared_by_population_to_the_cent_and_by_use(
    conn: asyncpg.Connection, schemas: ReportSchemas
) -> None:
    await store_august(conn, schemas)
    reader = PostgresReportReader(conn, schemas)
    inputs = cost_inputs("Lastu", shipped_population(), None)
    report = await cost_sharing_report(reader, network_of("Lastu"), AUGUST, inputs, HELSINKI)
    # 545.00 € by 198,234 residents: whole cents first, then the six cents left over to the
    # largest fractions (Asikkala .904, Orimattila .892, Lahti .892, Hollola .821, Padasjoki
    # .706, Heinola .684).
    assert {r.municipality: str(r.by_population) for r in report.rows} == {
        "Asikkala": "21.69",
        "Hartola": "6.82",
        "Heinola": "49.02",
        "Hollola": "62.82",
        "Kärkölä": "11.25",
        "Lahti": "333.59",
        "Orimattila": "43.03",
        "Padasjoki": "7.36",
        "Sysmä": "9.42",
    }
    moved = {r.municipality: r.items for r in report.rows if r.items.moved}
    assert moved == {
        "Lahti": ItemCounts(sent=1, received=2),  # i2 sent; i1 and i4 received
        "Heinola": ItemCounts(sent=1, received=0),
        "Sysmä": ItemCounts(sent=0, received=1),  # i4 was sent in July
        "Hollola": ItemCounts(sent=1, received=0),
    }
    by_use = {r.municipality: str(r.by_items) for r in report.rows if r.items.moved}
    # 3/6 of 545.00, then 90.83⅓ three times: the left-over cent goes by name to Heinola.
    assert by_use == {"Lahti": "272.50", "Heinola": "90.84", "Hollola": "90.83", "Sysmä": "90.83"}


async def test_a_period_without_plans_costs_nothing_and_says_so(
    conn: asyncpg.Connection, schemas: ReportSchemas
) -> None:
    await store_august(conn, schemas)
    june = Period(date(2026, 6, 1), date(2026, 6, 30))
    inputs = cost_inputs("Lastu", shipped_population(), None)
    reader = PostgresReportReader(conn, schemas)
    report = await cost_sharing_report(reader, network_of("Lastu"), june, inputs, HELSINKI)
    assert report.total == Decimal("0.00")
    assert report.notes[0].startswith("No route plans are stored for 2026-06-01 – 2026-06-30")


async def store_holds(conn: asyncpg.Connection, schema: str) -> None:
    """Holds placed and filled around 2026; the times they are filled are in the comments."""
    a = title("bib-a", ("a1", HEINOLA))
    a.place_hold(RULES, "hold-a", LAHTI, utc("2026-03-02T10:00:00"))
    a.transfer_received(RULES, "a1", LAHTI, utc("2026-03-04T10:00:00"))  # ready: 2.0 days
    a.item_checked_out(RULES, "a1", LAHTI, utc("2026-03-05T10:00:00"), hold_id="hold-a")

    b = title("bib-b", ("b1", SYSMA))
    b.place_hold(RULES, "hold-b", LAHTI, utc("2025-12-20T10:00:00"))  # placed in 2025
    b.transfer_received(RULES, "b1", LAHTI, utc("2026-01-02T10:00:00"))  # 13.0 days

    c = title("bib-c", ("c1", HEINOLA))
    c.place_hold(RULES, "hold-c", LAHTI, utc("2026-12-28T10:00:00"))
    c.transfer_received(RULES, "c1", LAHTI, utc("2027-01-03T10:00:00"))  # filled in 2027

    d = title("bib-d", ("d1", SYSMA))
    d.item_checked_out(RULES, "d1", SYSMA, utc("2026-04-20T10:00:00"))
    d.place_hold(RULES, "hold-d", SYSMA, utc("2026-05-01T10:00:00"))  # waits for the loan
    d.item_returned(RULES, "d1", SYSMA, utc("2026-05-04T22:00:00"))  # ready: 3.5 days

    e = title("bib-e", ("e1", HEINOLA))
    e.place_hold(RULES, "hold-e", HEINOLA, utc("2026-06-01T10:00:00"))  # on its own shelf
    e.item_checked_out(RULES, "e1", HEINOLA, utc("2026-06-02T10:00:00"), hold_id="hold-e")
    e.place_hold(RULES, "hold-f", HEINOLA, utc("2026-06-10T10:00:00"))
    e.cancel_hold(RULES, "hold-f", utc("2026-06-11T10:00:00"))  # never filled

    digital = title("bib-g", ("g1", LAHTI), item_format="ebook")
    digital.place_hold(RULES, "hold-g", LAHTI, utc("2026-04-01T10:00:00"))  # passed through

    late = title("bib-h")
    late.place_hold(RULES, "hold-h", LAHTI, utc("2026-12-31T22:30:00"))  # 2027 in Helsinki
    await save_titles(conn, schema, a, b, c, d, e, digital, late)


async def test_a_librarys_year_counts_its_holds_and_transfers_by_local_time(
    conn: asyncpg.Connection, schemas: ReportSchemas
) -> None:
    await store_august(conn, schemas)
    await store_holds(conn, schemas.holds)
    # Received at 00:30 on New Year's Day in Helsinki: next year's.
    await transfer(
        conn,
        schemas.transport,
        "i6",
        HEINOLA,
        LAHTI,
        loaded=utc("2026-12-31T08:00:00"),
        received=utc("2026-12-31T22:30:00"),
    )
    reader = PostgresReportReader(conn, schemas)
    report = await annual_report(
        reader, network_of("Lastu"), 2026, HELSINKI, now=LATER, hold_retention=None
    )
    rows = {row.library_id: row for row in report.rows}
    lahti, heinola, sysma = rows[LAHTI], rows[HEINOLA], rows[SYSMA]
    assert (lahti.transfers_sent, lahti.transfers_received) == (1, 2)
    assert (heinola.transfers_sent, heinola.transfers_received) == (2, 0)
    assert (sysma.transfers_sent, sysma.transfers_received) == (1, 1)
    assert (lahti.holds_placed, lahti.holds_filled, str(lahti.median_hold_days)) == (2, 2, "7.5")
    assert (heinola.holds_placed, heinola.holds_filled, str(heinola.median_hold_days)) == (
        2,
        1,
        "1.0",
    )
    assert (sysma.holds_placed, sysma.holds_filled, str(sysma.median_hold_days)) == (1, 1, "3.5")
    assert report.total is not None
    assert (report.total.holds_placed, report.total.holds_filled) == (5, 4)
    assert str(report.total.median_hold_days) == "2.8"  # of 1, 2, 3.5 and 13 days: 2.75

    next_year = await annual_report(
        reader, network_of("Lastu"), 2027, HELSINKI, now=LATER, hold_retention=None
    )
    lahti_2027 = next(r for r in next_year.rows if r.library_id == LAHTI)
    assert (lahti_2027.transfers_received, lahti_2027.holds_placed) == (1, 1)
    assert (lahti_2027.holds_filled, str(lahti_2027.median_hold_days)) == (1, "6.0")


async def test_a_database_without_the_services_tables_says_how_to_make_them(
    conn: asyncpg.Connection, unique: str
) -> None:
    reader = PostgresReportReader(conn, ReportSchemas(routing=f"nowhere_{unique}"))
    with pytest.raises(ServiceTablesMissing, match="run 'kulkuri migrate' on this database"):
        await reader.planned_days(AUGUST)
