"""The holds service's outbound events: round trips, keys, privacy, published schemas, docs.

Pure and fast like ``test_events.py``: no broker, no database.
"""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from kulkuri.holds.domain import decisions
from kulkuri.shared.errors import InvalidEventError
from kulkuri.shared.events import ALL_EVENTS, EventCodec, EventData
from kulkuri.shared.events.holds import (
    HOLDS_EVENTS,
    AnomalyRecorded,
    AnomalyRecordedData,
    CopyAssigned,
    CopyAssignedData,
    HoldClosed,
    HoldClosedData,
    HoldQueued,
    HoldQueuedData,
    HoldReadyForPickup,
    HoldReadyForPickupData,
    HoldsEvent,
    ItemShelved,
    ItemShelvedData,
    TransferCancelled,
    TransferCancelledData,
    TransferRequested,
    TransferRequestedData,
    TransferRetargeted,
    TransferRetargetedData,
)
from kulkuri.shared.events.schemas import all_schemas, drifted, schema_file_name

REPO_ROOT = Path(__file__).parents[2]
SCHEMA_DIR = REPO_ROOT / "schemas"
EVENTS_DOC = REPO_ROOT / "docs" / "events.md"

HELSINKI = timezone(timedelta(hours=2))
AT = datetime(2025, 3, 4, 10, 15, tzinfo=HELSINKI)
SOURCE = "urn:kulkuri:holds"
BIB = "lastu.412877"

SAMPLE_DATA: dict[type[HoldsEvent], EventData] = {
    CopyAssigned: CopyAssignedData(
        hold_id="H-000981",
        bib_id=BIB,
        item_id="L0012345678",
        from_library="85754",
        pickup_library="85753",
        pull_from_shelf=True,
        decided_at=AT,
    ),
    TransferRequested: TransferRequestedData(
        transfer_id="L0012345678:1",
        item_id="L0012345678",
        bib_id=BIB,
        from_library="85754",
        to_library="85753",
        reason="hold",
        hold_id="H-000981",
        decided_at=AT,
    ),
    TransferRetargeted: TransferRetargetedData(
        transfer_id="L0012345678:1",
        item_id="L0012345678",
        bib_id=BIB,
        old_destination="85753",
        new_destination="85755",
        reason="hold",
        hold_id="H-000982",
        decided_at=AT,
    ),
    TransferCancelled: TransferCancelledData(
        transfer_id="L0012345678:2",
        item_id="L0012345678",
        bib_id=BIB,
        reason="checked_out",
        decided_at=AT,
    ),
    HoldQueued: HoldQueuedData(hold_id="H-000983", bib_id=BIB, position=2, decided_at=AT),
    HoldReadyForPickup: HoldReadyForPickupData(
        hold_id="H-000981", bib_id=BIB, item_id="L0012345678", library="85753", decided_at=AT
    ),
    HoldClosed: HoldClosedData(hold_id="H-000981", bib_id=BIB, outcome="collected", decided_at=AT),
    ItemShelved: ItemShelvedData(item_id="L0012345679", bib_id=BIB, library="85754", decided_at=AT),
    AnomalyRecorded: AnomalyRecordedData(
        kind="received_twice",
        entity="L0012345678",
        bib_id=BIB,
        detail="already at 85753",
        decided_at=AT,
    ),
}

DOMAIN_DECISION: dict[type[HoldsEvent], type[Any]] = {
    CopyAssigned: decisions.CopyAssigned,
    TransferRequested: decisions.TransferRequested,
    TransferRetargeted: decisions.TransferRetargeted,
    TransferCancelled: decisions.TransferCancelled,
    HoldQueued: decisions.HoldQueued,
    HoldReadyForPickup: decisions.HoldReadyForPickup,
    HoldClosed: decisions.HoldClosed,
    ItemShelved: decisions.ItemShelved,
    AnomalyRecorded: decisions.Anomaly,
}

PRIVATE_WORDS = ("patron", "borrower", "card", "name", "email", "phone")

by_type = pytest.mark.parametrize("event_class", HOLDS_EVENTS, ids=lambda cls: cls.TYPE)


