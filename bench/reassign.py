"""Nightly batch re-assignment against the per-hold choice, on a simulated Helmet day.

The 70 Helmet outlets of the shipped directory, with their real opening hours and the sample
config's policies (``write_sample_config("Helmet")``; road cost = great circle x 1.3), go
through ``warmup_days`` days and one measured day of circulation driven through the real
``Title`` aggregate (``reassign_day.py`` lists the scenario's assumptions). At the measured
day's cut-off (05:00 the next morning) every title is planned as the service's nightly job
plans it (``pull_window.title_day``, ``day_plan.plan_day``, ``MinCostFlowSolver``):

* greedy: the per-hold choice, the copies the holds not yet pulled were given one at a time
  during the day (plus the waiting holds that rule fills from shelves at the cut-off);
* optimised: the plan for the same holds, as the service applies it (a transfer requested
  for a copy still on its shelf may be called off: ``transfer-cancelled``, reason
  ``reassigned``);
* optimised without cancellations: the plan if every requested transfer had to go ahead
  (re-targeted at most), the job's ``cancel_transfers=False``.

``solve_s`` times ``plan_day`` (building the problem and the min-cost flow) for all titles at
once. The service's plan is then applied to the titles (``pull_window.reassign``) and every
changed title's invariants are checked.

Run: ``.venv/bin/python bench/reassign.py`` (writes ``bench/results/reassign.json``).
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from reassign_day import DaySimulation, Scenario

from kulkuri.holds.adapters.consortium_config import parse_consortium_config
from kulkuri.holds.adapters.consortium_sample import write_sample_config
from kulkuri.holds.adapters.ortools_assignment import MinCostFlowSolver
from kulkuri.holds.domain.day_plan import DayPlan, TitleDay, plan_day
from kulkuri.holds.domain.model import HoldStatus
from kulkuri.holds.domain.pull_window import reassign, title_day
from kulkuri.holds.domain.reassignment import AllowedPairs

RESULTS = Path(__file__).resolve().parent / "results" / "reassign.json"


def _plan(sim: DaySimulation, days: list[TitleDay], cancel: bool) -> tuple[DayPlan, float]:
    started = time.perf_counter()
    plan = plan_day(
        days,
        sim.consortium.costs.cost,
        MinCostFlowSolver(),
        sim.consortium.open_sources_on(sim.window.day),
        cancel_transfers=cancel,
    )
    return plan, time.perf_counter() - started


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 2) if whole else 0.0


def _apply(sim: DaySimulation, plan: DayPlan) -> tuple[int, float]:
    """Carry the plan out on the titles; the decisions it took and the time."""
    started = time.perf_counter()
    decisions = 0
    for title_plan in plan.titles:
        if title_plan.changes_anything:
            title = sim.titles[title_plan.bib_id]
            reassign(title, sim.consortium, sim.window, title_plan)
            title.check_invariants()
            decisions += len(title.decisions)
            title.decisions.clear()
    return decisions, time.perf_counter() - started


def _nearest_copy_bound(sim: DaySimulation, days: list[TitleDay], plan: DayPlan) -> int:
    """Metres if every planned hold had the nearest copy it may take, as if no other hold
    wanted it: no assignment of these copies to these holds costs less."""
    pairs = AllowedPairs(sim.consortium.costs.cost, sim.consortium.open_sources_on(sim.window.day))
    by_bib = {day.bib_id: day for day in days}
    total = 0
    for title_plan in plan.titles:
        day = by_bib[title_plan.bib_id]
        holds = {hold.hold_id: hold for hold, _ in day.assigned}
        holds.update((hold.hold_id, hold) for hold in day.waiting)
        copies = [copy for _, copy in day.assigned] + list(day.free)
        for chosen in title_plan.before:
            costs = (pairs.cost(copy, holds[chosen.hold_id]) for copy in copies)
            total += min([chosen.cost, *(cost for cost in costs if cost is not None)])
    return total


def run(scenario: Scenario) -> dict[str, Any]:
    consortium = parse_consortium_config(write_sample_config("Helmet"), source="<Helmet>")
    sim = DaySimulation(consortium, scenario)
    started = time.perf_counter()
    sim.run()
    simulated_s = time.perf_counter() - started
    # Keep the simulation's millions of objects out of the collections that would otherwise
    # land in the timed planning (the service tunes its collector the same way).
    gc.collect()
    gc.freeze()

    holds = [h for t in sim.titles.values() for h in t.holds.values()]
    started = time.perf_counter()
    days = [title_day(title, consortium, sim.window) for title in sim.titles.values()]
    snapshot_s = time.perf_counter() - started
    plan, solve_s = _plan(sim, days, cancel=True)
    without_cancel, no_cancel_solve_s = _plan(sim, days, cancel=False)
    bound = _nearest_copy_bound(sim, days, plan)
    decisions, apply_s = _apply(sim, plan)

    greedy, after = plan.cost_before, plan.cost_after
    hold_metres = sim.hold_metres
    return {
        "libraries": len(consortium.libraries),
        "libraries_open_on_the_day": len(consortium.open_sources_on(sim.window.day)),
        "titles": scenario.titles,
        "copies": sum(len(t.items) for t in sim.titles.values()),
        "open_holds": sum(h.status not in _CLOSED for h in holds),
        "waiting_holds": sum(h.status is HoldStatus.WAITING for h in holds),
        "holds_placed_on_the_day": sim.tally.holds_placed,
        "hold_transfers_on_the_day": sim.tally.transfers.get("hold", 0),
        "hold_transfer_cost_on_the_day_m": hold_metres,
        "titles_planned": len(plan.titles),
        "holds_planned": sum(len(t.before) for t in plan.titles),
        "holds_filled_at_cutoff": plan.holds_filled,
        "greedy_cost_m": greedy,
        "optimised_cost_m": after,
        "saving_m": greedy - after,
        "saving_pct": _pct(greedy - after, greedy),
        "ratio_optimised_to_greedy": round(after / greedy, 4) if greedy else 1.0,
        "saving_of_day_hold_transfers_pct": _pct(greedy - after, hold_metres),
        "holds_reassigned": plan.holds_reassigned,
        "solve_s": round(solve_s, 3),
        "optimised_without_cancellations_cost_m": without_cancel.cost_after,
        "saving_without_cancellations_pct": _pct(greedy - without_cancel.cost_after, greedy),
        "holds_reassigned_without_cancellations": without_cancel.holds_reassigned,
        "solve_without_cancellations_s": round(no_cancel_solve_s, 3),
        "nearest_copy_bound_cost_m": bound,
        "nearest_copy_bound_saving_pct": _pct(greedy - bound, greedy),
        "decisions_applied": decisions,
        "apply_s": round(apply_s, 3),
        "snapshot_s": round(snapshot_s, 3),
        "simulated_s": round(simulated_s, 1),
        "cutoff": sim.window.cutoff.isoformat(),
        **_flat_scenario(scenario),
    }


_CLOSED = frozenset({HoldStatus.COLLECTED, HoldStatus.CANCELLED, HoldStatus.EXPIRED})


def _flat_scenario(scenario: Scenario) -> dict[str, Any]:
    """``scenario_*`` keys; a range becomes ``_min`` and ``_max``, a date its ISO text."""
    flat: dict[str, Any] = {}
    for key, value in asdict(scenario).items():
        if isinstance(value, tuple):
            flat[f"scenario_{key}_min"], flat[f"scenario_{key}_max"] = value
        elif isinstance(value, int | float | str):
            flat[f"scenario_{key}"] = value
        else:
            flat[f"scenario_{key}"] = str(value)
    return flat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = Scenario()
    for f in fields(Scenario):
        value = getattr(defaults, f.name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            option = "--" + f.name.replace("_", "-")
            parser.add_argument(option, type=type(value), default=value, dest=f.name)
    parser.add_argument("--no-write", action="store_true", help="do not write the JSON")
    args = vars(parser.parse_args())
    write = not args.pop("no_write")
    result = run(Scenario(**args))
    width = max(len(key) for key in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    if write:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
