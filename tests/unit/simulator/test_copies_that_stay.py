"""A copy sent back to the library it had not left (its hold cancelled while it stood at its
owner) is on that library's receiving list marked to stay: at their next pull round the
simulated staff scan it received there, take it out of its crate, and leave it for the holds
service to shelve, as they would a copy a van brought."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx

from kulkuri.shared.auth import TokenAuthority
from kulkuri.shared.events.holds import (
    TransferRequested,
    TransferRequestedData,
    TransferRetargeted,
    TransferRetargetedData,
)
from kulkuri.simulator.actors import StaffAndDrivers
from kulkuri.simulator.adapters.transport_api import TransportApi
from kulkuri.simulator.core.config import HELSINKI, SimulationConfig
from kulkuri.simulator.core.crates import CrateStatus, TransferInfo
from kulkuri.simulator.core.simulation import Simulation
from kulkuri.simulator.core.tasks import PullTask
from kulkuri.simulator.core.world import Where
from tests.unit.simulator.builders import WEDNESDAY, toy_network

AT = datetime(2026, 11, 25, 10, tzinfo=HELSINKI)
CRATE = "K-L1-20261126-0001"


class FakeTransport:
    """The transport API's answers for L1: an empty pull list, and a receiving list on which
    the given transfers stay here (beside a copy still on its way); every scan accepted."""

    def __init__(self, staying: list[tuple[str, str]]) -> None:
        self.staying = staying
        self.scans: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/pull-list"):
            return httpx.Response(200, json={"lines": []})
        if path.endswith("/receiving-list"):
            on_its_way = {"transfer_id": "far:1", "item_id": "far", "stays_here": False}
            stay = [{"transfer_id": t, "item_id": i, "stays_here": True} for t, i in self.staying]
            return httpx.Response(200, json={"lines": [on_its_way, *stay]})
        scans = json.loads(request.content)["scans"]
        self.scans.extend(scans)
        return httpx.Response(200, json={"results": [{"outcome": "accepted"} for _ in scans]})


def simulation() -> Simulation:
    config = SimulationConfig(network="Lastu", run="stay", items=200, seed=1)
    sim = Simulation(config, toy_network(), WEDNESDAY)
    list(sim.start())  # seeded
    return sim


def staff(sim: Simulation, fake: FakeTransport) -> StaffAndDrivers:
    client = httpx.AsyncClient(transport=httpx.MockTransport(fake), base_url="http://t")
    authority = TokenAuthority("unit-test-secret-of-at-least-32-bytes!")
    return StaffAndDrivers(sim, TransportApi(client, authority, retry_pauses_s=(0.0, 0.0)))


def copies_on_the_shelf(sim: Simulation, library: str, count: int) -> list[str]:
    found = [
        c.item_id
        for c in sim.scene.world.copies.values()
        if c.where is Where.SHELF and c.library == library
    ]
    return found[:count]


def sent_back(sim: Simulation, item: str, to_library: str, back_to: str) -> None:
    """The holds service requested the transfer, then re-targeted it to ``back_to``."""
    bib = sim.scene.world.copies[item].bib_id
    requested = TransferRequestedData(
        transfer_id=f"{item}:1", item_id=item, bib_id=bib, from_library="L1",
        to_library=to_library, reason="hold", hold_id="h-1", decided_at=AT,
    )  # fmt: skip
    sim.observe(TransferRequested.create(id=f"r-{item}", source="t", time=AT, data=requested), AT)
    retargeted = TransferRetargetedData(
        transfer_id=f"{item}:1", item_id=item, bib_id=bib, old_destination=to_library,
        new_destination=back_to, reason="return_to_owner", decided_at=AT,
    )  # fmt: skip
    event = TransferRetargeted.create(id=f"t-{item}", source="t", time=AT, data=retargeted)
    sim.observe(event, AT)


async def test_staff_scan_in_a_copy_sent_back_before_it_was_pulled() -> None:
    sim = simulation()
    (item,) = copies_on_the_shelf(sim, "L1", 1)
    sent_back(sim, item, "L2", back_to="L1")
    fake = FakeTransport([(f"{item}:1", item)])
    actors = staff(sim, fake)

    await actors.pull(PullTask("L1", AT))

    assert [(s["kind"], s["barcode"], s["library"]) for s in fake.scans] == [
        ("received", item, "L1")
    ]
    copy = sim.scene.world.copies[item]
    assert (copy.where, copy.library) == (Where.BIN, "L1")
    assert sim.counts["received"] == 1 and not actors.refused


async def test_a_packed_copy_sent_back_leaves_its_crate_which_stays_behind_once_empty() -> None:
    sim = simulation()
    stays, goes = copies_on_the_shelf(sim, "L1", 2)
    infos = [TransferInfo(f"{i}:1", i, "L2", for_hold=True) for i in (stays, goes)]
    sim.pulled("L1", infos)
    sim.packed("L1", [(CRATE, f"{stays}:1"), (CRATE, f"{goes}:1")])
    sent_back(sim, stays, "L2", back_to="L1")

    await staff(sim, FakeTransport([(f"{stays}:1", stays)])).pull(PullTask("L1", AT))

    crate = sim.crates.crates[CRATE]
    assert crate.transfers == [f"{goes}:1"]
    assert (crate.destination, crate.status) == ("L2", CrateStatus.PACKED)
    assert sim.crates.waiting_at("L1") == [crate]
    assert sim.scene.world.copies[stays].where is Where.BIN

    sent_back(sim, goes, "L2", back_to="L1")
    await staff(sim, FakeTransport([(f"{goes}:1", goes)])).pull(PullTask("L1", AT))

    assert crate.status is CrateStatus.DONE
    assert sim.crates.waiting_at("L1") == []
