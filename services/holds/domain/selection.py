"""Which copy fills a new hold, and which waiting hold gets a copy that comes free.

Pure functions over a title's items and holds and the consortium's rules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from kulkuri.holds.domain.consortium import Consortium, QueueOrder, QueuePolicy
from kulkuri.holds.domain.entities import Hold, Item
from kulkuri.holds.domain.model import HoldStatus, ItemStatus


def is_available(item: Item, consortium: Consortium) -> bool:
    """On an open shelf, promised to no hold, and a physical copy the vans can carry."""
    return (
        item.status is ItemStatus.ON_SHELF
        and item.hold_id is None
        and consortium.needs_transport(item.format)
    )


def _oldest_returned_first(item: Item) -> tuple[int, float]:
    # A copy never returned has sat on its shelf longest of all.
    if item.last_returned_at is None:
        return (0, 0.0)
    return (1, item.last_returned_at.timestamp())


def choose_copy(
    items: Iterable[Item], pickup_library: str, consortium: Consortium, today: date
) -> Item | None:
    """The available copy that should fill a hold for pickup at ``pickup_library``.

    A copy on the pickup library's own shelf first. Otherwise the least transport cost from a
    library open on ``today`` (a closed library cannot pull and send it); disabled pairs never.
    Equal costs go to the library with more available copies, then to the copy returned
    longest ago, then to the lowest item id so that the choice is reproducible.
    """
    pool = [item for item in items if is_available(item, consortium)]
    copies_at = Counter(item.current_library for item in pool)
    open_sources = consortium.open_sources_on(today)
    best: tuple[tuple[object, ...], Item] | None = None
    for item in pool:
        source = item.current_library
        local = source == pickup_library
        if not local and source not in open_sources:
            continue
        cost = consortium.costs.cost(source, pickup_library)
        if cost is None:
            continue
        key = (not local, cost, -copies_at[source], _oldest_returned_first(item), item.item_id)
        if best is None or key < best[0]:
            best = (key, item)
    return None if best is None else best[1]


def queue_order(holds: Iterable[Hold], policy: QueuePolicy, library: str) -> list[Hold]:
    """Waiting holds in the order they are offered a copy that is at ``library``.

    Strict: in the order placed. Local first: a hold for pickup at ``library`` goes ahead of
    the holds elsewhere placed at most ``local_priority_days`` days before it; older holds
    keep their turn (the meaning ``QueuePolicy`` documents).
    """
    head_start = timedelta(days=policy.local_priority_days)

    def key(hold: Hold) -> tuple[datetime, bool, datetime, str]:
        local = policy.order is QueueOrder.LOCAL_FIRST and hold.pickup_library == library
        effective = hold.placed_at - head_start if local else hold.placed_at
        return (effective, not local, hold.placed_at, hold.hold_id)

    return sorted(holds, key=key)


def in_placement_order(holds: Iterable[Hold]) -> list[Hold]:
    return sorted(holds, key=lambda hold: (hold.placed_at, hold.hold_id))


def is_queued(hold: Hold) -> bool:
    """Waiting for a physical copy (a digital pass-through hold never queues)."""
    return hold.status is HoldStatus.WAITING and not hold.passed_through


def queued(holds: Iterable[Hold]) -> list[Hold]:
    """The holds waiting for a physical copy, in the order they were placed."""
    return in_placement_order(hold for hold in holds if is_queued(hold))


def can_send(consortium: Consortium, source: str, destination: str) -> bool:
    return consortium.costs.cost(source, destination) is not None
