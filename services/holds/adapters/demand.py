"""Demand for titles with rebalance-collection copies, counted once per batch in PostgreSQL.

A copy of a rebalance collection that comes free with no hold waiting for it goes where its
title's demand per copy is highest, when that pays (``domain/rebalance.py``). Demand here
is the holds placed on the title per pickup library within ``RebalanceSettings.window_days``
before the batch's latest event (times come from events, never from a clock, so a replay
counts the same window). The ``holds`` table keeps every hold, closed ones too, so one
grouped query answers it for all the batch's titles that have such copies, and a batch
without any asks nothing.

Loans are not counted: the service stores each copy's current state, not a loan history, and
a hold is the demand a patron could not meet from the shelf at hand.

Holds the batch itself places are not in the table yet; the handler adds each one as it is
applied (``BatchDemand.hold_placed``), so a return later in the same batch sees it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import asyncpg

from kulkuri.holds.domain.consortium import CollectionPolicy, Consortium
from kulkuri.holds.domain.model import ItemStatus
from kulkuri.holds.domain.rebalance import DemandAdvisor
from kulkuri.holds.domain.title import Title
from kulkuri.shared.db.schema import checked_schema


@dataclass
class BatchDemand:
    """Holds per title and pickup library over the window, and the advisor reading them."""

    counts: dict[str, Counter[str]]
    consortium: Consortium
    advisor: DemandAdvisor = field(init=False)

    def __post_init__(self) -> None:
        # The advisor reads ``counts`` itself, so holds added later in the batch count too.
        self.advisor = DemandAdvisor(self.counts, self.consortium.costs, self.consortium.rebalance)

    def hold_placed(self, bib_id: str, pickup_library: str) -> None:
        counts = self.counts.get(bib_id)
        if counts is not None:  # only titles with rebalance copies are counted at all
            counts[pickup_library] += 1


class DemandCounts:
    def __init__(self, consortium: Consortium, *, schema: str = "holds") -> None:
        self.consortium = consortium
        self.collections = {
            code
            for code, policy in consortium.collection_policies.items()
            if policy is CollectionPolicy.REBALANCE
        }
        self.by_default = consortium.default_policy is CollectionPolicy.REBALANCE
        s = checked_schema(schema)
        self._sql = f"""
            SELECT bib_id, pickup_library, count(*)::int FROM {s}.holds
             WHERE bib_id = ANY($1::text[]) AND placed_at > $2 AND placed_at <= $3
             GROUP BY bib_id, pickup_library"""

    @property
    def any_rebalance(self) -> bool:
        return self.by_default or bool(self.collections)

    def rebalances(self, collection: str) -> bool:
        return self.consortium.policy_for(collection) is CollectionPolicy.REBALANCE

    def titles_to_count(
        self, titles: Mapping[str, Title], added: Iterable[tuple[str, str]] = ()
    ) -> set[str]:
        """The titles with a copy in a rebalance collection, among those loaded and those a
        batch adds copies to (``added``: bib_id and collection of each new copy)."""
        if not self.any_rebalance:
            return set()
        wanted = {bib_id for bib_id, collection in added if self.rebalances(collection)}
        for bib_id, title in titles.items():
            if bib_id not in wanted and any(
                self.rebalances(item.collection)
                for item in title.items.values()
                if item.status is not ItemStatus.WITHDRAWN
            ):
                wanted.add(bib_id)
        return wanted

    async def load(
        self, connection: asyncpg.Connection, bib_ids: Iterable[str], until: datetime
    ) -> BatchDemand | None:
        """The demand of ``bib_ids`` over the window ending at ``until``; None for none."""
        wanted = sorted(set(bib_ids))
        if not wanted:
            return None
        since = until - timedelta(days=self.consortium.rebalance.window_days)
        counts: dict[str, Counter[str]] = {bib_id: Counter() for bib_id in wanted}
        for bib_id, library, holds in await connection.fetch(self._sql, wanted, since, until):
            counts[bib_id][library] = holds
        return BatchDemand(counts, self.consortium)
