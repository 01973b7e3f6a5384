"""A year's statistics per library, in the shape libraries report them nationally.

Per library of the network, for the calendar year in local time:

- transfers sent: copies that left the library on a van (first loaded there) in the year;
- transfers received: copies scanned in at the library, at the end of a transfer, in the year;
- holds placed: holds with the library as pickup place, placed in the year;
- holds filled: those holds that became available to the patron in the year, whenever placed
  (first on the hold shelf, or collected straight from a shelf);
- median hold time: days from placement to filling, over the holds filled in the year (the
  middle value; with an even count, the mean of the two middle ones), to one decimal.

Holds on digital-only titles, which the holds service passes through, are not counted: no
copy of theirs is filled from a shelf or travels.

The holds service deletes closed holds (collected, cancelled, expired) a while after they
close (``HOLDS_HISTORY_RETENTION_DAYS``). A year that reaches back before that window has lost
some of its holds, and its report says so (``hold_history_notes``); transfers are kept.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from kulkuri.reports.domain.network import MemberLibrary, Network

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class LibraryYear:
    library_id: str  # "" on the network's total row
    name: str
    municipality: str
    transfers_sent: int
    transfers_received: int
    holds_placed: int
    holds_filled: int
    median_hold_days: Decimal | None  # None when no hold was filled


@dataclass(frozen=True)
class AnnualStatistics:
    network: str
    year: int
    rows: tuple[LibraryYear, ...]
    total: LibraryYear | None  # None when the report is one library's alone
    notes: tuple[str, ...] = ()

    def only(self, library_id: str) -> AnnualStatistics:
        """The one library's row, without the network's total."""
        rows = tuple(row for row in self.rows if row.library_id == library_id)
        return replace(self, rows=rows, total=None)


@dataclass(frozen=True)
class YearActivity:
    """What the services stored for the year, per library id."""

    sent: Mapping[str, int]
    received: Mapping[str, int]
    placed: Mapping[str, int]
    hold_seconds: Mapping[str, Sequence[float]]  # placement to filling, per hold filled


def median_days(seconds: Sequence[float]) -> Decimal | None:
    if not seconds:
        return None
    days = Decimal(repr(statistics.median(seconds))) / SECONDS_PER_DAY
    return days.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def hold_history_notes(
    year_start: datetime, now: datetime, retention: timedelta | None
) -> tuple[str, ...]:
    """A warning when holds of the year may have been deleted already: those closed before
    ``now - retention``. ``retention`` None: the holds service deletes nothing."""
    if retention is None or year_start >= now - retention:
        return ()
    kept_since = (now - retention).astimezone(year_start.tzinfo).date().isoformat()
    return (
        f"The holds service deletes closed holds {retention.days} days after they close: "
        f"holds collected, cancelled or expired before {kept_since} are no longer stored, so "
        "holds placed, holds filled and the median hold time may count too few. Transfers "
        "are complete.",
    )


def annual_statistics(
    network: Network, year: int, activity: YearActivity, notes: tuple[str, ...] = ()
) -> AnnualStatistics:
    rows = tuple(_row(member, activity) for member in network.members)
    everyone = [s for m in network.members for s in activity.hold_seconds.get(m.library_id, ())]
    total = LibraryYear(
        library_id="",
        name=f"{network.name} total",
        municipality="",
        transfers_sent=sum(r.transfers_sent for r in rows),
        transfers_received=sum(r.transfers_received for r in rows),
        holds_placed=sum(r.holds_placed for r in rows),
        holds_filled=sum(r.holds_filled for r in rows),
        median_hold_days=median_days(everyone),
    )
    return AnnualStatistics(network.name, year, rows, total, notes)


def _row(member: MemberLibrary, activity: YearActivity) -> LibraryYear:
    seconds = activity.hold_seconds.get(member.library_id, ())
    return LibraryYear(
        library_id=member.library_id,
        name=member.name,
        municipality=member.municipality,
        transfers_sent=activity.sent.get(member.library_id, 0),
        transfers_received=activity.received.get(member.library_id, 0),
        holds_placed=activity.placed.get(member.library_id, 0),
        holds_filled=len(seconds),
        median_hold_days=median_days(seconds),
    )
