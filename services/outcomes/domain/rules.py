"""The consortium kulkuri's policies run under: the network's libraries, the transport cost
both policies call nearness, and the collection policies, either every collection floating
or those of a holds config (``CollectionRules``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time

from kulkuri.holds.domain.consortium import (
    CollectionPolicy,
    Consortium,
    Library,
    OpeningHours,
    RebalanceSettings,
    TransportCosts,
)


@dataclass(frozen=True)
class CollectionRules:
    """Where a copy returned away from its owner goes, per collection code, and the demand
    window and least gain of the rebalance collections (``Consortium`` says the same)."""

    policies: Mapping[str, CollectionPolicy]
    default: CollectionPolicy
    rebalance: RebalanceSettings = field(default_factory=RebalanceSettings)
    source: str = ""  # where they come from, for the report


EVERY_COLLECTION_FLOATS = CollectionRules({}, CollectionPolicy.FLOATING, source="floating")


def rules_of(consortium: Consortium, source: str) -> CollectionRules:
    """The collection rules of a consortium loaded from a holds config."""
    return CollectionRules(
        dict(consortium.collection_policies),
        consortium.default_policy,
        consortium.rebalance,
        source,
    )


def consortium_for(
    libraries: Mapping[str, tuple[str, float, float]],
    cost: Callable[[str, str], int],
    rules: CollectionRules = EVERY_COLLECTION_FLOATS,
) -> Consortium:
    """Every library open every day, ``cost`` between libraries (the same cost the baseline
    calls nearness), and ``rules`` for the collections."""
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
        collection_policies=dict(rules.policies),
        default_policy=rules.default,
        rebalance=rules.rebalance,
    )
