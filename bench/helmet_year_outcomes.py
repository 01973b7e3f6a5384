"""The outcome report of ``bench/helmet_year.py``, read from the system's own database: the
holds service's holds and their status history, the transport service's transfers and
crates, the routing service's stored plans, and the reports service's annual statistics and
cost sharing for the calendar year."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from kulkuri.reports.adapters.report_queries import PostgresReportReader
from kulkuri.reports.bootstrap import ReportSources
from kulkuri.reports.config import ReportsSettings
from kulkuri.reports.domain import Period
from kulkuri.reports.service_layer import annual_report, cost_sharing_report
from kulkuri.simulator.core.config import HELSINKI
from kulkuri.transport.domain.transfer import RECEIVED_WHERE_IT_STOOD

FILLED = ("ready", "collected", "filled")
NETWORK = "Helmet"


def _percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest rank, as docs/outcomes.md's figures."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _weekdays_between(a: date, b: date) -> int:
    """Monday-Friday days in (a, b]: service days from placing to the shelf."""
    return sum(1 for n in range(1, (b - a).days + 1) if (a + timedelta(days=n)).weekday() < 5)


# Transfers sent back to the library they had not left (a hold cancelled while its copy
# stood at its owner, say): received there by a staff scan, or still waiting for one.
STAYED_PUT_SQL = """
    SELECT count(*) FILTER (
               WHERE history @> jsonb_build_array(jsonb_build_object('detail', $1::text))
           ) AS received,
           count(*) FILTER (WHERE location = to_library
                              AND status IN ('requested', 'pulled', 'packed')) AS open
      FROM transport.transfers"""


def _first(history: Any, statuses: Sequence[str]) -> datetime | None:
    times = [datetime.fromisoformat(t) for s, t in history if s in statuses]
    return min(times) if times else None


async def system_outcomes(db_url: str, run: str, first_day: date, ends: datetime) -> dict[str, Any]:
    """The outcome figures of the run, from the holds, transport and routing tables."""
    conn = await asyncpg.connect(db_url)
    try:
        await conn.set_type_codec(
            "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )
        holds = await conn.fetch(
            "SELECT placed_at, status, history FROM holds.holds"
            " WHERE hold_id LIKE $1 AND NOT passed_through",
            f"sim-{run}-%",
        )
        transfers = await conn.fetch(
            "SELECT status, reason, loaded_at, hold_id FROM transport.transfers"
        )
        crates = await conn.fetch("SELECT status, van_run, history FROM transport.crates")
        plans = await conn.fetch(
            "SELECT DISTINCT ON (service_day) service_day, version, plan FROM routing.plans"
            " WHERE service_day BETWEEN $1 AND $2 ORDER BY service_day, version DESC",
            first_day,
            ends.date(),
        )
        replans = await conn.fetchval("SELECT count(*) FROM routing.plans WHERE version > 1")
        stood = await conn.fetchrow(STAYED_PUT_SQL, RECEIVED_WHERE_IT_STOOD)
    finally:
        await conn.close()

    filled_days: list[int] = []
    filled_service_days: list[int] = []
    filled_hours: list[float] = []
    on_shelf = 0
    eligible = unfilled_7 = cancelled_unfilled_7 = 0
    by_status: dict[str, int] = {}
    for row in holds:
        by_status[row["status"]] = by_status.get(row["status"], 0) + 1
        placed: datetime = row["placed_at"]
        ready = _first(row["history"], FILLED)
        if ready is not None:
            on_shelf += 1
            p, r = placed.astimezone(HELSINKI).date(), ready.astimezone(HELSINKI).date()
            filled_days.append((r - p).days)
            filled_service_days.append(_weekdays_between(p, r))
            filled_hours.append((ready - placed).total_seconds() / 3600)
        if placed <= ends - timedelta(days=7):
            eligible += 1
            if ready is None or ready > placed + timedelta(days=7):
                closed = _first(row["history"], ("cancelled", "expired"))
                if closed is not None and closed <= placed + timedelta(days=7):
                    cancelled_unfilled_7 += 1
                else:
                    unfilled_7 += 1

    loaded = [t for t in transfers if t["loaded_at"] is not None]
    transfer_status: dict[str, int] = {}
    for t in transfers:
        transfer_status[t["status"]] = transfer_status.get(t["status"], 0) + 1
    crates_driven = [c for c in crates if c["van_run"] is not None]

    van_km = van_hours = 0.0
    van_runs = planned_days = van_days = 0
    for plan in plans:
        planned_days += 1
        routes = [r for r in plan["plan"].get("routes", []) if r.get("stops")]
        van_days += bool(routes)
        for route in routes:
            van_runs += 1
            van_km += route["distance_m"] / 1000
            van_hours += route["duration_s"] / 3600

    moved = len(loaded)

    def per(total: float, count: int, digits: int = 3) -> float | None:
        return round(total / count, digits) if count else None

    return {
        "holds_placed": len(holds),
        "holds_on_pickup_shelf": on_shelf,
        "holds_by_final_status": dict(sorted(by_status.items())),
        "transfers_requested": len(transfers),
        "transfers_by_final_status": dict(sorted(transfer_status.items())),
        "items_moved": moved,
        "items_moved_for_holds": sum(1 for t in loaded if t["hold_id"]),
        "items_moved_per_hold_filled": per(moved, on_shelf),
        "van_km": round(van_km, 1),
        "van_hours": round(van_hours, 2),
        "van_km_per_item_moved": per(van_km, moved),
        "van_hours_per_item_moved": per(van_hours, moved),
        "van_km_per_hold_filled": per(van_km, on_shelf),
        "hold_to_shelf_p50_days": _percentile(filled_days, 0.5),
        "hold_to_shelf_p90_days": _percentile(filled_days, 0.9),
        "hold_to_shelf_p50_service_days": _percentile(filled_service_days, 0.5),
        "hold_to_shelf_p90_service_days": _percentile(filled_service_days, 0.9),
        "hold_to_shelf_p50_hours": round(_percentile(filled_hours, 0.5) or 0.0, 1),
        "hold_to_shelf_p90_hours": round(_percentile(filled_hours, 0.9) or 0.0, 1),
        "holds_placed_7_days_before_the_end": eligible,
        "holds_unfilled_after_7_days": unfilled_7,
        "holds_cancelled_unfilled_within_7_days": cancelled_unfilled_7,
        "planned_days": planned_days,
        "replans": replans,
        "days_with_vans": van_days,
        "van_runs": van_runs,
        "crates": len(crates),
        "crates_driven": len(crates_driven),
        "crates_per_van_run": per(len(crates_driven), van_runs, 2),
        "transfers_received_where_they_stood": stood["received"],
        "transfers_staying_put_at_the_end": stood["open"],
    }


def flat_figures(figures: dict[str, Any]) -> dict[str, Any]:
    """``system_outcomes``' figures, breakdowns as flat keys (``holds_by_final_status_...``)."""
    flat: dict[str, Any] = {}
    for key, value in figures.items():
        if isinstance(value, dict):
            flat |= {f"{key}_{k}": v for k, v in value.items()}
        else:
            flat[key] = value
    return flat


