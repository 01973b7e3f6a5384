"""No patron in kulkuri: a real day's flow through the three services leaves no patron field
and no patron value in any event the services wrote, any column of their schemas, or any log
line, even when a circulation system slips a patron's card number into an event; and the
event contract refuses patron fields in the data it defines."""

from __future__ import annotations

import io
import json
import logging
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from pydantic import BaseModel

from kulkuri.shared.auth import Role
from kulkuri.shared.errors import InvalidEventError
from kulkuri.shared.events import (
    CIRCULATION_EVENTS,
    CloudEvent,
    EventCodec,
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
)
from kulkuri.shared.events.envelope import EventData
from kulkuri.shared.messaging import CIRCULATION, HOLDS, MOVEMENTS, ROUTES, TRANSPORT
from kulkuri.shared.observability.logging import configure_logging
from kulkuri.shared.settings import LogSettings
from tests.kafka_tools import encoded, produce
from tests.security.patron_fields import is_patron_field, patron_fields
from tests.security.stack import RunningStack, bearer, running_stack, token
from tests.security.topic_reader import kulkuri_ends, records_since
from tests.waiting import eventually

pytestmark = pytest.mark.integration

HUB, HOLLOLA, ASIKKALA, HEINOLA = "85910", "85708", "85033", "85381"
WHEN = datetime(2026, 8, 3, 10, 0, tzinfo=UTC)  # a Monday: every library here is open
ILS = "urn:ils:test"
SCHEMAS = ("holds", "transport", "routing")


@pytest.fixture
def log_lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """The services' logs as production writes them (JSON on stderr), kulkuri's own at DEBUG."""
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buffer)
    root, ours = logging.getLogger(), logging.getLogger("kulkuri")
    saved = (root.handlers[:], root.level, ours.level)
    configure_logging(LogSettings(level="INFO", format="json"))
    ours.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.handlers[:], _, _ = saved
        root.setLevel(saved[1])
        ours.setLevel(saved[2])


@pytest.fixture
async def stack(
    log_lines: io.StringIO, bootstrap_servers: str, database_url: str, unique: str
) -> AsyncIterator[RunningStack]:
    async with running_stack(
        f"privacy-{unique}", database_url=database_url, bootstrap_servers=bootstrap_servers
    ) as running:
        yield running


def circulation(unique: str, card: str) -> list[CloudEvent]:
    """Copy X (Hollola's) fills Asikkala's hold H1, whose event carries the patron's card as
    an extension attribute; H3 queues behind it and is cancelled by the patron; copy Y comes
    back at Hollola from a loan and goes to Asikkala for H2."""
    x, y, bib1, bib2 = (f"pv-{n}-{unique}" for n in ("x", "y", "bib1", "bib2"))
    h1, h2, h3 = (f"pv-h{n}-{unique}" for n in (1, 2, 3))
    later = WHEN + timedelta(hours=1)

    def added(item: str, bib: str, owner: str) -> ItemAdded:
        data = ItemAddedData(
            item_id=item,
            bib_id=bib,
            owning_library=owner,
            collection="adult-fiction",
            format="book",
            added_at=WHEN,
        )
        return ItemAdded.create(id=f"add-{item}", source=ILS, time=WHEN, data=data)

    def placed(hold: str, bib: str, pickup: str, **extensions: str) -> HoldPlaced:
        data = HoldPlacedData(hold_id=hold, bib_id=bib, pickup_library=pickup, placed_at=WHEN)
        return HoldPlaced.create(id=f"place-{hold}", source=ILS, time=WHEN, data=data, **extensions)

    out = ItemCheckedOutData(item_id=y, bib_id=bib2, library=HEINOLA, checked_out_at=WHEN)
    back = ItemReturnedData(item_id=y, bib_id=bib2, library=HOLLOLA, returned_at=later)
    cancel = HoldCancelledData(hold_id=h3, bib_id=bib1, cancelled_at=later, reason="patron")
    return [
        added(x, bib1, HOLLOLA),
        placed(h1, bib1, ASIKKALA, patroncard=card),
        placed(h3, bib1, HOLLOLA),
        HoldCancelled.create(id=f"cancel-{h3}", source=ILS, time=later, data=cancel),
        added(y, bib2, HEINOLA),
        ItemCheckedOut.create(id=f"out-{y}", source=ILS, time=WHEN, data=out),
        placed(h2, bib2, ASIKKALA),
        ItemReturned.create(id=f"back-{y}", source=ILS, time=later, data=back),
    ]


async def carry_through_the_hub(stack: RunningStack, item: str, unique: str) -> None:
    """Staff and drivers scan copy X from Hollola's shelf to Asikkala, via the hub."""
    api = stack.clients["transport"]
    hollola, asikkala = bearer(token(Role.STAFF, HOLLOLA)), bearer(token(Role.STAFF, ASIKKALA))
    driver = bearer(token(Role.DRIVER))
    transfer = f"{item}:1"

    async def requested() -> bool:
        found = await api.get(f"/transport/transfers/{transfer}", headers=hollola)
        return found.status_code == 200

    await eventually(requested, what="the transfer of copy X")

    async def scan(headers: dict[str, str], **body: str) -> None:
        answer = await api.post("/transport/scans", json=body, headers=headers)
        assert answer.status_code == 200, answer.text

    await scan(hollola, kind="pulled", barcode=item, library=HOLLOLA)
    plan = await api.post(f"/transport/libraries/{HOLLOLA}/packing-plan", headers=hollola)
    (crate,) = [c for c, ts in plan.json()["crates"].items() if transfer in ts]
    await scan(hollola, kind="packed", barcode=item, library=HOLLOLA, crate_id=crate)
    await scan(driver, kind="loaded", barcode=crate, library=HOLLOLA, van_run=f"r1-{unique}")
    await scan(driver, kind="unloaded", barcode=crate, library=HUB)
    await scan(driver, kind="loaded", barcode=crate, library=HUB, van_run=f"r2-{unique}")
    await scan(driver, kind="unloaded", barcode=crate, library=ASIKKALA)
    await scan(asikkala, kind="received", barcode=item, library=ASIKKALA)


