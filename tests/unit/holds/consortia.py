"""Small consortia with exact costs, and helpers to build titles, for the allocation tests.

Four libraries of the Lastu area with round transport costs in metres (same both ways):

    lahti -- liipola     3 km        liipola -- heinola  38 km
    lahti -- heinola    35 km        liipola -- sysma    62 km
    lahti -- sysma      60 km        heinola -- sysma    45 km

All are open every day unless a test closes one on a date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta

from kulkuri.holds.domain.consortium import (
    CollectionPolicy,
    Consortium,
    Library,
    OpeningHours,
    QueueOrder,
    QueuePolicy,
    TransportCosts,
)
from kulkuri.holds.domain.decisions import CopyAssigned, Decision
from kulkuri.holds.domain.title import Title

LAHTI, LIIPOLA, HEINOLA, SYSMA = "lahti", "liipola", "heinola", "sysma"
LIBRARIES = (LAHTI, LIIPOLA, HEINOLA, SYSMA)
COSTS = {
    (LAHTI, LIIPOLA): 3_000,
    (LAHTI, HEINOLA): 35_000,
    (LAHTI, SYSMA): 60_000,
    (LIIPOLA, HEINOLA): 38_000,
    (LIIPOLA, SYSMA): 62_000,
    (HEINOLA, SYSMA): 45_000,
}
FLOATING, HOME, REBALANCE = "floating-fiction", "local-history", "rebalanced-dvd"
MONDAY = date(2026, 11, 23)
ALL_WEEK = OpeningHours(week=dict.fromkeys(range(7), ((time(9), time(20)),)))


def at(days: float = 0, hours: float = 10) -> datetime:
    """A moment ``days`` after Monday 2026-11-23 at midnight UTC, plus ``hours``."""
    return datetime.combine(MONDAY, time(), UTC) + timedelta(days=days, hours=hours)


def _no_estimate(source: str, destination: str) -> int:
    raise AssertionError(f"no test cost for {source} -> {destination}")


def costs(changes: Mapping[tuple[str, str], int | None] | None = None) -> TransportCosts:
    """The table above in both directions; ``changes`` replace single directed pairs."""
    overrides: dict[tuple[str, str], int | None] = {}
    for (a, b), metres in COSTS.items():
        overrides[(a, b)] = overrides[(b, a)] = metres
    overrides.update(changes or {})
    return TransportCosts(_no_estimate, overrides)


def consortium(
    *,
    cost_changes: Mapping[tuple[str, str], int | None] | None = None,
    closed: Iterable[tuple[str, date]] = (),
    local_first_days: int = 0,
) -> Consortium:
    """``closed``: (library, date) pairs on which that library is shut."""
    shut: dict[str, dict[date, tuple[()]]] = {library: {} for library in LIBRARIES}
    for library, day in closed:
        shut[library][day] = ()
    queue = (
        QueuePolicy(QueueOrder.LOCAL_FIRST, local_first_days) if local_first_days else QueuePolicy()
    )
    return Consortium(
        name="Test-Lastu",
        version="test",
        libraries={lib: Library(lib, lib.title(), lib.title(), 61.0, 25.7) for lib in LIBRARIES},
        opening_hours={lib: OpeningHours(ALL_WEEK.week, shut[lib]) for lib in LIBRARIES},
        costs=costs(cost_changes),
        collection_policies={
            FLOATING: CollectionPolicy.FLOATING,
            HOME: CollectionPolicy.RETURN_TO_OWNER,
            REBALANCE: CollectionPolicy.REBALANCE,
        },
        default_policy=CollectionPolicy.FLOATING,
        queue_policy=queue,
        digital_formats=frozenset({"ebook"}),
    )


def title(
    rules: Consortium,
    copies: Iterable[tuple[str, str]] = (),
    *,
    collection: str = FLOATING,
    item_format: str = "book",
) -> Title:
    """A title with the given (item_id, owning library) copies on their owners' shelves."""
    made = Title("bib-1")
    for item_id, library in copies:
        made.add_item(rules, item_id, library, collection, item_format, at(-30))
    take(made)
    return made


def take(of: Title) -> list[Decision]:
    """The decisions recorded since the last take, after checking the invariants."""
    of.check_invariants()
    taken = list(of.decisions)
    of.decisions.clear()
    return taken


def assigned(decisions: Iterable[Decision]) -> str:
    """The copy of the first ``CopyAssigned`` among ``decisions``."""
    return next(d.item_id for d in decisions if isinstance(d, CopyAssigned))
