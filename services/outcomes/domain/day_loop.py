"""Run one policy over the demand, a service day at a time.

Each day: first the vans' deliveries of that day are received (the copies' last legs), then
the day's holds and returns in the order they happen. Then the policy's cut-off
(``AllocationPolicy.cut_off``): a policy that re-assigns at night does it there, before the
pull lists, and may call off or send elsewhere transfers asked for during the day. What is
left is packed in the evening and given its legs (``ledger.legs_of``). Patrons' pickups are
not modelled: a copy on the hold shelf stays there to the end of the run, under every policy
alike.
"""

from __future__ import annotations

from typing import Protocol

from kulkuri.outcomes.domain.demand import Demand, HoldPlaced, StartingCopy
from kulkuri.outcomes.domain.ledger import Ledger, Visited, legs_of


class AllocationPolicy(Protocol):
    """Decides where copies go; records transfers and ready holds on the ledger."""

    def start(self, copies: tuple[StartingCopy, ...]) -> None: ...

    def hold_placed(self, event: HoldPlaced, ledger: Ledger) -> None: ...

    def loan_returned(
        self, item_id: str, bib_id: str, library: str, day: int, second: int, ledger: Ledger
    ) -> None: ...

    def received(self, item_id: str, library: str, day: int, ledger: Ledger) -> None: ...

    def cut_off(self, day: int, ledger: Ledger) -> None:
        """After the day's events, before its transfers are packed."""
        ...


def run_policy(
    policy: AllocationPolicy, demand: Demand, hub: str | None, visited: Visited
) -> Ledger:
    ledger = Ledger()
    policy.start(demand.copies)
    arrivals: dict[int, list[tuple[str, str]]] = {}  # day -> (item id, library), in order
    for day in range(demand.days):
        for item_id, library in arrivals.pop(day, []):
            policy.received(item_id, library, day, ledger)
        for event in demand.on_day(day):
            if isinstance(event, HoldPlaced):
                ledger.hold_placed(event.hold_id, day)
                policy.hold_placed(event, ledger)
            else:
                policy.loan_returned(
                    event.item_id, event.bib_id, event.library, day, event.second, ledger
                )
        policy.cut_off(day, ledger)
        for transfer in ledger.unpacked():
            legs = legs_of(transfer, hub, visited)
            ledger.legs.extend(legs)
            if legs:
                arrival = (transfer.item_id, transfer.to_library)
                arrivals.setdefault(legs[-1].day, []).append(arrival)
        ledger.mark_packed()
    return ledger
