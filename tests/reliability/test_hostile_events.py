"""Ten thousand hostile records through a real broker into the holds and transport services:
every one refused with a documented reason or recorded as a documented anomaly, nothing
crashes, and the valid events sent among them all take effect.

Hypothesis draws the records (derandomized, so every run sends the same ones) before anything
is sent; they go out in a few large produce requests to a broker of this module's own, so
the flood stays off the session's topics."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace

import asyncpg
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from kulkuri.shared.auth import Role
from kulkuri.shared.events import CirculationEvent, EventCodec
from kulkuri.shared.events.scans import ScanRecorded, ScanRecordedData
from kulkuri.shared.local import LocalBroker
from kulkuri.shared.messaging import CIRCULATION, SCANS, dead_letter_topic
from tests.integration.holds_runtime import config_for, running_holds
from tests.integration.transport.transport_runtime import HUB, RunningTransport, running_transport
from tests.integration.transport.transport_runtime import config_for as transport_config
from tests.reliability.fuzz_check import (
    Sent,
    counted,
    interleave,
    recorded_anomalies,
    records_of,
    sent_as,
    unaccounted,
)
from tests.reliability.fuzz_hostile import Draft, Hostile, finish
from tests.reliability.fuzz_hostile_circulation import anchor_events, hostile_circulation
from tests.reliability.fuzz_hostile_scans import LoadedCrate, hostile_scans
from tests.reliability.fuzz_kafka import Outgoing, produce_all, read_all
from tests.reliability.fuzz_oracle import expected_decisions, published_decisions
from tests.reliability.fuzz_valid_events import (
    ASIKKALA,
    HEINOLA,
    HOLLOLA,
    START,
    Circulation,
    handled_keys,
    outgoing,
)
from tests.waiting import eventually

pytestmark = pytest.mark.integration

HOSTILE_CIRCULATION = 7_500
HOSTILE_SCANS = 2_500
PER_EXAMPLE = 25  # records a Hypothesis example draws
TITLES = 40  # valid titles of each kind in the flood


@pytest.fixture(scope="module")
def fuzz_broker() -> Iterator[str]:
    with LocalBroker() as broker:
        yield broker.bootstrap_servers


def drawn(strategy: st.SearchStrategy[Draft], count: int, run: str) -> list[Hostile]:
    """``count`` hostile records, the same ones on every run."""
    drafts: list[Draft] = []

    @settings(
        max_examples=count // PER_EXAMPLE,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(strategy, min_size=PER_EXAMPLE, max_size=PER_EXAMPLE))
    def collect(batch: list[Draft]) -> None:
        drafts.extend(batch)

    collect()
    assert len(drafts) >= count, f"Hypothesis drew {len(drafts)} records, not {count}"
    return [finish(draft, n, run) for n, draft in enumerate(drafts[:count])]


def valid_titles(run: Circulation) -> dict[str, list[CirculationEvent]]:
    """Per title: a copy lent and returned at another library (it travels home), one lent
    and returned at home (shelved), a copy with a hold at another library (it travels)."""
    titles: dict[str, list[CirculationEvent]] = {}
    for n in range(TITLES):
        for kind, back_at in (("home", HEINOLA), ("shelf", HOLLOLA)):
            bib, item = f"{run.run}-{kind}-{n}", f"{run.run}-{kind}-i{n}"
            titles[bib] = [
                run.item_added(item, bib, HOLLOLA),
                run.checked_out(item, bib, HOLLOLA),
                run.returned(item, bib, back_at),
            ]
        bib = f"{run.run}-held-{n}"
        titles[bib] = [
            run.item_added(f"{run.run}-held-i{n}", bib, HEINOLA),
            run.hold_placed(f"{run.run}-held-h{n}", bib, ASIKKALA),
        ]
    return titles


def unloaded_at_hub(crates: Sequence[LoadedCrate], run: str) -> list[ScanRecorded]:
    return [
        ScanRecorded.create(
            id=f"{run}-unload-{crate.crate_id}",
            source="urn:scanner:reliability",
            time=START,
            data=ScanRecordedData(
                kind="unloaded", barcode=crate.crate_id, library=HUB, scanned_at=START
            ),
        )
        for crate in crates
    ]


async def all_in_inbox(database_url: str, keys: Sequence[str], schema: str = "holds") -> bool:
    return len(await handled_keys(database_url, list(keys), schema)) == len(set(keys))


async def loaded_crates(
    transport: RunningTransport, items: Sequence[str], run: str
) -> list[LoadedCrate]:
    """The copies pulled at Hollola, packed as its packing plan says, the crates loaded."""
    api, staff = transport.client, transport.token(Role.STAFF, HOLLOLA)

    async def scans(body: list[dict[str, str]], headers: dict[str, str]) -> None:
        answer = await api.post("/transport/scans/batch", json={"scans": body}, headers=headers)
        assert answer.json()["accepted"] == len(body), answer.text

    await scans([{"kind": "pulled", "barcode": i, "library": HOLLOLA} for i in items], staff)
    plan = (await api.post(f"/transport/libraries/{HOLLOLA}/packing-plan", headers=staff)).json()
    ours = {f"{item}:1": item for item in items}
    crates = [
        LoadedCrate(crate, [ours[t] for t in transfers if t in ours], ASIKKALA)
        for crate, transfers in plan["crates"].items()
        if any(t in ours for t in transfers)
    ]
    packed = [
        {"kind": "packed", "barcode": item, "library": HOLLOLA, "crate_id": crate.crate_id}
        for crate in crates
        for item in crate.items
    ]
    await scans(packed, staff)
    van = [
        {"kind": "loaded", "barcode": c.crate_id, "library": HOLLOLA, "van_run": f"{run}-van"}
        for c in crates
    ]
    await scans(van, transport.token(Role.DRIVER))
    return crates


async def flood(bootstrap: str, topic: str, hostile: list[Hostile], valid: list[Outgoing]) -> Sent:
    mixed = interleave(hostile, valid)
    return sent_as(mixed, await produce_all(bootstrap, topic, records_of(mixed)))


async def test_hostile_events_are_refused_with_a_reason_while_valid_ones_take_effect(
    fuzz_broker: str, database_url: str, unique: str
) -> None:
    run = Circulation(f"fz-{unique}")
    holds_group, transport_group = f"fz-holds-{unique}", f"fz-transport-{unique}"
    registry = CollectorRegistry()
    async with (
        running_holds(
            config_for(holds_group),
            bootstrap_servers=fuzz_broker,
            database_url=database_url,
            registry=registry,
        ),
        running_transport(
            transport_config(transport_group),
            bootstrap_servers=fuzz_broker,
            database_url=database_url,
        ) as transport,
    ):
        # The state the hostile events contradict: anchor titles, and crates on a van.
        anchors, setup = anchor_events(run)
        carried = [f"{run.run}-carried-{n}" for n in range(6)]
        for n, item in enumerate(carried):
            bib = f"{run.run}-carried-b{n}"
            setup += [
                run.item_added(item, bib, HOLLOLA),
                run.hold_placed(f"{item}-h", bib, ASIKKALA),
            ]
        await produce_all(fuzz_broker, CIRCULATION, [outgoing(e) for e in setup])
        await eventually(
            lambda: all_in_inbox(database_url, [e.dedupe_key for e in setup]), what="the anchors"
        )
        await eventually(
            lambda: transfers_requested(database_url, carried), what="the carried copies' transfers"
        )
        crates = await loaded_crates(transport, carried, run.run)

        titles = valid_titles(run)
        valid = [e for events in titles.values() for e in events]
        unloads = unloaded_at_hub(crates, run.run)
        sent_circulation = await flood(
            fuzz_broker,
            CIRCULATION,
            drawn(hostile_circulation(anchors), HOSTILE_CIRCULATION, run.run),
            [outgoing(e) for e in valid],
        )
        sent_scans = await flood(
            fuzz_broker,
            SCANS,
            drawn(hostile_scans(crates), HOSTILE_SCANS, f"{run.run}-s"),
            [Outgoing(s.partition_key(), EventCodec.encode(s)) for s in unloads],
        )
        await eventually(
            lambda: all_in_inbox(database_url, [e.dedupe_key for e in valid]),
            timeout=90,
            what="every valid circulation event handled",
        )
        await eventually(
            lambda: all_in_inbox(database_url, [s.dedupe_key for s in unloads], "transport"),
            timeout=90,
            what="every valid scan handled",
        )
        circulation_letters = await read_all(
            fuzz_broker, dead_letter_topic(CIRCULATION), at_least=sent_circulation.to_dead_letter
        )
        scan_letters = await read_all(
            fuzz_broker, dead_letter_topic(SCANS), at_least=sent_scans.to_dead_letter
        )
        anomalies = await recorded_anomalies(database_url, [h for h, _ in sent_circulation.hostile])
        holds_counts = counted(registry, CIRCULATION, "kulkuri.circulation.")
        scan_counts = counted(transport.registry, SCANS, "kulkuri.scans.")

    assert len(sent_circulation.hostile) + len(sent_scans.hostile) >= 10_000
    problems = unaccounted(sent_circulation, circulation_letters, holds_group, anomalies)
    problems += unaccounted(sent_scans, scan_letters, f"{transport_group}-scans")
    assert not problems, f"{len(problems)} problems, by kind:\n" + "\n".join(
        f"{count} × {problem}" for problem, count in Counter(problems).most_common(40)
    )
    for counts, sent in ((holds_counts, sent_circulation), (scan_counts, sent_scans)):
        assert counts["consumed"] >= len(sent.hostile) + len(sent.valid), counts
        assert counts["consumed"] == (
            counts["handled"] + counts["duplicate"] + counts["dead_lettered"]
        ), counts

    published = await published_decisions(database_url, titles)
    wrong = [bib for bib, events in titles.items() if published[bib] != expected_decisions(events)]
    assert not wrong, f"titles whose decisions differ from the domain's: {wrong[:5]}"
    assert await item_states(database_url, titles) == {
        "home": {("in_transit", HEINOLA)},
        "shelf": {("on_shelf", HOLLOLA)},
        "held": {("in_transit", HEINOLA)},
    }
    assert await transfer_states(database_url, carried) == {("unloaded", HUB)}


async def transfers_requested(database_url: str, items: Sequence[str]) -> bool:
    conn = await asyncpg.connect(database_url)
    try:
        found = await conn.fetchval(
            "SELECT count(*) FROM transport.transfers WHERE item_id = ANY($1)", list(items)
        )
    finally:
        await conn.close()
    return bool(found == len(items))


async def item_states(
    database_url: str, titles: dict[str, list[CirculationEvent]]
) -> dict[str, set[tuple[str, str]]]:
    """(status, where it stands) of the valid titles' copies, by kind of title."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT bib_id, status, current_library FROM holds.items WHERE bib_id = ANY($1)",
            list(titles),
        )
    finally:
        await conn.close()
    states: dict[str, set[tuple[str, str]]] = {}
    for row in rows:
        kind = row["bib_id"].rsplit("-", 2)[-2]
        states.setdefault(kind, set()).add((row["status"], row["current_library"]))
    return states


