"""Which faults strike, in what order, at which point of the stream, and whom: all from a seed.

The stream is cut into one segment per fault plus a last one, and each fault strikes while
its segment is being handled, once a random share of the segment is (``at``). The order of
the faults is shuffled too, so a kill may follow a broker restart or precede it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum


class FaultKind(StrEnum):
    KILL = "kill"  # SIGKILL a service process; it is started again
    BROKER_RESTART = "broker-restart"  # stop Tansu and start it on the same s3 storage
    POSTGRES_RESTART = "postgres-restart"  # pg_ctl restart -m fast
    PAUSE = "pause"  # SIGSTOP a holds instance past its session timeout, then SIGCONT


@dataclass(frozen=True)
class FaultCounts:
    kills: int = 1
    broker_restarts: int = 1
    postgres_restarts: int = 1
    pauses: int = 1

    def __post_init__(self) -> None:
        if min(self.kills, self.broker_restarts, self.postgres_restarts, self.pauses) < 0:
            raise ValueError("fault counts cannot be negative")

    @property
    def total(self) -> int:
        return self.kills + self.broker_restarts + self.postgres_restarts + self.pauses


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    segment: int  # strikes while this segment (0-based) is handled
    at: float  # once this share of the segment is handled
    target: str | None = None  # the service instance killed or paused

    def describe(self) -> str:
        whom = f" {self.target}" if self.target else ""
        return f"{self.kind}{whom} at {self.at:.0%} of segment {self.segment + 1}"


# Not at the very start (the segment's first batch may not even be fetched) nor the end (the
# segment could be done before the fault lands).
EARLIEST, LATEST = 0.15, 0.65


def plan_faults(
    counts: FaultCounts,
    *,
    seed: int,
    kill_targets: Sequence[str],
    pause_targets: Sequence[str],
) -> list[Fault]:
    """One fault per segment, in a seeded random order, each at a seeded random point; the
    kills and pauses go round their targets."""
    rng = random.Random(seed)
    kinds = (
        [FaultKind.KILL] * counts.kills
        + [FaultKind.BROKER_RESTART] * counts.broker_restarts
        + [FaultKind.POSTGRES_RESTART] * counts.postgres_restarts
        + [FaultKind.PAUSE] * counts.pauses
    )
    rng.shuffle(kinds)
    victims = {
        FaultKind.KILL: _rounds(kill_targets, rng),
        FaultKind.PAUSE: _rounds(pause_targets, rng),
    }
    faults = []
    for segment, kind in enumerate(kinds):
        target = next(victims[kind]) if kind in victims else None
        faults.append(Fault(kind, segment, round(rng.uniform(EARLIEST, LATEST), 3), target))
    return faults


def _rounds(targets: Sequence[str], rng: random.Random) -> Iterator[str]:
    """Every target once, in a random order, then again in another: two kills never hit
    the same process while another has not been hit."""
    while True:
        yield from rng.sample(list(targets), len(targets))
