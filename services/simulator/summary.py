"""What a run did, for the person who started it and for the benchmark."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any


@dataclass
class SimulationSummary:
    network: str
    run: str
    seed: int
    speed: float
    first_day: date
    days: int
    events: dict[str, int] = field(default_factory=dict)  # sent, by circulation event kind
    holds: dict[str, int] = field(default_factory=dict)  # the simulated patrons' holds, by phase
    copies: dict[str, int] = field(default_factory=dict)  # where the copies are at the end
    work: dict[str, int] = field(default_factory=dict)  # pulled, packed, crates, received, ...
    refused_scans: dict[str, int] = field(default_factory=dict)  # by the API's reason
    plans: dict[str, int] = field(default_factory=dict)  # service day -> vans driving
    missed_plans: list[str] = field(default_factory=list)  # days whose plan did not come
    unsettled: int = 0  # waits for the system that timed out
    seeding_wall_s: float = 0.0
    wall_s: float = 0.0
    most_behind_s: float = 0.0  # the longest the run fell behind its simulated clock (wall)

    @property
    def events_sent(self) -> int:
        return sum(self.events.values())

    def to_json(self) -> dict[str, Any]:
        raw = asdict(self)
        raw["first_day"] = self.first_day.isoformat()
        raw["events_sent"] = self.events_sent
        return raw

    def lines(self) -> list[str]:
        """A short human account."""
        return [
            f"{self.network}, {self.days} day(s) from {self.first_day} at {self.speed:g}x"
            f" (run {self.run}, seed {self.seed}): {self.events_sent} circulation events in"
            f" {self.wall_s:.1f} s (seeding {self.seeding_wall_s:.1f} s)",
            "events: " + _pairs(self.events),
            "holds: " + _pairs(self.holds),
            "staff and vans: " + _pairs(self.work),
            "vans per day: " + (_pairs(self.plans) or "no plan"),
            *self._troubles(),
        ]

    def _troubles(self) -> list[str]:
        found = []
        if self.refused_scans:
            found.append("scans refused: " + _pairs(self.refused_scans))
        if self.missed_plans:
            found.append(f"days without a plan: {', '.join(self.missed_plans)}")
        if self.unsettled:
            found.append(f"waits for the system that timed out: {self.unsettled}")
        return found


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in counts.items() if value)
