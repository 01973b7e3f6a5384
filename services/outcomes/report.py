"""The comparison as rows of figures, and as a table, JSON or CSV.

Every per-item or per-run figure is a quotient of two totals that are in the same row set,
so a reader can check it: van-km per item moved = van-km / items moved, and so on.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from typing import Any

from kulkuri.outcomes.compare import Comparison, PolicyOutcome

Row = dict[str, float | int | str | None]


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _km(metres: int | None) -> float | None:
    return None if metres is None else round(metres / 1000, 1)


def figures(outcome: PolicyOutcome) -> Row:
    h, r = outcome.holds, outcome.reassignment
    return {
        "policy": outcome.policy,
        "holds_placed": h.holds_placed,
        "holds_filled": h.holds_filled,
        "items_moved": h.items_moved,
        "items_moved_per_hold_filled": _ratio(h.items_per_hold_filled),
        "items_moved_for_holds": h.moved_for.get("hold", 0),
        "items_moved_home": h.moved_for.get("return_to_owner", 0),
        "items_moved_to_rebalance": h.moved_for.get("rebalance", 0),
        "van_km": round(outcome.km, 1),
        "van_hours": round(outcome.van_hours, 2),
        "van_km_per_item_moved": _ratio(outcome.per_item(outcome.km)),
        "van_hours_per_item_moved": _ratio(outcome.per_item(outcome.van_hours)),
        "median_days_to_pickup_shelf": h.median_days,
        "p90_days_to_pickup_shelf": h.p90_days,
        f"unfilled_after_{h.after_days}_days": h.unfilled_after,
        f"holds_placed_{h.after_days}_days_before_the_end": h.eligible,
        "van_runs": outcome.van_runs,
        "crates": outcome.crates,
        "crates_per_van_run": _ratio(outcome.crates_per_van_run),
        "crates_left_by_the_vans": outcome.missed_crates,
        # The nightly re-assignment's plans, summed; none for a policy without one.
        "reassignment_cost_before_km": _km(None if r is None else r.cost_before),
        "reassignment_cost_after_km": _km(None if r is None else r.cost_after),
        "holds_reassigned": None if r is None else r.holds_reassigned,
        "transfers_called_off": None if r is None else r.transfers_called_off,
    }


def as_json(comparison: Comparison) -> str:
    head = {k: v for k, v in asdict(comparison).items() if k != "outcomes"}
    head["first_day"], head["last_day"] = str(comparison.first_day), str(comparison.last_day)
    body = {**head, "policies": [figures(o) for o in comparison.outcomes]}
    return json.dumps(body, indent=2) + "\n"


def flat(comparison: Comparison, prefix: str = "") -> Row:
    """The comparison as one flat mapping, as the benchmark results keep it: the run's
    ``{prefix}days``, ``{prefix}first_day``, ... and each figure as
    ``{prefix}{policy}_{figure}`` (``lastu_baseline_items_moved``)."""
    return flat_report(json.loads(as_json(comparison)), prefix)


def flat_report(report: dict[str, Any], prefix: str = "") -> Row:
    """:func:`flat` of a report already written by ``--format json``."""
    out: Row = {f"{prefix}{k}": v for k, v in report.items() if k != "policies"}
    for row in report["policies"]:
        policy = row["policy"]
        out |= {f"{prefix}{policy}_{k}": v for k, v in row.items() if k != "policy"}
    return out


def as_csv(comparison: Comparison) -> str:
    rows = [figures(o) for o in comparison.outcomes]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def as_table(comparison: Comparison) -> str:
    rows = [figures(o) for o in comparison.outcomes]
    c = comparison
    lines = [
        f"{c.network}: {c.days} service days {c.first_day}..{c.last_day}, seed {c.seed}, "
        f"{c.copies} copies",
        *(f"  {o.policy}: {o.described}" for o in c.outcomes if o.described),
        "",
    ]
    names = [str(r["policy"]) for r in rows]
    width = max(len(k) for k in rows[0])
    cell = max(10, *(len(n) for n in names))
    lines.append(f"{'':{width}}  " + "  ".join(f"{n:>{cell}}" for n in names))
    for key in list(rows[0])[1:]:
        cells = ["-" if r[key] is None else str(r[key]) for r in rows]
        lines.append(f"{key:{width}}  " + "  ".join(f"{v:>{cell}}" for v in cells))
    return "\n".join(lines) + "\n"


FORMATS = {"table": as_table, "json": as_json, "csv": as_csv}
