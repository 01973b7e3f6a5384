"""Work the simulation hands to the running system: the staff's and drivers' scans through
the transport API, and the day's cut-off. The runner performs each task and reports the
outcome back to the simulation (``Simulation.pulled``, ``packed``, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class PullTask:
    """Fetch the library's pull list and pull the copies found there."""

    library: str
    at: datetime


@dataclass(frozen=True)
class PackTask:
    """Ask for a packing plan for the next van day and pack the pulled copies."""

    library: str
    at: datetime
    service_day: date


@dataclass(frozen=True)
class CutOffTask:
    """Publish the day's lane demand and wait for its route plan."""

    day: date
    at: datetime


@dataclass(frozen=True)
class VanStopTask:
    van_run: str
    library: str
    arrival: datetime
    departure: datetime
    unload: tuple[str, ...]  # crate ids, in this order
    load: tuple[str, ...]


@dataclass(frozen=True)
class ReceiveTask:
    library: str
    at: datetime
    transfers: tuple[tuple[str, str], ...]  # (transfer_id, item_id), scanned in by item
    crate_ids: tuple[str, ...]


Task = PullTask | PackTask | CutOffTask | VanStopTask | ReceiveTask
