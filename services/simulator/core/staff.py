"""The library staff's routine: pull rounds and a packing round on each day a library is
open (``StaffRoutine``), and what they do at a pull round without the transport service:
fetching the copies promised to holds picked up at the same library and checking them in,
which tells the holds service they are on the hold shelf.
"""

from __future__ import annotations

from datetime import date, datetime, time

from kulkuri.shared.events import CirculationEvent
from kulkuri.simulator.core.agenda import PackRound, PullRound
from kulkuri.simulator.core.scene import Scene
from kulkuri.simulator.core.world import Where


def plan_rounds(scene: Scene, day: date, after: datetime) -> None:
    """Each open library's rounds of the day, at their times or when it opens, if later."""
    routine = scene.config.staff
    for library in scene.network.libraries:
        if not scene.network.is_open_on(library.id, day):
            continue
        for at in routine.pull_rounds:
            when = _during_hours(scene, library.id, day, at)
            if when is not None and when >= after:
                scene.schedule(when, PullRound(library.id))
        when = _during_hours(scene, library.id, day, routine.packing_at)
        if when is not None and when >= after:
            scene.schedule(when, PackRound(library.id))


def local_check_ins(scene: Scene, at: datetime, library: str) -> list[CirculationEvent]:
    """Copies on this library's shelf promised to holds picked up here: fetched and checked
    in (``item-returned``), which puts them on the hold shelf."""
    world = scene.world
    events = []
    for item_id in list(world.local_pulls.get(library, {})):
        copy = world.copies[item_id]
        if copy.where is not Where.SHELF or copy.library != library or not copy.local_pull:
            continue
        world.put(copy, Where.BIN, library)
        events.append(scene.factory.returned(item_id, copy.bib_id, library, at))
    world.local_pulls.pop(library, None)
    return events


def _during_hours(scene: Scene, library: str, day: date, at: time) -> datetime | None:
    wanted = datetime.combine(day, at, tzinfo=scene.config.zone)
    opens = scene.network.next_open(library, wanted)
    if opens is None or opens.astimezone(scene.config.zone).date() != day:
        return None
    return opens
