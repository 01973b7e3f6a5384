"""Every event the simulator produces is one the services accept: it decodes with the
circulation codec, validates against its published JSON Schema, is keyed by its title, and
names no patron."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from kulkuri.shared.events import CIRCULATION_EVENTS, EventCodec
from kulkuri.simulator import dry_run_events
from tests.unit.simulator.builders import WEDNESDAY, small_config
from tests.unit.test_events import PRIVATE_WORDS

jsonschema = pytest.importorskip("jsonschema")

SCHEMAS = Path(__file__).parents[3] / "schemas"
CODEC = EventCodec(CIRCULATION_EVENTS)
OPAQUE_HOLD = re.compile(r"^sim-unit-h\d{8}$")


@cache
def validator(event_type: str) -> Any:
    schema = json.loads((SCHEMAS / f"{event_type}.json").read_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_every_event_decodes_and_validates_against_its_schema() -> None:
    kinds = set()
    for event in dry_run_events(small_config(days=2), WEDNESDAY):
        raw = EventCodec.encode(event)
        assert EventCodec.encode(CODEC.decode(raw)) == raw
        validator(event.type).validate(json.loads(raw))
        assert event.partition_key() == event.data.bib_id.encode()
        kinds.add(event.type)
    assert {cls.TYPE for cls in CIRCULATION_EVENTS} - kinds == {
        "kulkuri.circulation.item-withdrawn.v1"
    }, "every kind the simulator makes was checked"


def test_events_carry_opaque_hold_ids_and_no_patron_fields() -> None:
    for event in dry_run_events(small_config(), WEDNESDAY):
        raw = json.loads(EventCodec.encode(event))
        names = set(raw) | set(raw["data"])
        assert not [n for n in names if any(word in n.lower() for word in PRIVATE_WORDS)]
        hold_id = raw["data"].get("hold_id")
        assert hold_id is None or OPAQUE_HOLD.match(hold_id), hold_id
