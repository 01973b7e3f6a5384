"""The event contract: codec round trips, decode failure reasons, privacy, published schemas.

Pure and fast: no broker, no database. The drift test compares ``schemas/`` in the repository
with the pydantic models, so a model change without ``kulkuri schemas write`` fails here.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from kulkuri.shared.errors import InvalidEventError
from kulkuri.shared.events import (
    CIRCULATION_EVENTS,
    CirculationEvent,
    EventCodec,
    EventData,
    HoldCancelled,
    HoldCancelledData,
    HoldPlaced,
    HoldPlacedData,
    ItemAdded,
    ItemAddedData,
    ItemCheckedOut,
    ItemCheckedOutData,
    ItemReturned,
    ItemReturnedData,
    ItemWithdrawn,
    ItemWithdrawnData,
)

REPO_ROOT = Path(__file__).parents[2]
SCHEMA_DIR = REPO_ROOT / "schemas"
EVENTS_DOC = REPO_ROOT / "docs" / "events.md"

HELSINKI = timezone(timedelta(hours=2))
AT = datetime(2025, 3, 4, 10, 15, tzinfo=HELSINKI)
SOURCE = "urn:ils:koha:lastu"

SAMPLE_DATA: dict[type[CirculationEvent], EventData] = {
    HoldPlaced: HoldPlacedData(
        hold_id="H-000981",
        bib_id="lastu.412877",
        pickup_library="85753",
        placed_at=AT,
        expires_at=AT + timedelta(days=180),
    ),
    HoldCancelled: HoldCancelledData(
        hold_id="H-000981", bib_id="lastu.412877", cancelled_at=AT, reason="patron"
    ),
    ItemCheckedOut: ItemCheckedOutData(
        item_id="L0012345678",
        bib_id="lastu.412877",
        library="85753",
        checked_out_at=AT,
        due_at=AT + timedelta(days=28),
        hold_id="H-000981",
    ),
    ItemReturned: ItemReturnedData(
        item_id="L0012345678", bib_id="lastu.412877", library="85754", returned_at=AT
    ),
    ItemAdded: ItemAddedData(
        item_id="L0012345678",
        bib_id="lastu.412877",
        owning_library="85753",
        collection="adult-fiction",
        format="book",
        added_at=AT,
        shelf_location="84.2 KAL",
    ),
    ItemWithdrawn: ItemWithdrawnData(
        item_id="L0012345678",
        bib_id="lastu.412877",
        owning_library="85753",
        withdrawn_at=AT,
        reason="worn",
    ),
}

PRIVATE_WORDS = ("patron", "borrower", "card", "name", "email", "phone")


def _sample(event_class: type[CirculationEvent]) -> CirculationEvent:
    event = event_class.create(
        id=f"{event_class.TYPE}-0001", source=SOURCE, time=AT, data=SAMPLE_DATA[event_class]
    )
    assert isinstance(event, CirculationEvent)
    return event


def _sample_json(event_class: type[CirculationEvent]) -> dict[str, Any]:
    """A sample event as the plain JSON object a producer would send, for editing in tests."""
    value: dict[str, Any] = json.loads(EventCodec.encode(_sample(event_class)))
    return value


def _data_model(event_class: type[CirculationEvent]) -> type[BaseModel]:
    annotation = event_class.model_fields["data"].annotation
    assert isinstance(annotation, type) and issubclass(annotation, EventData)
    return annotation


@pytest.fixture(scope="module")
def codec() -> EventCodec[CirculationEvent]:
    return EventCodec(CIRCULATION_EVENTS)


def _reason(codec: EventCodec[CirculationEvent], raw: bytes | None) -> str:
    with pytest.raises(InvalidEventError) as caught:
        codec.decode(raw)
    return caught.value.reason


def test_every_event_class_has_a_sample() -> None:
    assert set(SAMPLE_DATA) == set(CIRCULATION_EVENTS)


@pytest.mark.parametrize("event_class", CIRCULATION_EVENTS, ids=lambda cls: cls.TYPE)
def test_round_trip(
    codec: EventCodec[CirculationEvent], event_class: type[CirculationEvent]
) -> None:
    event = _sample(event_class)
    decoded = codec.decode(EventCodec.encode(event))
    assert type(decoded) is event_class
    assert decoded == event
    assert decoded.time.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize("event_class", CIRCULATION_EVENTS, ids=lambda cls: cls.TYPE)
def test_encoding_is_cloudevents_structured_json(event_class: type[CirculationEvent]) -> None:
    value = _sample_json(event_class)
    assert value["specversion"] == "1.0"
    assert value["type"] == event_class.TYPE
    assert value["datacontenttype"] == "application/json"
    assert value["time"] == "2025-03-04T10:15:00+02:00"
    assert None not in value.values()


@pytest.mark.parametrize("event_class", CIRCULATION_EVENTS, ids=lambda cls: cls.TYPE)
def test_partition_key_is_bib_id(event_class: type[CirculationEvent]) -> None:
    assert _sample(event_class).partition_key() == b"lastu.412877"


def _edit(change: Any) -> bytes:
    value = _sample_json(HoldPlaced)
    change(value)
    return json.dumps(value).encode()


def _drop_bib_id(value: dict[str, Any]) -> None:
    del value["data"]["bib_id"]


def _extra_data_field(value: dict[str, Any]) -> None:
    value["data"]["patron_barcode"] = "2345678"


def _naive_time(value: dict[str, Any]) -> None:
    value["time"] = "2025-03-04T10:15:00"


def _naive_placed_at(value: dict[str, Any]) -> None:
    value["data"]["placed_at"] = "2025-03-04T10:15:00"


def _expires_before_placed(value: dict[str, Any]) -> None:
    value["data"]["expires_at"] = "2025-03-03T10:15:00+02:00"


def _expires_at_placed(value: dict[str, Any]) -> None:
    value["data"]["expires_at"] = value["data"]["placed_at"]


def _space_in_id(value: dict[str, Any]) -> None:
    value["data"]["bib_id"] = "lastu 412877"


def _missing_type(value: dict[str, Any]) -> None:
    del value["type"]


def _unknown_type(value: dict[str, Any]) -> None:
    value["type"] = "kulkuri.circulation.hold-placed.v9"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param(b"{not json", "bad_json", id="invalid-json"),
        pytest.param(b'{"id": "x"', "bad_json", id="truncated-json"),
        pytest.param(b"", "bad_json", id="empty-bytes"),
        pytest.param(None, "bad_json", id="tombstone-none"),
        pytest.param(_edit(_unknown_type), "unknown_type", id="unknown-type"),
        pytest.param(_edit(_missing_type), "schema_violation", id="missing-type"),
        pytest.param(_edit(_drop_bib_id), "schema_violation", id="missing-field"),
        pytest.param(_edit(_extra_data_field), "schema_violation", id="extra-data-field"),
        pytest.param(_edit(_naive_time), "schema_violation", id="naive-time"),
        pytest.param(_edit(_naive_placed_at), "schema_violation", id="naive-placed-at"),
        pytest.param(_edit(_expires_before_placed), "schema_violation", id="expires-before-placed"),
        pytest.param(_edit(_expires_at_placed), "schema_violation", id="expires-at-placed"),
        pytest.param(_edit(_space_in_id), "schema_violation", id="space-in-id"),
    ],
)
def test_decode_failure_reason(
    codec: EventCodec[CirculationEvent], raw: bytes | None, reason: str
) -> None:
    assert _reason(codec, raw) == reason


def test_unknown_type_detail_names_the_type(codec: EventCodec[CirculationEvent]) -> None:
    with pytest.raises(InvalidEventError) as caught:
        codec.decode(_edit(_unknown_type))
    assert "kulkuri.circulation.hold-placed.v9" in caught.value.detail


def test_schema_violation_detail_names_the_field(codec: EventCodec[CirculationEvent]) -> None:
    with pytest.raises(InvalidEventError) as caught:
        codec.decode(_edit(_drop_bib_id))
    assert "data.bib_id" in caught.value.detail


def test_extension_attributes_are_kept(codec: EventCodec[CirculationEvent]) -> None:
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    value = _sample_json(ItemReturned)
    value["traceparent"] = traceparent
    value["kohainstance"] = "lastu-prod"
    decoded = codec.decode(json.dumps(value).encode())
    assert decoded.model_extra == {"traceparent": traceparent, "kohainstance": "lastu-prod"}
    encoded = json.loads(EventCodec.encode(decoded))
    assert encoded["traceparent"] == traceparent
    assert encoded["kohainstance"] == "lastu-prod"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        pytest.param("tyme", {"nested": 1}, id="nested-value"),
        pytest.param("Trace_Parent", "00-x", id="name-breaks-the-naming-rule"),
        pytest.param("averyveryverylongextensionname", "x", id="name-over-20-characters"),
    ],
)
def test_extensions_must_be_plain_and_well_named(
    codec: EventCodec[CirculationEvent], name: str, value: object
) -> None:
    event = _sample_json(ItemReturned)
    event[name] = value
    with pytest.raises(InvalidEventError) as caught:
        codec.decode(json.dumps(event).encode())
    assert caught.value.reason == "schema_violation"


def test_specversion_is_required(codec: EventCodec[CirculationEvent]) -> None:
    event = _sample_json(ItemReturned)
    del event["specversion"]
    with pytest.raises(InvalidEventError) as caught:
        codec.decode(json.dumps(event).encode())
    assert caught.value.reason == "schema_violation"


def test_json_content_type_may_carry_a_charset(codec: EventCodec[CirculationEvent]) -> None:
    event = _sample_json(ItemReturned)
    event["datacontenttype"] = "application/json; charset=utf-8"
    assert codec.decode(json.dumps(event).encode()).datacontenttype.endswith("utf-8")


def test_dedupe_key_is_source_and_id() -> None:
    a = ItemReturned.create(id="1", source="urn:ils:a", time=AT, data=SAMPLE_DATA[ItemReturned])
    b = ItemReturned.create(id="1", source="urn:ils:b", time=AT, data=SAMPLE_DATA[ItemReturned])
    assert a.dedupe_key != b.dedupe_key


def test_create_passes_extensions_through() -> None:
    event = ItemReturned.create(
        id="e-1", source=SOURCE, time=AT, data=SAMPLE_DATA[ItemReturned], traceparent="00-x"
    )
    assert json.loads(EventCodec.encode(event))["traceparent"] == "00-x"


@pytest.mark.parametrize("event_class", CIRCULATION_EVENTS, ids=lambda cls: cls.TYPE)
def test_no_patron_identifier_fields(event_class: type[CirculationEvent]) -> None:
    fields = set(_data_model(event_class).model_fields) | set(CirculationEvent.model_fields)
    offending = sorted(
        field for field in fields if any(word in field.lower() for word in PRIVATE_WORDS)
    )
    assert offending == [], f"{event_class.TYPE} has fields that may identify a patron"
