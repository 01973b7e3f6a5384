"""Hostile circulation events for the holds service: broken records of every event type,
and well-formed events the state cannot take (unknown libraries, copies and holds; events
that contradict what kulkuri knows), some of which are documented anomalies instead.

The state they contradict is a few anchor titles set up before the flood (``Anchors``) and
left unchanged by every hostile event, so each one's outcome does not depend on the order
in which the others arrive."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from kulkuri.shared.events import CirculationEvent
from tests.reliability.fuzz_hostile import (
    TIME,
    Draft,
    JsonObject,
    broken_bytes,
    envelope,
    mutated,
    on_the_wire,
    reasons,
)
from tests.reliability.fuzz_valid_events import ASIKKALA, HEINOLA, HOLLOLA, LAHTI, Circulation

MEMBERS = [HOLLOLA, ASIKKALA, HEINOLA, LAHTI]
# Well-formed library ids that are not Lastu's: Helsinki's main library (a Helmet outlet),
# made-up ids, a municipality's name.
STRANGERS = ["85111", "99999", "00000", "85708x", "lastu", "Hollola"]
PREFIX = "kulkuri.circulation."


@dataclass(frozen=True)
class Anchors:
    """Titles whose state the hostile events contradict: a copy with a hold on it, a copy
    withdrawn, a hold cancelled (``bib``, ``item`` or ``hold``, ``library``)."""

    held: list[tuple[str, str, str, str]]  # bib, item, hold, pickup
    withdrawn: list[tuple[str, str]]  # bib, item
    cancelled: list[tuple[str, str]]  # bib, hold


def anchor_events(run: Circulation, count: int = 3) -> tuple[Anchors, list[CirculationEvent]]:
    events: list[CirculationEvent] = []
    anchors = Anchors([], [], [])
    for n in range(count):
        bib, item, hold = f"{run.run}-ah-{n}", f"{run.run}-ahi-{n}", f"{run.run}-ahh-{n}"
        events += [run.item_added(item, bib, HOLLOLA), run.hold_placed(hold, bib, ASIKKALA)]
        anchors.held.append((bib, item, hold, ASIKKALA))
        bib, item = f"{run.run}-aw-{n}", f"{run.run}-awi-{n}"
        events += [run.item_added(item, bib, HEINOLA), run.withdrawn(item, bib, HEINOLA)]
        anchors.withdrawn.append((bib, item))
        bib, hold = f"{run.run}-ac-{n}", f"{run.run}-ach-{n}"
        events += [run.hold_placed(hold, bib, HEINOLA), run.hold_cancelled(hold, bib)]
        anchors.cancelled.append((bib, hold))
    return anchors, events


def placed(bib: str, hold: str, pickup: str, **extra: str) -> JsonObject:
    data = {"hold_id": hold, "bib_id": bib, "pickup_library": pickup, "placed_at": TIME}
    return envelope(PREFIX + "hold-placed.v1", {**data, **extra})


def cancelled(bib: str, hold: str) -> JsonObject:
    data = {"hold_id": hold, "bib_id": bib, "cancelled_at": TIME}
    return envelope(PREFIX + "hold-cancelled.v1", data)


def added(bib: str, item: str, owner: str) -> JsonObject:
    data = {
        "item_id": item,
        "bib_id": bib,
        "owning_library": owner,
        "collection": "adult-nonfiction",
        "format": "book",
        "added_at": TIME,
    }
    return envelope(PREFIX + "item-added.v1", data)


def withdrawn(bib: str, item: str, owner: str) -> JsonObject:
    data = {"item_id": item, "bib_id": bib, "owning_library": owner, "withdrawn_at": TIME}
    return envelope(PREFIX + "item-withdrawn.v1", data)


def checked_out(bib: str, item: str, library: str, **extra: str) -> JsonObject:
    data = {"item_id": item, "bib_id": bib, "library": library, "checked_out_at": TIME}
    return envelope(PREFIX + "item-checked-out.v1", {**data, **extra})


def returned(bib: str, item: str, library: str) -> JsonObject:
    data = {"item_id": item, "bib_id": bib, "library": library, "returned_at": TIME}
    return envelope(PREFIX + "item-returned.v1", data)


TIMES = {
    "hold-placed": frozenset({"placed_at"}),
    "hold-cancelled": frozenset({"cancelled_at"}),
    "item-added": frozenset({"added_at"}),
    "item-withdrawn": frozenset({"withdrawn_at"}),
    "item-checked-out": frozenset({"checked_out_at"}),
    "item-returned": frozenset({"returned_at"}),
}
FRESH = st.integers(min_value=0, max_value=10**6)
fresh_bibs = FRESH.map(lambda n: f"fzb-{n}")
fresh_items = FRESH.map(lambda n: f"fzi-{n}")
fresh_holds = FRESH.map(lambda n: f"fzh-{n}")
members = st.sampled_from(MEMBERS)
strangers = st.sampled_from(STRANGERS)


@st.composite
def any_base(draw: st.DrawFn) -> JsonObject:
    """A valid event of any of the six types, on a title nobody else uses."""
    bib, item, hold = draw(fresh_bibs), draw(fresh_items), draw(fresh_holds)
    library = draw(members)
    return draw(
        st.sampled_from(
            [
                placed(bib, hold, library),
                cancelled(bib, hold),
                added(bib, item, library),
                withdrawn(bib, item, library),
                checked_out(bib, item, library),
                returned(bib, item, library),
            ]
        )
    )


@st.composite
def broken(draw: st.DrawFn) -> Draft:
    base = draw(any_base())
    if draw(st.booleans()):
        return draw(broken_bytes(base))
    kind = base["type"].removeprefix(PREFIX).removesuffix(".v1")
    return draw(mutated(base, TIMES[kind]))


@st.composite
def unknown_to_state(draw: st.DrawFn, anchors: Anchors) -> Draft:
    """Well-formed, and naming a library, copy or hold the consortium does not have."""
    bib = draw(st.one_of(fresh_bibs, st.sampled_from([a[0] for a in anchors.held])))
    item, hold, stranger = draw(fresh_items), draw(fresh_holds), draw(strangers)
    held_bib, held_item, _, _ = draw(st.sampled_from(anchors.held))
    choices = [
        ("placed at an unknown library", "unknown_library", placed(bib, hold, stranger)),
        ("added at an unknown library", "unknown_library", added(bib, item, stranger)),
        ("returned at an unknown library", "unknown_library", returned(bib, item, stranger)),
        ("lent at an unknown library", "unknown_library", checked_out(bib, item, stranger)),
        ("withdrawn by an unknown library", "unknown_library", withdrawn(bib, item, stranger)),
        ("unknown copy returned", "unknown_item", returned(bib, item, draw(members))),
        ("unknown copy lent", "unknown_item", checked_out(bib, item, draw(members))),
        ("unknown copy withdrawn", "unknown_item", withdrawn(bib, item, draw(members))),
        ("unknown hold cancelled", "unknown_hold", cancelled(bib, hold)),
        (
            "lent for an unknown hold",
            "unknown_hold",
            checked_out(held_bib, held_item, HOLLOLA, hold_id=hold),
        ),
    ]
    what, reason, body = draw(st.sampled_from(choices))
    return Draft(what, reasons(reason), body, key=body["data"]["bib_id"].encode())


@st.composite
def contradicting(draw: st.DrawFn, anchors: Anchors) -> Draft:
    """Well-formed, about copies and holds kulkuri knows, and impossible in their state;
    or a documented anomaly that changes nothing."""
    bib, item, hold, pickup = draw(st.sampled_from(anchors.held))
    gone_bib, gone_item = draw(st.sampled_from(anchors.withdrawn))
    closed_bib, closed_hold = draw(st.sampled_from(anchors.cancelled))
    other_bib, other_pickup = draw(fresh_bibs), draw(st.sampled_from([HEINOLA, LAHTI]))
    state = reasons("contradicts_state")
    choices = [
        ("hold placed again elsewhere", state, placed(bib, hold, other_pickup), None),
        ("copy added again elsewhere", state, added(bib, item, HEINOLA), None),
        ("hold id of another title", state, placed(other_bib, hold, pickup), None),
        ("copy id of another title", state, added(other_bib, item, HOLLOLA), None),
        ("withdrawn copy returned", state, returned(gone_bib, gone_item, HEINOLA), None),
        ("withdrawn copy lent", state, checked_out(gone_bib, gone_item, HEINOLA), None),
        (
            "expires before it was placed",
            reasons("schema_violation"),
            placed(other_bib, draw(fresh_holds), pickup, expires_at="2026-08-03T10:00:00+03:00"),
            None,
        ),
        (
            "withdrawn twice",
            frozenset(),
            withdrawn(gone_bib, gone_item, HEINOLA),
            "withdrawn_twice",
        ),
        ("cancelled twice", frozenset(), cancelled(closed_bib, closed_hold), "hold_already_closed"),
    ]
    what, allowed, body, anomaly = draw(st.sampled_from(choices))
    return Draft(what, allowed, body, key=body["data"]["bib_id"].encode(), anomaly=anomaly)


def hostile_circulation(anchors: Anchors) -> st.SearchStrategy[Draft]:
    return on_the_wire(
        st.one_of(broken(), broken(), unknown_to_state(anchors), contradicting(anchors))
    )
