"""The ``AssignmentSolver`` port on OR-Tools' min-cost flow (``SimpleMinCostFlow``).

One network for the whole day: source -> each served hold (capacity 1) -> each copy it may
take (capacity 1, cost = transport metres) -> sink. The source supplies one unit per served
hold, so an optimal flow is a least-cost complete assignment. Titles share no arcs, so one
network solves every title's subproblem at once. The solver returns data; it prints nothing.
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

        # Arcs: the pairs first, so that arc i is problem.pairs[i].
        pair_tails = [hold_node[p.hold_id] for p in problem.pairs]
        pair_heads = [copy_node[p.item_id] for p in problem.pairs]
        tails = np.array(pair_tails + [source] * served + list(copy_node.values()), dtype=np.int32)
        heads = np.array(
            pair_heads + list(hold_node.values()) + [sink] * len(copy_node), dtype=np.int32
        )
        costs = np.array(
            [p.cost for p in problem.pairs] + [0] * (served + len(copy_node)), dtype=np.int64
        )
        capacities = np.ones(len(tails), dtype=np.int64)

        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
        supplies = np.zeros(sink + 1, dtype=np.int64)
        supplies[source], supplies[sink] = served, -served
        flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)

        status = flow.solve()
        if status != flow.OPTIMAL:
            raise IncompleteAssignment(f"min-cost flow ended with status {status}")

        # Extract: the pair arcs that carry flow.
        carried = flow.flows(np.arange(len(problem.pairs), dtype=np.int32))
        return [pair for pair, units in zip(problem.pairs, carried, strict=True) if units > 0]
