"""What the simulated patrons do: visit and borrow, place holds, return loans anywhere,
cancel, collect their holds or leave them on the hold shelf.

A day's visits are drawn at its start: per library, Poisson numbers of walk-in loans and of
holds (the library's share of the network's daily loans, by size), at uniform times of its
opening hours (holds: online, ``StaffRoutine.holds_online``). What each visitor takes is
chosen when the visit happens, from what is on the shelf then.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from kulkuri.shared.events import CirculationEvent
from kulkuri.simulator.core.agenda import (
    HoldWanted,
    LoanReturned,
    PatronCancels,
    PatronCollects,
    ShelfTimeOver,
    WalkIn,
)
from kulkuri.simulator.core.scene import Scene, poisson
from kulkuri.simulator.core.world import CLOSED, CopyState, HoldPhase, HoldState, Loan, Where

_TRIES = 8  # titles a visitor looks for before taking whatever catches the eye


def plan_visits(scene: Scene, day: date, after: datetime) -> None:
    """Draw the day's walk-in loans and holds, from ``after`` (the eve starts late)."""
    config, rng, network = scene.config, scene.rng, scene.network
    behaviour = config.behaviour
    online = _span(day, *config.staff.holds_online, scene)
    online_left = _seconds_left(online, after)
    online_share = online_left / max(1.0, (online[1] - online[0]).total_seconds())
    for library in network.libraries:
        loans = config.loans_per_day_at(library.id, network.share(library.id))
        windows = network.windows(library.id, day)
        open_s = sum(end - start for start, end in windows)
        if open_s > 0:
            spans = [_span_s(day, start, end, scene) for start, end in windows]
            share = sum(_seconds_left(span, after) for span in spans) / open_s
            for _ in range(poisson(rng, loans * (1 - behaviour.holds_per_loan) * share)):
                at = network.random_open_time(library.id, day, rng, after=after)
                if at is not None:
                    scene.schedule(at, WalkIn(library.id))
        for _ in range(poisson(rng, loans * behaviour.holds_per_loan * online_share)):
            at = max(online[0], after) + timedelta(seconds=rng.random() * online_left)
            scene.schedule(at, HoldWanted(library.id))


def walk_in(scene: Scene, at: datetime, library: str) -> list[CirculationEvent]:
    world, rng = scene.world, scene.rng
    shelf = world.shelf(library)
    if not len(shelf):
        return []
    item = None
    for _ in range(_TRIES):
        found = world.on_shelf(library, scene.catalogue.pick_title(rng).bib_id)
        if found:
            item = found[0]
            break
    if item is None:
        item = shelf.choice(rng)
    return [lend(scene, at, world.copies[item], library)]


def lend(
    scene: Scene, at: datetime, copy: CopyState, library: str, hold_id: str | None = None
) -> CirculationEvent:
    """A checkout, and when and where the loan will come back."""
    rng, behaviour = scene.rng, scene.config.behaviour
    event = scene.factory.checked_out(copy.item_id, copy.bib_id, library, at, hold_id)
    low, mode, high = behaviour.loan_days
    returns_to = scene.network.return_library(library, rng, behaviour.return_elsewhere_share)
    back = visit_time(scene, returns_to, at + timedelta(days=rng.triangular(low, high, mode)))
    scene.world.put(copy, Where.LOAN, None)
    if back is not None and not scene.schedule(back, LoanReturned(copy.item_id)):
        back = None
    scene.world.loans[copy.item_id] = Loan(copy.item_id, library, back, returns_to)
    return event


def loan_returned(scene: Scene, at: datetime, item_id: str) -> list[CirculationEvent]:
    loan = scene.world.loans.pop(item_id, None)
    copy = scene.world.copies[item_id]
    if loan is None or copy.where is not Where.LOAN:
        return []
    scene.world.put(copy, Where.BIN, loan.returns_to)
    return [scene.factory.returned(item_id, copy.bib_id, loan.returns_to, at)]


