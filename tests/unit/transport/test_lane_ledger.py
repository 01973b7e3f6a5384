"""The lane ledger's rules: the service day, what waits on which lane, and the day's demand."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kulkuri.transport.lanes.ledger import (
    CutOff,
    Entry,
    Lane,
    Move,
    demand,
    fold,
    from_record,
    to_record,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
CUTOFF = CutOff(dt.time(6, 0), HELSINKI)
LAHTI, HOLLOLA, HUB = "85910", "85920", "HUB"
DAY = dt.date(2026, 8, 3)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=HELSINKI)


def move(
    status: str,
    at: dt.datetime,
    *,
    location: str | None = LAHTI,
    next_stop: str | None = HOLLOLA,
    crate: str | None = None,
    transfer: str = "i1:1",
) -> Move:
    return Move(transfer, status, location, next_stop, crate, at)


def replay(*moves: Move) -> Entry | None:
    entry: Entry | None = None
    for m in moves:
        entry = fold(entry, m, CUTOFF) or entry
    return entry


@pytest.mark.parametrize(
    ("waiting_since", "service_day"),
    [
        pytest.param(local(DAY, 5, 59), DAY, id="before-cutoff-same-day"),
        pytest.param(local(DAY, 6, 0), DAY + dt.timedelta(days=1), id="at-cutoff-next-day"),
        pytest.param(local(DAY, 23, 30), DAY + dt.timedelta(days=1), id="evening-next-day"),
        # 02:30 UTC is 05:30 in Helsinki in summer (UTC+3) but 04:30 in winter (UTC+2).
        pytest.param(
            dt.datetime(2026, 8, 3, 2, 59, tzinfo=dt.UTC), DAY, id="utc-before-local-cutoff"
        ),
        pytest.param(
            dt.datetime(2026, 8, 3, 3, 0, tzinfo=dt.UTC),
            DAY + dt.timedelta(days=1),
            id="utc-at-local-summer-cutoff",
        ),
        pytest.param(
            dt.datetime(2026, 12, 3, 3, 59, tzinfo=dt.UTC),
            dt.date(2026, 12, 3),
            id="winter-offset",
        ),
    ],
)
def test_a_copy_belongs_to_the_day_whose_cutoff_it_waits_for(
    waiting_since: dt.datetime, service_day: dt.date
) -> None:
    assert CUTOFF.service_day(waiting_since) == service_day


def test_a_requested_copy_waits_on_its_lane_for_its_service_day() -> None:
    entry = replay(move("requested", local(DAY, 5, 0)))

    assert entry == Entry(local(DAY, 5, 0), Lane(LAHTI, HOLLOLA), DAY)


def test_packing_on_the_same_lane_keeps_the_day_the_copy_started_waiting() -> None:
    entry = replay(
        move("requested", local(DAY, 5, 0)),
        move("packed", local(DAY, 7, 0), crate="c1"),
    )

    assert entry is not None and entry.service_day == DAY and entry.crate_id == "c1"


def test_a_retarget_starts_a_new_wait_on_the_new_lane() -> None:
    entry = replay(
        move("requested", local(DAY, 5, 0)),
        move("requested", local(DAY, 7, 0), next_stop=HUB),
    )

    assert entry is not None
    assert entry.lane == Lane(LAHTI, HUB)
    assert entry.service_day == DAY + dt.timedelta(days=1)


def test_unloading_at_a_hub_puts_the_copy_on_the_hubs_lane() -> None:
    entry = replay(
        move("packed", local(DAY, 5, 0), next_stop=HUB, crate="c1"),
        move("loaded", local(DAY, 8, 0), location=None, next_stop=None, crate="c1"),
        move("unloaded", local(DAY, 11, 0), location=HUB, next_stop=HOLLOLA, crate="c1"),
    )

    assert entry is not None and entry.lane == Lane(HUB, HOLLOLA) and entry.crate_id is None


@pytest.mark.parametrize("status", ["loaded", "received", "cancelled", "missing", "waiting"])
def test_a_move_without_a_next_stop_takes_the_copy_off_its_lane(status: str) -> None:
    entry = replay(
        move("requested", local(DAY, 5, 0)),
        move(status, local(DAY, 8, 0), next_stop=None),
    )

    assert entry == Entry(local(DAY, 8, 0))
    assert demand([entry], DAY).lanes == ()


def test_a_redelivered_older_move_changes_nothing() -> None:
    loaded = replay(
        move("requested", local(DAY, 5, 0)),
        move("loaded", local(DAY, 8, 0), location=None, next_stop=None),
    )

    assert fold(loaded, move("requested", local(DAY, 5, 0)), CUTOFF) is None


def test_the_same_move_twice_gives_the_same_entry() -> None:
    once = replay(move("requested", local(DAY, 5, 0)))
    twice = replay(move("requested", local(DAY, 5, 0)), move("requested", local(DAY, 5, 0)))

    assert once == twice


def test_demand_counts_items_distinct_crates_and_carried_over_per_lane() -> None:
    yesterday = DAY - dt.timedelta(days=1)
    entries = [
        Entry(local(DAY, 4), Lane(LAHTI, HOLLOLA), DAY, "c1"),
        Entry(local(DAY, 4), Lane(LAHTI, HOLLOLA), DAY, "c1"),
        Entry(local(DAY, 4), Lane(LAHTI, HOLLOLA), DAY, "c2"),
        Entry(local(DAY, 4), Lane(LAHTI, HOLLOLA), DAY),
        Entry(local(yesterday, 4), Lane(LAHTI, HOLLOLA), yesterday),
        Entry(local(DAY, 4), Lane(HOLLOLA, LAHTI), DAY),
        Entry(local(DAY, 9), Lane(HOLLOLA, LAHTI), DAY + dt.timedelta(days=1)),  # tomorrow's
        Entry(local(DAY, 4)),  # off its lane
    ]

    counted = demand(entries, DAY)

    assert [(c.lane, c.items, c.crates, c.carried_over) for c in counted.lanes] == [
        (Lane(LAHTI, HOLLOLA), 5, 2, 1),
        (Lane(HOLLOLA, LAHTI), 1, 0, 0),
    ]
    assert (counted.items, counted.crates) == (6, 2)


def test_a_day_is_due_once_its_cutoff_has_passed_and_only_until_published() -> None:
    assert CUTOFF.due_day(local(DAY, 5, 59), set()) is None
    assert CUTOFF.due_day(local(DAY, 6, 0), set()) == DAY
    assert CUTOFF.due_day(local(DAY, 23, 0), {DAY}) is None
    # 23:30 UTC is already tomorrow in Helsinki, but before tomorrow's cut-off.
    assert CUTOFF.due_day(dt.datetime(2026, 8, 3, 23, 30, tzinfo=dt.UTC), set()) is None


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param(Entry(local(DAY, 4)), id="off-lane"),
        pytest.param(Entry(local(DAY, 4), Lane(LAHTI, HUB), DAY), id="waiting"),
        pytest.param(Entry(local(DAY, 4), Lane(LAHTI, HUB), DAY, "c9"), id="packed"),
    ],
)
def test_an_entry_survives_its_changelog_record(entry: Entry) -> None:
    assert from_record(to_record(entry)) == entry
