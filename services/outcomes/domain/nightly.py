"""The nightly re-assignment at a day's cut-off, as the holds service runs it
(``service_layer/reassignment_job.py``), on titles held in memory.

The cut-off is at ``CUT_OFF`` local time on the morning after a service day, before that
morning's pull lists: every copy assigned from a shelf since the previous cut-off is not yet
pulled (``pull_window``), so the plan may give it to another hold, call off its transfer or
send it elsewhere. The titles are planned together (``plan_day``) and the plan applied to
each title that changes (``reassign``); the solver comes in through the holds domain's
``AssignmentSolver`` port. Then the copies assigned from the pickup library's own shelf are
pulled and put on its hold shelf.

The model's days keep their own bookkeeping: what the pull list sends is packed on the
service day it was assigned, and a local copy is on the hold shelf that day, as without a
plan. The first van that can take a copy is the next service day's either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time, timedelta, tzinfo

from kulkuri.holds.domain.consortium import Consortium
from kulkuri.holds.domain.day_plan import DayPlan, plan_day
from kulkuri.holds.domain.model import HoldStatus
from kulkuri.holds.domain.pull_window import PullWindow, reassign, title_day
from kulkuri.holds.domain.reassignment import AssignmentSolver
from kulkuri.holds.domain.selection import in_placement_order
from kulkuri.holds.domain.title import Title
from kulkuri.outcomes.domain.ledger import NightlyPlan

CUT_OFF = time(5)
"""The holds service's default cut-off (``HOLDS_REASSIGN_CUTOFF``)."""


def window_after(service_day: date, zone: tzinfo) -> PullWindow:
    """The window that closes at the cut-off on the morning after ``service_day``."""
    return PullWindow.ending_on(service_day + timedelta(days=1), CUT_OFF, zone)


def reassign_titles(
    titles: Sequence[Title], consortium: Consortium, solver: AssignmentSolver, window: PullWindow
) -> DayPlan:
    """Plan the titles as one problem and apply the plan to those it changes; the decisions
    are left on each title's ``decisions``."""
    plan = plan_day(
        [title_day(title, consortium, window) for title in titles],
        consortium.costs.cost,
        solver,
        consortium.open_sources_on(window.day),
    )
    by_id = {title.bib_id: title for title in titles}
    for title_plan in plan.titles:
        if title_plan.changes_anything:
            reassign(by_id[title_plan.bib_id], consortium, window, title_plan)
    return plan


def pull_local_copies(title: Title, consortium: Consortium, window: PullWindow) -> None:
    """Staff pull the copies assigned from the pickup library's own shelf and check them in
    onto its hold shelf (``HoldReadyForPickup``)."""
    for hold in in_placement_order(title.holds.values()):
        if hold.status is HoldStatus.ASSIGNED and hold.item_id is not None:
            title.item_returned(consortium, hold.item_id, hold.pickup_library, window.cutoff)


def figures_of(plan: DayPlan, day: int) -> NightlyPlan:
    return NightlyPlan(
        day, plan.cost_before, plan.cost_after, plan.holds_reassigned, plan.holds_filled
    )
