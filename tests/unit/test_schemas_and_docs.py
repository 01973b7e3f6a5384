"""The published contract: JSON Schemas match the models, and the docs' examples are valid.

A model change without ``kulkuri schemas write`` fails here, and so does an example in
docs/events.md that kulkuri would not accept.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from kulkuri.shared.events import (
    ALL_EVENTS,
    CIRCULATION_EVENTS,
    DEMAND_EVENTS,
    HOLDS_EVENTS,
    MOVEMENT_EVENTS,
    ROUTING_EVENTS,
    SCAN_EVENTS,
    TRANSPORT_EVENTS,
    EventCodec,
    HoldPlaced,
    ItemWithdrawn,
)
from kulkuri.shared.events.schemas import (
    JSON_SCHEMA_DIALECT,
    all_schemas,
    drifted,
    render,
    schema_file_name,
    write_schemas,
)
from tests.unit.test_events import PRIVATE_WORDS

REPO_ROOT = Path(__file__).parents[2]
SCHEMA_DIR = REPO_ROOT / "schemas"
EVENTS_DOC = REPO_ROOT / "docs" / "events.md"


def test_no_patron_identifier_properties_in_schemas() -> None:
    """Catches nested models too: every property name anywhere in the published schemas."""

    def property_names(node: Any) -> set[str]:
        if isinstance(node, dict):
            names = set(node.get("properties", {})) if "properties" in node else set()
            return names.union(*(property_names(child) for child in node.values()))
        if isinstance(node, list):
            return set().union(*(property_names(child) for child in node))
        return set()

    names = property_names(all_schemas())
    assert "bib_id" in names
    assert [n for n in names if any(word in n.lower() for word in PRIVATE_WORDS)] == []


def test_schemas_cover_every_event_type() -> None:
    schemas = all_schemas()
    assert sorted(schemas) == sorted(f"{cls.TYPE}.json" for cls in ALL_EVENTS)
    for cls in ALL_EVENTS:
        schema = schemas[schema_file_name(cls)]
        assert schema["$schema"] == JSON_SCHEMA_DIALECT
        assert schema["$id"] == f"urn:kulkuri:schema:{cls.TYPE}"
        assert schema["title"] == cls.TYPE
        assert schema["properties"]["type"]["const"] == cls.TYPE
        assert {"id", "source", "specversion", "type", "time", "data"} <= set(schema["required"])


def test_render_is_deterministic() -> None:
    schema = all_schemas()[schema_file_name(HoldPlaced)]
    text = render(schema)
    assert text == render(json.loads(text))
    assert text.endswith("}\n")


def test_published_schemas_match_models() -> None:
    assert drifted(SCHEMA_DIR) == [], (
        f"the JSON Schemas in {SCHEMA_DIR} differ from the event models; "
        "run `kulkuri schemas write` and commit the result"
    )


def test_drift_is_detected(tmp_path: Path) -> None:
    paths = write_schemas(tmp_path)
    assert sorted(p.name for p in paths) == sorted(all_schemas())
    assert drifted(tmp_path) == []

    changed = tmp_path / schema_file_name(HoldPlaced)
    changed.write_text(changed.read_text().replace("Opaque hold id", "Hold id"))
    assert drifted(tmp_path) == [changed.name]

    deleted = tmp_path / schema_file_name(ItemWithdrawn)
    deleted.unlink()
    assert drifted(tmp_path) == sorted([changed.name, deleted.name])

    write_schemas(tmp_path)
    assert drifted(tmp_path) == []


def test_stale_schema_is_drift_and_is_removed(tmp_path: Path) -> None:
    write_schemas(tmp_path)
    stale = tmp_path / "kulkuri.circulation.hold-placed.v0.json"
    stale.write_text("{}\n")
    unrelated = tmp_path / "README.md"
    unrelated.write_text("not a schema\n")
    assert drifted(tmp_path) == [stale.name]

    write_schemas(tmp_path)
    assert not stale.exists()
    assert unrelated.exists()
    assert drifted(tmp_path) == []


def test_missing_directory_is_all_drift(tmp_path: Path) -> None:
    assert drifted(tmp_path / "nowhere") == sorted(all_schemas())


def _doc_examples() -> list[str]:
    text = EVENTS_DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.DOTALL)
    return [block for block in blocks if '"specversion"' in block]


# The events of each topic the docs describe, decoded with that topic's codec.
TOPIC_EVENTS = (
    CIRCULATION_EVENTS,
    HOLDS_EVENTS,
    TRANSPORT_EVENTS,
    MOVEMENT_EVENTS,
    DEMAND_EVENTS,
    SCAN_EVENTS,
    ROUTING_EVENTS,
)
CODEC_OF_TYPE: dict[str, EventCodec[Any]] = {
    cls.TYPE: EventCodec(events) for events in TOPIC_EVENTS for cls in events
}


def test_docs_have_an_example_for_every_event_type() -> None:
    types = {json.loads(block)["type"] for block in _doc_examples()}
    assert types >= set(CODEC_OF_TYPE)


@pytest.mark.parametrize(
    "example",
    _doc_examples() if EVENTS_DOC.exists() else [],
    ids=lambda block: str(json.loads(block)["type"]),
)
def test_docs_examples_decode(example: str) -> None:
    """The examples in docs/events.md are what integrators copy; they must be valid. Each is
    decoded with the codec of its topic (circulation, the holds service's decisions, the
    transport topic, the lane topics), so an example on the wrong topic fails too."""
    event_type = json.loads(example)["type"]
    # A type of no topic above is still decoded, against the whole contract.
    codec = CODEC_OF_TYPE.get(event_type) or EventCodec(ALL_EVENTS)
    event = codec.decode(example.encode())
    assert event.type == event_type


# The data field the docs name as each non-circulation topic's message key.
DOCUMENTED_KEY = {
    **{cls.TYPE: "bib_id" for cls in TRANSPORT_EVENTS},
    **{cls.TYPE: "transfer_id" for cls in MOVEMENT_EVENTS},
    **{cls.TYPE: "service_day" for cls in DEMAND_EVENTS},
    **{cls.TYPE: "barcode" for cls in SCAN_EVENTS},
    **{cls.TYPE: "service_day" for cls in ROUTING_EVENTS},
}


@pytest.mark.parametrize("event_type", sorted(DOCUMENTED_KEY))
def test_transport_and_lane_examples_are_keyed_as_the_docs_say(event_type: str) -> None:
    example = next(b for b in _doc_examples() if json.loads(b)["type"] == event_type)
    event = CODEC_OF_TYPE[event_type].decode(example.encode())
    expected = json.loads(example)["data"][DOCUMENTED_KEY[event_type]]
    assert event.partition_key() == expected.encode()