def hold_wanted(scene: Scene, at: datetime, library: str) -> list[CirculationEvent]:
    behaviour = scene.config.behaviour
    title = scene.catalogue.pick_title(scene.rng)
    hold_id = scene.factory.new_hold_id()
    scene.world.holds[hold_id] = HoldState(hold_id, title.bib_id, library, at)
    if scene.rng.random() < behaviour.cancel_share:
        scene.schedule(at + scene.days(behaviour.cancel_after_days), PatronCancels(hold_id))
    valid = timedelta(days=behaviour.hold_valid_days)
    return [scene.factory.hold_placed(hold_id, title.bib_id, library, at, valid)]


def hold_ready(scene: Scene, now: datetime, hold_id: str, item_id: str, library: str) -> None:
    """The holds service put a copy on the hold shelf: the patron will come, or not."""
    world, behaviour = scene.world, scene.config.behaviour
    hold, copy = world.holds.get(hold_id), world.copies.get(item_id)
    if hold is None or copy is None:
        return
    world.put(copy, Where.HOLD_SHELF, library)
    copy.hold_id = hold_id
    if hold.phase in CLOSED:
        return  # cancelled meanwhile: the holds service frees the copy
    hold.phase, hold.item_id = HoldPhase.READY, item_id
    window_ends = now + timedelta(days=behaviour.pickup_window_days)
    comes = None
    if scene.rng.random() >= behaviour.no_show_share:
        comes = visit_time(scene, library, now + scene.days(behaviour.pickup_after_days))
    if comes is not None and comes < window_ends:
        scene.schedule(comes, PatronCollects(hold_id))
    else:
        scene.schedule(window_ends, ShelfTimeOver(hold_id))


def collect(scene: Scene, at: datetime, hold_id: str) -> list[CirculationEvent]:
    hold = scene.world.holds[hold_id]
    copy = scene.world.copies.get(hold.item_id or "")
    if hold.phase is not HoldPhase.READY or copy is None or copy.hold_id != hold_id:
        return []
    if copy.where is not Where.HOLD_SHELF or copy.library != hold.pickup:
        return []
    hold.phase = HoldPhase.COLLECTED
    return [lend(scene, at, copy, hold.pickup, hold_id)]


def cancel(scene: Scene, at: datetime, hold_id: str, *, expired: bool) -> list[CirculationEvent]:
    """The patron cancels (any time before collecting), or the hold shelf time is over."""
    hold = scene.world.holds[hold_id]
    if hold.phase in CLOSED or (expired and hold.phase is not HoldPhase.READY):
        return []
    hold.phase = HoldPhase.EXPIRED if expired else HoldPhase.CANCELLED
    reason = "expired" if expired else "patron"
    return [scene.factory.hold_cancelled(hold_id, hold.bib_id, at, reason)]


def visit_time(scene: Scene, library: str, earliest: datetime) -> datetime | None:
    """A random moment the library is open, on the day of ``earliest`` (after it) or on
    the next day it opens."""
    network = scene.network
    local = earliest.astimezone(scene.config.zone)
    at = network.random_open_time(library, local.date(), scene.rng, after=local)
    if at is not None:
        return at
    tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=local.tzinfo)
    opens = network.next_open(library, tomorrow)
    if opens is None:
        return None
    return network.random_open_time(library, opens.date(), scene.rng) or opens


def _span(day: date, start: time, end: time, scene: Scene) -> tuple[datetime, datetime]:
    zone = scene.config.zone
    return datetime.combine(day, start, tzinfo=zone), datetime.combine(day, end, tzinfo=zone)


def _span_s(day: date, start: int, end: int, scene: Scene) -> tuple[datetime, datetime]:
    midnight = datetime.combine(day, time(0), tzinfo=scene.config.zone)
    return midnight + timedelta(seconds=start), midnight + timedelta(seconds=end)


def _seconds_left(span: tuple[datetime, datetime], after: datetime) -> float:
    return max(0.0, (span[1] - max(span[0], after)).total_seconds())