async def fetch(database_url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def all_published(database_url: str) -> bool:
    unsent = " + ".join(
        f"(SELECT count(*) FROM {s}.outbox WHERE published_at IS NULL)" for s in SCHEMAS
    )
    return bool((await fetch(database_url, f"SELECT {unsent}"))[0][0] == 0)


async def test_a_days_flow_leaves_no_patron_in_events_tables_or_logs(
    stack: RunningStack,
    log_lines: io.StringIO,
    bootstrap_servers: str,
    database_url: str,
    unique: str,
) -> None:
    card = f"card-2401{unique}"  # a library card number, the patron attribute slipped in
    started_ms = int(time.time() * 1000)
    starts = await kulkuri_ends(bootstrap_servers)
    events = circulation(unique, card)
    await produce(bootstrap_servers, CIRCULATION, [encoded(e) for e in events])
    await carry_through_the_hub(stack, f"pv-x-{unique}", unique)

    async def hold_states() -> dict[str, str]:
        rows = await fetch(
            database_url,
            "SELECT hold_id, status FROM holds.holds WHERE hold_id LIKE $1",
            f"pv-h%-{unique}",
        )
        return {row[0].split("-")[1]: row[1] for row in rows}

    async def holds_moved() -> bool:
        return await hold_states() == {"h1": "ready", "h2": "in_transit", "h3": "cancelled"}

    await eventually(holds_moved, what="H1 ready, H2's copy on its way, H3 cancelled")
    lanes = [{"from_library": HOLLOLA, "to_library": HUB, "crates": 1}]
    planned = await stack.clients["routing"].post(
        "/routing/days/2031-01-08/plan",
        json={"lanes": lanes, "time_limit_s": 1},
        headers=bearer(token(Role.COORDINATOR)),
    )
    assert planned.status_code == 200, planned.text
    await eventually(lambda: all_published(database_url), what="every outbox row published")

    # Events: what the services wrote since the flow began, on every kulkuri topic.
    written = [
        r
        for r in await records_since(bootstrap_servers, starts)
        if r.timestamp >= started_ms - 1000
    ]
    inputs = [r for r in written if r.topic == CIRCULATION]
    assert any(card.encode() in r.value for r in inputs), "the card went in"
    outputs = [r for r in written if r.topic != CIRCULATION]
    assert {HOLDS, TRANSPORT, MOVEMENTS, ROUTES} <= {r.topic for r in outputs}
    for record in outputs:
        where = f"{record.topic}@{record.partition}:{record.offset}"
        carried = b"".join([record.key or b"", record.value or b""])
        carried += b"".join(name.encode() + value for name, value in record.headers or ())
        assert card.encode() not in carried, where
        assert not patron_fields(json.loads(record.value)), where
        assert not [name for name, _ in record.headers or () if is_patron_field(name)], where

    # Tables: no column named for a patron, no row holding the card (bytea as hex too).
    columns = await fetch(
        database_url,
        "SELECT table_schema, table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = ANY($1::text[])",
        list(SCHEMAS),
    )
    assert {row[0] for row in columns} == set(SCHEMAS)
    assert not [tuple(row) for row in columns if is_patron_field(row[2])]
    for schema, table in sorted({(row[0], row[1]) for row in columns}):
        holding = await fetch(
            database_url,
            f"SELECT count(*) FROM {schema}.{table} t"
            " WHERE t::text LIKE '%' || $1 || '%' OR t::text LIKE '%' || $2 || '%'",
            card,
            card.encode().hex(),
        )
        assert holding[0][0] == 0, f"{schema}.{table} holds the card"

    # Logs: every line the services wrote, as JSON objects.
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines() if line.strip()]
    assert lines, "the services logged nothing: the capture is broken"
    assert card not in log_lines.getvalue()
    assert not [line for line in lines if patron_fields(line)]


def _data_models() -> Iterator[type[BaseModel]]:
    pending: list[type[BaseModel]] = [EventData]
    while pending:
        model = pending.pop()
        yield model
        pending.extend(model.__subclasses__())


def test_every_event_data_model_refuses_fields_it_does_not_define() -> None:
    models = list(_data_models())
    assert len(models) > 20, "the event data models were not found"
    lenient = [m.__name__ for m in models if m.model_config.get("extra") != "forbid"]
    assert not lenient


def test_a_patron_field_in_a_circulation_event_is_refused() -> None:
    hold = HoldPlacedData(hold_id="h", bib_id="b", pickup_library=HOLLOLA, placed_at=WHEN)
    event = HoldPlaced.create(id="e", source=ILS, time=WHEN, data=hold)
    raw = json.loads(EventCodec.encode(event))
    raw["data"]["patron_id"] = "2401-1234"
    with pytest.raises(InvalidEventError) as refused:
        EventCodec(CIRCULATION_EVENTS).decode(json.dumps(raw).encode())
    assert refused.value.reason == "schema_violation"
    assert "patron_id" in str(refused.value)
