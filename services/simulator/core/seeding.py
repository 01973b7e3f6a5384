"""The state the run starts from: the catalogue added, and the loans already out.

Every copy is added (``item-added``) two months before the first simulated day. A copy is
then on loan with the chance that its title's demand keeps it out in a steady state (its
share of the day's loans times the mean loan time, spread over its copies, at most 90 %):
such a loan started some days ago at the copy's library and comes back during the run, or
after it. Both are ordinary circulation events with times in the past.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from kulkuri.shared.events import CirculationEvent
from kulkuri.simulator.core.agenda import LoanReturned
from kulkuri.simulator.core.patrons import visit_time
from kulkuri.simulator.core.scene import Scene
from kulkuri.simulator.core.world import CopyState, Loan, Where

_ADDED_BEFORE = timedelta(days=60)
_MOST_ON_LOAN = 0.9


def seed(scene: Scene, start: datetime) -> Iterator[CirculationEvent]:
    """The events, made as they are taken (a national catalogue is 100,000s of them); the
    world is complete once they all have been."""
    config, rng, world = scene.config, scene.rng, scene.world
    catalogue, behaviour = scene.catalogue, config.behaviour
    added_at = datetime.combine((start - _ADDED_BEFORE).date(), time(9, 0), tzinfo=config.zone)
    for copy in catalogue.copies:
        title = catalogue.by_bib[copy.bib_id]
        yield scene.factory.item_added(copy, title, added_at)
        state = CopyState(copy.item_id, copy.bib_id, copy.owner, Where.BIN, None)
        world.copies[copy.item_id] = state
        world.put(state, Where.SHELF, copy.owner)
    low, mode, high = behaviour.loan_days
    mean_days = (low + mode + high) / 3
    for copy in catalogue.copies:
        copies = len(catalogue.copies_of[copy.bib_id])
        out = catalogue.popularity[copy.bib_id] * config.loans_per_day * mean_days / copies
        if rng.random() >= min(_MOST_ON_LOAN, out):
            continue
        length = rng.triangular(low, high, mode)
        elapsed = timedelta(days=rng.random() * length)
        since = start - elapsed
        yield scene.factory.checked_out(copy.item_id, copy.bib_id, copy.owner, since)
        returns_to = scene.network.return_library(copy.owner, rng, behaviour.return_elsewhere_share)
        back = visit_time(scene, returns_to, since + timedelta(days=length))
        if back is not None and back <= start:
            back = visit_time(scene, returns_to, start)
        if back is not None and not scene.schedule(back, LoanReturned(copy.item_id)):
            back = None
        world.put(world.copies[copy.item_id], Where.LOAN, None)
        world.loans[copy.item_id] = Loan(copy.item_id, copy.owner, back, returns_to)