def _sample(event_class: type[HoldsEvent]) -> HoldsEvent:
    event = event_class.create(
        id=f"{event_class.TYPE}-0001", source=SOURCE, time=AT, data=SAMPLE_DATA[event_class]
    )
    assert isinstance(event, HoldsEvent)
    return event


def _data_model(event_class: type[HoldsEvent]) -> type[BaseModel]:
    annotation = event_class.model_fields["data"].annotation
    assert isinstance(annotation, type) and issubclass(annotation, EventData)
    return annotation


@pytest.fixture(scope="module")
def codec() -> EventCodec[HoldsEvent]:
    return EventCodec(HOLDS_EVENTS)


def test_every_event_class_has_a_sample_and_a_decision() -> None:
    assert set(SAMPLE_DATA) == set(HOLDS_EVENTS) == set(DOMAIN_DECISION)
    assert set(DOMAIN_DECISION.values()) == set(typing.get_args(decisions.Decision))


def test_type_names() -> None:
    assert [cls.TYPE for cls in HOLDS_EVENTS] == [
        f"kulkuri.holds.{name}.v1"
        for name in (
            "copy-assigned",
            "transfer-requested",
            "transfer-retargeted",
            "transfer-cancelled",
            "hold-queued",
            "hold-ready-for-pickup",
            "hold-closed",
            "item-shelved",
            "anomaly-recorded",
        )
    ]
    assert all(cls.VERSION == 1 for cls in HOLDS_EVENTS)


@by_type
def test_round_trip(codec: EventCodec[HoldsEvent], event_class: type[HoldsEvent]) -> None:
    event = _sample(event_class)
    decoded = codec.decode(EventCodec.encode(event))
    assert type(decoded) is event_class
    assert decoded == event
    assert decoded.data.decided_at.utcoffset() == timedelta(hours=2)


@by_type
def test_encoding_is_cloudevents_structured_json(event_class: type[HoldsEvent]) -> None:
    value = json.loads(EventCodec.encode(_sample(event_class)))
    assert value["specversion"] == "1.0"
    assert value["type"] == event_class.TYPE
    assert value["datacontenttype"] == "application/json"
    assert value["data"]["decided_at"] == "2025-03-04T10:15:00+02:00"
    assert None not in value.values()


@by_type
def test_partition_key_is_bib_id(event_class: type[HoldsEvent]) -> None:
    assert _sample(event_class).partition_key() == BIB.encode()


@by_type
def test_data_mirrors_the_domain_decision(event_class: type[HoldsEvent]) -> None:
    """Every field of the decision is published under the same name, plus bib_id and
    decided_at; nothing else."""
    domain_fields = {field.name for field in dataclasses.fields(DOMAIN_DECISION[event_class])}
    assert set(_data_model(event_class).model_fields) == domain_fields | {"bib_id", "decided_at"}


@pytest.mark.parametrize(
    ("literal_field", "enum"),
    [
        pytest.param(
            TransferRequestedData.model_fields["reason"], decisions.TransferReason, id="requested"
        ),
        pytest.param(
            TransferRetargetedData.model_fields["reason"],
            decisions.TransferReason,
            id="retargeted",
        ),
        pytest.param(HoldClosedData.model_fields["outcome"], decisions.HoldOutcome, id="outcome"),
    ],
)
def test_literals_match_the_domain_enums(literal_field: Any, enum: Any) -> None:
    assert set(typing.get_args(literal_field.annotation)) == {member.value for member in enum}


@by_type
def test_no_patron_identifier_fields(event_class: type[HoldsEvent]) -> None:
    fields = set(_data_model(event_class).model_fields) | set(HoldsEvent.model_fields)
    offending = sorted(
        field for field in fields if any(word in field.lower() for word in PRIVATE_WORDS)
    )
    assert offending == [], f"{event_class.TYPE} has fields that may identify a patron"