async def report_totals(db_url: str, year: int) -> dict[str, Any]:
    """The reports service's annual statistics and cost sharing for ``year``, totals."""
    sources = ReportSources(ReportsSettings(network=NETWORK))
    network = sources.network(NETWORK)
    conn = await asyncpg.connect(db_url)
    try:
        reader = PostgresReportReader(conn)
        stats = await annual_report(
            reader,
            network,
            year,
            HELSINKI,
            now=datetime.now(HELSINKI),
            hold_retention=None,
        )
        sharing = await cost_sharing_report(
            reader, network, Period.year(year), sources.cost_inputs(network), HELSINKI
        )
    finally:
        await conn.close()
    total = stats.total
    out: dict[str, Any] = {"report_year": year}
    if total is not None:
        out |= {
            "report_transfers_sent": total.transfers_sent,
            "report_transfers_received": total.transfers_received,
            "report_holds_placed": total.holds_placed,
            "report_holds_filled": total.holds_filled,
            "report_median_hold_days": _num(total.median_hold_days),
            "report_libraries": len(stats.rows),
        }
    out |= {
        "report_fleet_cost_eur": _num(sharing.total),
        "report_cost_sharing_items_moved": sharing.items.moved,
        "report_cost_sharing_population": sharing.population,
        "report_cost_sharing_municipalities": len(sharing.rows),
    }
    return out


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# -- the run ---------------------------------------------------------------------------------
