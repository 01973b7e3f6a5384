"""The transport service's events as the holds service reads them: round trip, key, privacy,
and what the transport topic's codec refuses. Pure: no broker, no database."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from kulkuri.shared.errors import InvalidEventError
from kulkuri.shared.events import (
    ALL_EVENTS,
    TRANSPORT_EVENTS,
    EventCodec,
    TransferReceived,
    TransferReceivedData,
    TransportEvent,
)
from kulkuri.shared.messaging import TRANSPORT, dead_letter_topic
from tests.kafka_tools import hold_placed
from tests.unit.test_events import PRIVATE_WORDS

HELSINKI = timezone(timedelta(hours=2))
AT = datetime(2025, 3, 5, 9, 40, tzinfo=HELSINKI)


def _received() -> TransferReceived:
    data = TransferReceivedData(
        transfer_id="L004128771:1",
        item_id="L004128771",
        bib_id="lastu.412877",
        library="85754",
        received_at=AT,
    )
    return TransferReceived.create(id="tr-1", source="urn:kulkuri:transport", time=AT, data=data)


@pytest.fixture(scope="module")
def codec() -> EventCodec[TransportEvent]:
    return EventCodec(TRANSPORT_EVENTS)


def _reason(codec: EventCodec[TransportEvent], raw: bytes) -> str:
    with pytest.raises(InvalidEventError) as caught:
        codec.decode(raw)
    return caught.value.reason


def test_a_transfer_received_round_trips_through_the_transport_codec(
    codec: EventCodec[TransportEvent],
) -> None:
    event = _received()
    decoded = codec.decode(EventCodec.encode(event))
    assert type(decoded) is TransferReceived
    assert decoded == event


def test_transport_events_are_keyed_by_title_like_circulation_events() -> None:
    assert _received().partition_key() == b"lastu.412877"


def test_the_transport_topic_has_its_own_dead_letter_topic() -> None:
    assert (TRANSPORT, dead_letter_topic(TRANSPORT)) == (
        "kulkuri.transport.v1",
        "kulkuri.transport.v1.dlq",
    )


def test_a_transfer_id_of_another_copy_is_a_schema_violation(
    codec: EventCodec[TransportEvent],
) -> None:
    value = json.loads(EventCodec.encode(_received()))
    value["data"]["transfer_id"] = "L004128799:1"
    assert _reason(codec, json.dumps(value).encode()) == "schema_violation"


def test_a_transfer_received_without_a_library_is_a_schema_violation(
    codec: EventCodec[TransportEvent],
) -> None:
    value = json.loads(EventCodec.encode(_received()))
    del value["data"]["library"]
    assert _reason(codec, json.dumps(value).encode()) == "schema_violation"


def test_a_circulation_event_on_the_transport_topic_is_an_unknown_type(
    codec: EventCodec[TransportEvent],
) -> None:
    assert _reason(codec, EventCodec.encode(hold_placed(1))) == "unknown_type"


def test_transport_events_are_in_the_published_contract() -> None:
    assert set(TRANSPORT_EVENTS) <= set(ALL_EVENTS)


def test_transport_events_carry_no_patron_fields() -> None:
    names = set(TransferReceivedData.model_fields)
    assert [n for n in names if any(word in n.lower() for word in PRIVATE_WORDS)] == []
