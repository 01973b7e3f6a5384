"""Hypothesis strategies for hostile records: what a broken or malicious producer could put
on a topic, each with what the consuming service must do with it instead of taking effect.

A strategy draws a ``Draft``: an event as JSON (or raw bytes) whose ``id`` and ``source``
are left as markers, filled in by ``finish`` so that every record that decodes is a new
event to the inbox (a repeated id would count as a duplicate, not a refusal). The mutations
here apply to any event type; the topic-specific ones (unknown libraries, items, holds,
crates, and events contradicting state) are in fuzz_hostile_circulation and
fuzz_hostile_scans.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import strategies as st

from tests.reliability.fuzz_kafka import Outgoing

FRESH_ID, FRESH_SOURCE = "<fresh id>", "<fresh source>"
TIME = "2026-08-03T10:15:00+03:00"
JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Draft:
    """``body`` is the event as JSON-able data, or ``raw`` the value's bytes (None: a
    tombstone). ``reasons``: the dead-letter reasons that are right for it; ``anomaly``: the
    anomaly kind it records instead of being dead-lettered."""

    what: str
    reasons: frozenset[str]
    body: JsonObject | None = None
    raw: bytes | None = None
    key: bytes | None = b"fuzz"
    headers: tuple[tuple[str, bytes], ...] = ()
    anomaly: str | None = None


@dataclass(frozen=True)
class Hostile:
    what: str
    record: Outgoing
    reasons: frozenset[str]
    anomaly: str | None
    event_key: str | None  # source and id, when the record carries them as strings


def finish(draft: Draft, n: int, run: str) -> Hostile:
    """The record to send: markers replaced by the ``n``-th id of ``run``."""
    event_key = None
    if draft.body is None:
        value = draft.raw
    else:
        body = {k: _fill(v, n, run) for k, v in draft.body.items()}
        if isinstance(body.get("id"), str) and isinstance(body.get("source"), str):
            event_key = f"{body['source']} {body['id']}"
        # surrogatepass: a lone surrogate a strategy put in a string goes out as the invalid
        # UTF-8 a broken producer would send.
        value = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    key = b"fuzz" if value is None and draft.key is None else draft.key  # Kafka needs one
    record = Outgoing(key, value, draft.headers)
    return Hostile(draft.what, record, draft.reasons, draft.anomaly, event_key)


def _fill(value: Any, n: int, run: str) -> Any:
    if value == FRESH_ID:
        return f"fz-{run}-{n}"
    if value == FRESH_SOURCE:
        return f"urn:fuzz:{run}"
    return value


def envelope(event_type: str, data: JsonObject) -> JsonObject:
    return {
        "specversion": "1.0",
        "type": event_type,
        "source": FRESH_SOURCE,
        "id": FRESH_ID,
        "time": TIME,
        "datacontenttype": "application/json",
        "data": data,
    }


def reasons(*names: str) -> frozenset[str]:
    return frozenset(names)


DECODE = reasons("bad_json", "schema_violation")
SCHEMA = reasons("schema_violation")
NOT_JSON = reasons("bad_json")

# Values of the wrong JSON type for a string or timestamp field. No numbers for timestamps:
# pydantic reads a number as seconds since 1970, which the contract does not forbid.
WRONG_FOR_TEXT = st.one_of(
    st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(), st.just([]), st.just({})
)
WRONG_FOR_TIME = st.one_of(
    st.booleans(),
    st.none(),
    st.just(["2026-08-03"]),
    st.sampled_from(["yesterday", "2026-08-03T10:15:00", "2026-13-45T99:00:00+02:00", ""]),
)
# Timestamps that parse but that no later step can use: converting them to UTC or to
# Helsinki time leaves the range of Python's datetime.
UNUSABLE_TIMES = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]
HUGE_TEXT = st.builds(
    lambda char, size: char * size,
    st.sampled_from(["x", "9", "ä", "🦆", " "]),
    st.integers(min_value=501, max_value=50_000),  # longer than any field may be
)


@st.composite
def mutated(draw: st.DrawFn, base: JsonObject, times: frozenset[str]) -> Draft:
    """One thing wrong with a valid ``base`` event; ``times`` names its data's timestamp
    fields (the envelope's is ``time``)."""
    data_fields = sorted(base["data"])
    kind = draw(
        st.sampled_from(
            [
                "wrong type",
                "huge string",
                "missing field",
                "unknown type",
                "specversion",
                "unusable",
                "extension",
                "extra field",
            ]
        )
    )
    body = json.loads(json.dumps(base))
    data = body["data"]
    match kind:
        case "wrong type":
            where = draw(st.sampled_from([*sorted(set(body) - {"data"}), *data_fields, "data"]))
            is_time = where == "time" or where in times
            bad = draw(WRONG_FOR_TIME if is_time else WRONG_FOR_TEXT)
            if where == "data":
                body["data"] = draw(st.one_of(WRONG_FOR_TEXT, st.just("data")))
            elif where in data and where not in body:
                data[where] = bad
            else:
                body[where] = bad
            allowed = reasons("schema_violation", "unknown_type") if where == "type" else SCHEMA
            return Draft(f"wrong type of {where}", allowed, body)
        case "huge string":
            where = draw(st.sampled_from(["id", "source", *sorted(set(data_fields) - times)]))
            (data if where in data else body)[where] = draw(HUGE_TEXT)
            return Draft(f"huge {where}", SCHEMA, body)
        case "missing field":
            where = draw(st.sampled_from(["id", "source", "specversion", "type", "time", "data"]))
            if draw(st.booleans()):
                where = draw(st.sampled_from(data_fields))
                del data[where]
            else:
                del body[where]
            return Draft(f"missing {where}", SCHEMA, body)
        case "unknown type":
            body["type"] = draw(
                st.one_of(
                    st.just(base["type"].replace(".v1", ".v2")),
                    st.just(base["type"].upper()),
                    st.sampled_from(
                        [
                            "kulkuri.transport.transfer-received.v1",
                            "kulkuri.holds.hold-queued.v1",
                            "com.example.book-eaten",
                            "",
                        ]
                    ),
                    st.text(max_size=40).filter(lambda t: t != base["type"]),
                )
            )
            return Draft("unknown type", reasons("unknown_type"), body)
        case "specversion":
            body["specversion"] = draw(
                st.sampled_from(["0.3", "1", "1.0.0", "2.0", "", " 1.0", 1.0, 1, None])
            )
            return Draft("wrong CloudEvents version", SCHEMA, body)
        case "unusable":
            where = draw(st.sampled_from(["id", "source", "time", *sorted(times)]))
            if where in ("id", "source"):
                body[where] = f"fz\x00{draw(st.text(max_size=10))}"
            else:
                (data if where in data else body)[where] = draw(st.sampled_from(UNUSABLE_TIMES))
            return Draft(f"unstorable {where}", SCHEMA, body)
        case "extension":
            name, value = draw(
                st.one_of(
                    st.tuples(
                        st.sampled_from(["Traceparent", "trace-parent", "x" * 21, "ä", "_"]),
                        st.just("x"),
                    ),
                    st.tuples(st.just("traceparent"), st.sampled_from([[], {}, None, 1.5])),
                )
            )
            body[name] = value
            return Draft(f"extension {name!r}", SCHEMA, body)
        case _:
            field = draw(st.sampled_from(["patron_id", "card_number", "borrower", "x"]))
            data[field] = draw(st.text(max_size=20))
            return Draft(f"undefined data field {field}", SCHEMA, body)


@st.composite
def broken_bytes(draw: st.DrawFn, base: JsonObject) -> Draft:
    """Bytes that are not one JSON object: garbage, a valid event cut short or framed by a
    Schema Registry serializer, invalid UTF-8, nesting deeper than any parser allows."""
    valid = json.dumps(base).encode()
    kind = draw(st.sampled_from(["garbage", "cut", "framed", "utf8", "deep", "empty", "value"]))
    match kind:
        case "garbage":
            return Draft("garbage bytes", DECODE, raw=draw(st.binary(min_size=1, max_size=300)))
        case "cut":
            at = draw(st.integers(min_value=1, max_value=len(valid) - 1))
            return Draft("cut short", NOT_JSON, raw=valid[:at])
        case "framed":
            return Draft("schema registry framing", NOT_JSON, raw=b"\x00\x00\x00\x00\x07" + valid)
        case "utf8":
            at = valid.index(b'"id"')
            return Draft(
                "invalid UTF-8", NOT_JSON, raw=valid[:at] + b'"\xff\xfe": 1, ' + valid[at:]
            )
        case "deep":
            depth = draw(st.integers(min_value=300, max_value=50_000))
            return Draft("deep nesting", NOT_JSON, raw=b"[" * depth + b"]" * depth)
        case "empty":
            return Draft(
                "empty value or tombstone", NOT_JSON, raw=draw(st.sampled_from([b"", None]))
            )
        case _:
            value = draw(st.one_of(st.integers(), st.text(max_size=20), st.lists(st.integers())))
            return Draft("JSON but not an object", DECODE, raw=json.dumps(value).encode())


KAFKA_HEADERS = st.lists(
    st.tuples(
        st.sampled_from(["content-type", "ce_id", "x-trace", "kulkuri-dlq-reason", "\x00"]),
        st.binary(max_size=64),
    ),
    max_size=3,
).map(tuple)
KAFKA_KEYS = st.one_of(st.none(), st.binary(max_size=40))


@st.composite
def on_the_wire(draw: st.DrawFn, drafts: st.SearchStrategy[Draft]) -> Draft:
    """A draft, sometimes with a hostile key or headers of its own (binary values, NUL)."""
    draft = draw(drafts)
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        draft = replace(draft, key=draw(KAFKA_KEYS), headers=draw(KAFKA_HEADERS))
    return draft
