"""Every decision the domain can take has an event, with the title's key and a stable id."""

from __future__ import annotations

import typing
from datetime import UTC, datetime

import pytest

from kulkuri.holds.adapters.decision_events import EVENT_FOR, SOURCE, decision_event
from kulkuri.holds.domain import decisions as domain
from kulkuri.shared.events import HOLDS_EVENTS, EventCodec
from tests.kafka_tools import hold_placed

AT = datetime(2026, 8, 3, 10, 0, tzinfo=UTC)
SAMPLES: list[domain.Decision] = [
    domain.CopyAssigned("h1", "b1", "i1", "85910", "85708", pull_from_shelf=True),
    domain.TransferRequested(
        "i1:1", "i1", "b1", "85910", "85708", domain.TransferReason.HOLD, "h1"
    ),
    domain.TransferRetargeted(
        "i1:1", "i1", "85708", "85033", domain.TransferReason.RETURN_TO_OWNER, None
    ),
    domain.TransferCancelled("i1:1", "i1", "checked_out"),
    domain.HoldQueued("h2", "b1", 1),
    domain.HoldReadyForPickup("h1", "i1", "85708"),
    domain.HoldClosed("h1", domain.HoldOutcome.COLLECTED),
    domain.ItemShelved("i1", "85910"),
    domain.Anomaly("returned_while_on_shelf", "i1", "checked in while already on the shelf"),
]


def test_every_decision_type_has_an_event() -> None:
    assert set(EVENT_FOR) == set(typing.get_args(domain.Decision))
    assert set(EVENT_FOR.values()) == set(HOLDS_EVENTS)


@pytest.mark.parametrize("decision", SAMPLES, ids=lambda d: type(d).__name__)
def test_a_decision_becomes_an_event_keyed_by_its_title(decision: domain.Decision) -> None:
    cause = hold_placed(1, bib="b1")
    event = decision_event(decision, bib_id="b1", cause=cause.dedupe_key, index=0, decided_at=AT)
    assert event.partition_key() == b"b1"
    assert event.source == SOURCE
    assert event.data.decided_at == AT
    decoded = EventCodec(HOLDS_EVENTS).decode(EventCodec.encode(event))
    assert decoded == event
    # Built without validation, it is exactly what the validating constructor gives.
    validated = type(event).create(
        id=event.id, source=event.source, time=event.time, data=type(event.data)(**dict(event.data))
    )
    assert event == validated
    assert EventCodec.encode(event) == EventCodec.encode(validated)


def test_the_same_cause_and_place_give_the_same_id() -> None:
    cause = hold_placed(1, bib="b1")

    def make(index: int) -> str:
        return decision_event(
            SAMPLES[4], bib_id="b1", cause=cause.dedupe_key, index=index, decided_at=AT
        ).id

    assert make(0) == make(0)
    assert make(0) != make(1)
