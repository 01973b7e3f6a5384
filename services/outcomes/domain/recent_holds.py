"""The demand a rebalance copy follows: holds placed per title and pickup library over the
last ``RebalanceSettings.window_days``, kept in memory as the run's days pass.

The holds service counts the same from its ``holds`` table (``adapters/demand.py``): holds,
not loans, placed within the window before the event being handled. Here the holds are those
of the simulated demand, counted as they are placed.
"""

from __future__ import annotations

from collections import Counter, deque
from datetime import datetime, timedelta


class RecentHolds:
    def __init__(self, window_days: int) -> None:
        self._window = timedelta(days=window_days)
        self.counts: dict[str, Counter[str]] = {}  # bib id -> pickup library -> holds
        self._placed: deque[tuple[datetime, str, str]] = deque()  # oldest first

    def hold_placed(self, bib_id: str, pickup: str, at: datetime) -> None:
        self._placed.append((at, bib_id, pickup))
        self.counts.setdefault(bib_id, Counter())[pickup] += 1

    def as_of(self, now: datetime) -> None:
        """Forget the holds placed ``window_days`` or more before ``now``."""
        while self._placed and self._placed[0][0] <= now - self._window:
            _, bib_id, pickup = self._placed.popleft()
            counts = self.counts[bib_id]
            counts[pickup] -= 1
            if not counts[pickup]:
                del counts[pickup]
            if not counts:
                del self.counts[bib_id]
