"""What the README's first command demonstrates: a simulated day of a real network.

The day itself comes from ``kulkuri.simulator``; this names one run of it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoPlan:
    seed: int = 2026
    # Each run's ids carry the run: a second run adds a new small world beside the first
    # instead of repeating events the inbox has already seen.
    run: str = "1"