def _with_data(event_class: type[HoldsEvent], **changes: Any) -> bytes:
    value = json.loads(EventCodec.encode(_sample(event_class)))
    for field, new in changes.items():
        if new is None:
            del value["data"][field]
        else:
            value["data"][field] = new
    return json.dumps(value).encode()


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(_with_data(HoldQueued, bib_id=None), id="missing-bib-id"),
        pytest.param(_with_data(ItemShelved, decided_at=None), id="missing-decided-at"),
        pytest.param(_with_data(HoldClosed, decided_at="2025-03-04T10:15:00"), id="naive"),
        pytest.param(_with_data(HoldQueued, position=0), id="position-0"),
        pytest.param(_with_data(HoldClosed, outcome="filled"), id="unknown-outcome"),
        pytest.param(_with_data(TransferRequested, reason="whim"), id="unknown-reason"),
        pytest.param(_with_data(TransferCancelled, reason="lost"), id="unknown-cancel-reason"),
        pytest.param(_with_data(TransferRequested, transfer_id="L0012345678"), id="bare-id"),
        pytest.param(_with_data(TransferRequested, transfer_id="L00123:0"), id="transfer-0"),
        pytest.param(_with_data(AnomalyRecorded, kind="Received Twice"), id="kind-format"),
        pytest.param(_with_data(CopyAssigned, patron_barcode="2345678"), id="extra-field"),
    ],
)
def test_contract_violations_are_rejected(codec: EventCodec[HoldsEvent], raw: bytes) -> None:
    with pytest.raises(InvalidEventError) as caught:
        codec.decode(raw)
    assert caught.value.reason == "schema_violation"


def test_optional_hold_id_may_be_left_out(codec: EventCodec[HoldsEvent]) -> None:
    decoded = codec.decode(_with_data(TransferRequested, hold_id=None, reason="rebalance"))
    assert isinstance(decoded.data, TransferRequestedData)
    assert decoded.data.hold_id is None
    assert "hold_id" not in json.loads(EventCodec.encode(decoded))["data"]


def test_transfer_id_fits_the_longest_item_id() -> None:
    data = SAMPLE_DATA[TransferCancelled].model_dump()
    data["item_id"] = "L" * 100
    data["transfer_id"] = f"{'L' * 100}:12345"
    assert TransferCancelledData.model_validate(data).transfer_id.endswith(":12345")


def test_circulation_codec_does_not_accept_holds_events() -> None:
    """Each topic has its own codec: a holds decision on the circulation topic is foreign."""
    from kulkuri.shared.events import CIRCULATION_EVENTS

    with pytest.raises(InvalidEventError) as caught:
        EventCodec(CIRCULATION_EVENTS).decode(EventCodec.encode(_sample(CopyAssigned)))
    assert caught.value.reason == "unknown_type"


def test_all_events_is_circulation_and_holds() -> None:
    types = [cls.TYPE for cls in ALL_EVENTS]
    assert len(types) == len(set(types))
    assert {cls.TYPE for cls in HOLDS_EVENTS} <= set(types)


@by_type
def test_schema_is_published(event_class: type[HoldsEvent]) -> None:
    name = schema_file_name(event_class)
    assert name in all_schemas()
    assert (SCHEMA_DIR / name).is_file(), f"run `kulkuri schemas write`: {name} is missing"
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    assert schema["properties"]["type"]["const"] == event_class.TYPE


def test_published_schemas_match_models() -> None:
    assert drifted(SCHEMA_DIR) == [], "run `kulkuri schemas write` and commit the result"


def _doc_examples() -> dict[str, str]:
    text = EVENTS_DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.DOTALL)
    return {
        json.loads(block)["type"]: block
        for block in blocks
        if '"specversion"' in block and '"kulkuri.holds.' in block
    }


def test_docs_have_an_example_for_every_holds_event_type() -> None:
    assert set(_doc_examples()) == {cls.TYPE for cls in HOLDS_EVENTS}


@by_type
def test_docs_example_decodes_and_is_keyed_by_bib_id(
    codec: EventCodec[HoldsEvent], event_class: type[HoldsEvent]
) -> None:
    example = _doc_examples()[event_class.TYPE]
    event = codec.decode(example.encode())
    assert type(event) is event_class
    assert event.partition_key() == json.loads(example)["data"]["bib_id"].encode()
