"""kulkuri's policy: the holds service's own ``Title`` aggregate decides.

The cheapest open source fills a hold (the pickup library's shelf first); a returned or
received copy is trapped for the queue; otherwise the collection floats (the copy stays
where it was returned). The aggregate's decisions become ledger entries: a transfer it asks
for rides the vans, a copy assigned from the pickup library's own shelf is pulled and
checked in the same day, and ``HoldReadyForPickup`` dates the hold.

The nightly min-cost re-assignment revisits holds assigned but not yet pulled; here every
assignment is pulled and packed the day it is made, so it would find nothing to change and
is not run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kulkuri.holds.domain.consortium import (
    CollectionPolicy,
    Consortium,
    Library,
    OpeningHours,
    TransportCosts,
)
from kulkuri.holds.domain.decisions import (
    CopyAssigned,
    HoldReadyForPickup,
    TransferRequested,
    TransferRetargeted,
)
from kulkuri.holds.domain.title import Title
from kulkuri.outcomes.domain.demand import HoldPlaced, StartingCopy
from kulkuri.outcomes.domain.ledger import Ledger, Transfer

_ZONE = ZoneInfo("Europe/Helsinki")


def consortium_for(
    libraries: Mapping[str, tuple[str, float, float]], cost: Callable[[str, str], int]
) -> Consortium:
    """Every library open every day, each collection floating, ``cost`` between libraries
    (the same cost the baseline calls nearness)."""
    members = {
        library_id: Library(library_id, name, "", lat, lon)
        for library_id, (name, lat, lon) in libraries.items()
    }
    every_day = OpeningHours({weekday: ((time(8), time(20)),) for weekday in range(7)})
    return Consortium(
        name="outcomes",
        version="1",
        libraries=members,
        opening_hours={library_id: every_day for library_id in members},
        costs=TransportCosts(cost),
        collection_policies={},
        default_policy=CollectionPolicy.FLOATING,
    )


class SharedCollectionPolicy:
    def __init__(self, consortium: Consortium, first_day: date) -> None:
        self._consortium = consortium
        self._first_day = first_day
        self._copies: dict[str, list[StartingCopy]] = {}
        self._titles: dict[str, Title] = {}
        self._title_of: dict[str, str] = {}  # item id -> bib id
        self._now = self._at(0, 0)  # the time of the event being handled

    def start(self, copies: tuple[StartingCopy, ...]) -> None:
        for copy in copies:
            self._copies.setdefault(copy.bib_id, []).append(copy)
            self._title_of[copy.item_id] = copy.bib_id

    def hold_placed(self, event: HoldPlaced, ledger: Ledger) -> None:
        title = self._title(event.bib_id)
        at = self._now = self._at(event.day, event.second)
        title.place_hold(self._consortium, event.hold_id, event.pickup, at)
        self._follow(title, event.day, ledger)

    def loan_returned(
        self, item_id: str, bib_id: str, library: str, day: int, second: int, ledger: Ledger
    ) -> None:
        title = self._title(bib_id)
        self._now = self._at(day, second)
        title.item_returned(self._consortium, item_id, library, self._now)
        self._follow(title, day, ledger)

    def received(self, item_id: str, library: str, day: int, ledger: Ledger) -> None:
        title = self._title(self._title_of[item_id])
        self._now = self._at(day, 0)
        title.transfer_received(self._consortium, item_id, library, self._now)
        self._follow(title, day, ledger)

    def _follow(self, title: Title, day: int, ledger: Ledger) -> None:
        while title.decisions:
            decisions, title.decisions = title.decisions, []
            for decision in decisions:
                self._apply(title, decision, day, ledger)

    def _apply(self, title: Title, decision: object, day: int, ledger: Ledger) -> None:
        match decision:
            case TransferRequested():
                ledger.transfer(
                    Transfer(
                        decision.item_id,
                        decision.from_library,
                        decision.to_library,
                        day,
                        decision.reason.value,
                        decision.hold_id,
                    )
                )
            case CopyAssigned(pull_from_shelf=True) if (
                decision.from_library == decision.pickup_library
            ):
                # Staff pull it from the open shelf and check it in onto the hold shelf.
                library = decision.pickup_library
                title.item_returned(self._consortium, decision.item_id, library, self._now)
            case HoldReadyForPickup():
                ledger.hold_ready(decision.hold_id, day)
            case TransferRetargeted():
                # Only a hold going away retargets a transfer; the demand cancels none.
                raise AssertionError(f"unexpected retargeting: {decision}")
            case _:
                pass

    def _title(self, bib_id: str) -> Title:
        # Titles are built when first touched: most of a large collection never is.
        title = self._titles.get(bib_id)
        if title is None:
            title = self._titles[bib_id] = Title(bib_id)
            before = self._at(0, 0) - timedelta(days=30)
            for copy in self._copies.get(bib_id, []):
                title.add_item(
                    self._consortium, copy.item_id, copy.owner, copy.collection, copy.format, before
                )
                if copy.on_loan:
                    title.item_checked_out(self._consortium, copy.item_id, copy.owner, before)
            title.decisions.clear()
        return title

    def _at(self, day: int, second: int) -> datetime:
        start = datetime.combine(self._first_day + timedelta(days=day), time(6), tzinfo=_ZONE)
        return start + timedelta(seconds=second)
