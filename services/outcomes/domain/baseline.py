"""Today's practice in a Koha-like ILS, as the baseline.

- A hold is filled at once from the nearest library (least transport cost; the pickup
  library's own shelf first) with a copy on its shelf, else it waits in line (first placed,
  first served) for a copy to come free.
- A returned copy is trapped for the first waiting hold; otherwise it goes home to its
  owner. A copy that arrives home is trapped for a hold placed meanwhile, else shelved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kulkuri.outcomes.domain.demand import HoldPlaced, StartingCopy
from kulkuri.outcomes.domain.ledger import Ledger, Transfer

Cost = Callable[[str, str], int]
"""Transport cost between two libraries (metres of road-equivalent); 0 to itself."""


@dataclass
class _Copy:
    item_id: str
    bib_id: str
    owner: str
    library: str | None  # where it stands; None while on loan or in transit
    for_hold: HoldPlaced | None = None  # the hold it travels to or waits on the shelf for


class KohaLikeBaseline:
    def __init__(self, cost: Cost) -> None:
        self._cost = cost
        self._copies: dict[str, _Copy] = {}
        self._by_title: dict[str, list[_Copy]] = {}
        self._waiting: dict[str, list[HoldPlaced]] = {}  # bib id -> holds, first placed first

    def start(self, copies: tuple[StartingCopy, ...]) -> None:
        for start in copies:
            copy = _Copy(
                start.item_id, start.bib_id, start.owner, None if start.on_loan else start.owner
            )
            self._copies[copy.item_id] = copy
            self._by_title.setdefault(copy.bib_id, []).append(copy)

    def hold_placed(self, event: HoldPlaced, ledger: Ledger) -> None:
        available = [
            c
            for c in self._by_title.get(event.bib_id, [])
            if c.library is not None and c.for_hold is None
        ]
        if not available:
            self._waiting.setdefault(event.bib_id, []).append(event)
            return
        nearest = min(
            available, key=lambda c: (self._cost(c.library or "", event.pickup), c.item_id)
        )
        self._fill(nearest, event, event.day, ledger)

    def loan_returned(
        self, item_id: str, bib_id: str, library: str, day: int, second: int, ledger: Ledger
    ) -> None:
        copy = self._copies[item_id]
        copy.library = library
        self._trap_or_send_home(copy, day, ledger)

    def received(self, item_id: str, library: str, day: int, ledger: Ledger) -> None:
        copy = self._copies[item_id]
        copy.library = library
        if copy.for_hold is not None:
            ledger.hold_ready(copy.for_hold.hold_id, day)
            return
        self._trap_or_send_home(copy, day, ledger)

    def cut_off(self, day: int, ledger: Ledger) -> None:
        """Nothing at night: each hold kept the copy it was given as it came."""

    def _trap_or_send_home(self, copy: _Copy, day: int, ledger: Ledger) -> None:
        queue = self._waiting.get(copy.bib_id)
        if queue:
            self._fill(copy, queue.pop(0), day, ledger)
        elif copy.library != copy.owner:
            ledger.transfer(
                Transfer(copy.item_id, copy.library or "", copy.owner, day, "return_to_owner")
            )
            copy.library = None

    def _fill(self, copy: _Copy, hold: HoldPlaced, day: int, ledger: Ledger) -> None:
        copy.for_hold = hold
        if copy.library == hold.pickup:
            ledger.hold_ready(hold.hold_id, day)
            return
        source = copy.library or ""
        ledger.transfer(Transfer(copy.item_id, source, hold.pickup, day, "hold", hold.hold_id))
        copy.library = None
