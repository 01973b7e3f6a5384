"""The ``AssignmentSolver`` port on OR-Tools' min-cost flow (``SimpleMinCostFlow``).

One network for the whole day: source -> each served hold (capacity 1) -> each copy it may
take (capacity 1) -> sink. The source supplies one unit per served hold, so an optimal flow is
a least-cost complete assignment. Titles share no arcs, so one network solves every title's
subproblem at once. A copy that must be used (``must_use``) has no arc to the sink: it absorbs
one unit itself. The solver returns data; it prints nothing.

Arc costs are the transport metres times (served holds + 1), plus 1 for a pair not in
``keep``. However many pairs change, the extra is at most the number of holds, less than one
metre of the scaled cost, so the least metres still win, and among equal metres the flow that
changes fewest pairs.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from kulkuri.holds.domain.reassignment import (
    Assignment,
    AssignmentProblem,
    IncompleteAssignment,
)


class MinCostFlowSolver:
    def solve(self, problem: AssignmentProblem) -> list[Assignment]:
        if not problem.hold_ids:
            return []
        # Data: node numbers. 0 is the source, then holds, then copies, then the sink.
        hold_node = {hold_id: 1 + i for i, hold_id in enumerate(problem.hold_ids)}
        first_copy = 1 + len(hold_node)
        copy_node = {item_id: first_copy + i for i, item_id in enumerate(problem.item_ids)}
        source, sink = 0, first_copy + len(copy_node)
        served = len(hold_node)
        to_sink = [node for item_id, node in copy_node.items() if item_id not in problem.must_use]

        # Arcs: the pairs first, so that arc i is problem.pairs[i].
        scale = served + 1
        pair_costs = [
            p.cost * scale + ((p.hold_id, p.item_id) not in problem.keep) for p in problem.pairs
        ]
        tails = np.array(
            [hold_node[p.hold_id] for p in problem.pairs] + [source] * served + to_sink,
            dtype=np.int32,
        )
        heads = np.array(
            [copy_node[p.item_id] for p in problem.pairs]
            + list(hold_node.values())
            + [sink] * len(to_sink),
            dtype=np.int32,
        )
        costs = np.array(pair_costs + [0] * (served + len(to_sink)), dtype=np.int64)
        capacities = np.ones(len(tails), dtype=np.int64)

        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
        supplies = np.zeros(sink + 1, dtype=np.int64)
        supplies[source] = served
        for item_id in problem.must_use:
            supplies[copy_node[item_id]] = -1
        supplies[sink] = -(served - len(problem.must_use))
        flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)

        status = flow.solve()
        if status != flow.OPTIMAL:
            raise IncompleteAssignment(f"min-cost flow ended with status {status}")

        # Extract: the pair arcs that carry flow.
        carried = flow.flows(np.arange(len(problem.pairs), dtype=np.int32))
        return [pair for pair, units in zip(problem.pairs, carried, strict=True) if units > 0]