async def transfer_states(database_url: str, items: Sequence[str]) -> set[tuple[str, str]]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT status, location FROM transport.transfers WHERE item_id = ANY($1)",
            list(items),
        )
    finally:
        await conn.close()
    return {(row["status"], row["location"]) for row in rows}


async def test_a_hold_id_claimed_by_another_title_in_the_owners_batch_is_refused_not_fatal(
    database_url: str, unique: str
) -> None:
    """An event that places a known hold on another title, fetched together with one about
    the hold's own title, is refused as contradicting the state; it used to reach the save
    and stop the service (the hold's owner was looked up for one title only)."""
    run, group = Circulation(f"own-{unique}"), f"own-{unique}"
    owner, other, hold = f"own-a-{unique}", f"own-b-{unique}", f"own-h-{unique}"
    first = [
        run.item_added(f"own-i-{unique}", owner, HOLLOLA),
        run.hold_placed(hold, owner, ASIKKALA),
    ]
    claimed = run.hold_placed(hold, other, ASIKKALA)
    again = run.hold_placed(hold, owner, HEINOLA)
    # A broker of its own: its dead-letter topic holds this test's letters only.
    with LocalBroker() as broker:
        bootstrap = broker.bootstrap_servers
        async with running_holds(
            config_for(group), bootstrap_servers=bootstrap, database_url=database_url
        ):
            await produce_all(bootstrap, CIRCULATION, [outgoing(e) for e in first])
            await eventually(lambda: all_in_inbox(database_url, [e.dedupe_key for e in first]))
            # One key, so one partition and one fetch: the claim, then the owner's event.
            together = [replace(outgoing(e), key=owner.encode()) for e in (claimed, again)]
            placed = await produce_all(bootstrap, CIRCULATION, together)
            await eventually(
                lambda: all_in_inbox(database_url, [claimed.dedupe_key, again.dedupe_key]),
                what="both events handled",
            )
            letters = await read_all(bootstrap, dead_letter_topic(CIRCULATION), at_least=2)
    reasons = {
        (int(h["kulkuri-dlq-offset"]), h["kulkuri-dlq-reason"].decode())
        for h in (dict(letter.headers) for letter in letters)
        if h["kulkuri-dlq-consumer-group"].decode() == group
    }
    assert reasons == {(at.offset, "contradicts_state") for at in placed}
