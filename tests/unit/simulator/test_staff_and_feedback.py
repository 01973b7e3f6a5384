"""The holds service's decisions tell the simulated staff and patrons where copies go, and
the staff's rounds follow the libraries' opening days."""

from __future__ import annotations

from datetime import date, datetime

from kulkuri.shared.events import HoldPlaced, ItemCheckedOut, ItemReturned
from kulkuri.shared.events.envelope import EventData
from kulkuri.shared.events.holds import (
    CopyAssigned,
    CopyAssignedData,
    HoldReadyForPickup,
    HoldReadyForPickupData,
    HoldsEvent,
    ItemShelved,
    ItemShelvedData,
    TransferRequested,
    TransferRequestedData,
)
from kulkuri.simulator.core import agenda, patrons
from kulkuri.simulator.core.config import HELSINKI, SimulationConfig
from kulkuri.simulator.core.simulation import Simulation
from kulkuri.simulator.core.staff import local_check_ins, plan_rounds
from kulkuri.simulator.core.world import Where
from tests.unit.simulator.builders import WEDNESDAY, toy_network

AT = datetime(2026, 11, 25, 10, tzinfo=HELSINKI)


def simulation() -> Simulation:
    config = SimulationConfig(network="Lastu", run="fb", items=200, seed=1)
    sim = Simulation(config, toy_network(), WEDNESDAY)
    list(sim.start())  # seeded
    return sim


def decision(kind: type[HoldsEvent], data: EventData) -> HoldsEvent:
    return kind.create(id=f"d-{kind.__name__}", source="urn:test", time=AT, data=data)


def a_copy_on_the_shelf(sim: Simulation, library: str) -> str:
    return next(
        c.item_id
        for c in sim.scene.world.copies.values()
        if c.where is Where.SHELF and c.library == library
    )


def test_a_returned_copy_the_holds_service_shelves_is_on_the_open_shelf_again() -> None:
    sim = simulation()
    world = sim.scene.world
    item = a_copy_on_the_shelf(sim, "L1")
    patrons.lend(sim.scene, AT, world.copies[item], "L1")
    world.loans[item].returns_to = "L2"
    (returned,) = patrons.loan_returned(sim.scene, AT, item)
    assert isinstance(returned, ItemReturned) and returned.data.library == "L2"
    assert item not in world.shelf("L2")
    bib = world.copies[item].bib_id
    shelved = ItemShelvedData(item_id=item, bib_id=bib, library="L2", decided_at=AT)
    sim.observe(decision(ItemShelved, shelved), AT)
    assert item in world.shelf("L2")


def test_a_copy_promised_to_a_hold_here_is_fetched_and_checked_in_at_the_pull_round() -> None:
    sim = simulation()
    item = a_copy_on_the_shelf(sim, "L3")
    copy = sim.scene.world.copies[item]
    data = CopyAssignedData(
        hold_id="h-1", bib_id=copy.bib_id, item_id=item, from_library="L3",
        pickup_library="L3", pull_from_shelf=True, decided_at=AT,
    )  # fmt: skip
    sim.observe(decision(CopyAssigned, data), AT)
    (checked_in,) = local_check_ins(sim.scene, AT, "L3")
    assert isinstance(checked_in, ItemReturned)
    assert (checked_in.data.item_id, checked_in.data.library) == (item, "L3")
    assert local_check_ins(sim.scene, AT, "L3") == [], "once"


def test_a_copy_in_hand_sent_elsewhere_waits_for_the_pull_round_off_the_shelf() -> None:
    sim = simulation()
    world = sim.scene.world
    item = a_copy_on_the_shelf(sim, "L1")
    copy = world.copies[item]
    world.put(copy, Where.BIN, "L1")  # checked in here a moment ago
    data = TransferRequestedData(
        transfer_id=f"{item}:1", item_id=item, bib_id=copy.bib_id, from_library="L1",
        to_library="L4", reason="return_to_owner", decided_at=AT,
    )  # fmt: skip
    sim.observe(decision(TransferRequested, data), AT)
    assert copy.where is Where.HANDS and sim.pullable("L1", item)
    assert not sim.pullable("L2", item)


def test_a_patron_collects_a_ready_hold_at_the_pickup_library() -> None:
    sim = simulation()
    scene = sim.scene
    (placed,) = patrons.hold_wanted(scene, AT, "L2")
    assert isinstance(placed, HoldPlaced)
    hold_id = placed.data.hold_id
    item = scene.catalogue.copies_of[placed.data.bib_id][0].item_id
    data = HoldReadyForPickupData(
        hold_id=hold_id, bib_id=placed.data.bib_id, item_id=item, library="L2", decided_at=AT
    )
    scene.rng.seed(4)  # a patron who comes (no-show share 8 %)
    sim.observe(decision(HoldReadyForPickup, data), AT)
    (when, _) = next(
        (at, a) for at, _, a in scene.agenda._heap if isinstance(a, agenda.PatronCollects)
    )
    (collected,) = patrons.collect(scene, when, hold_id)
    assert isinstance(collected, ItemCheckedOut)
    assert (collected.data.hold_id, collected.data.library, collected.data.item_id) == (
        hold_id,
        "L2",
        item,
    )
    assert scene.network.open_at("L2", when)


def test_staff_rounds_only_on_the_days_a_library_opens() -> None:
    sim = simulation()
    scene = sim.scene
    scene.horizon = None  # the run's own end would hide next week
    before = len(scene.agenda)
    plan_rounds(scene, date(2026, 11, 29), datetime(2026, 11, 29, 6, tzinfo=HELSINKI))  # Sunday
    assert len(scene.agenda) == before
    plan_rounds(scene, date(2026, 11, 30), datetime(2026, 11, 30, 6, tzinfo=HELSINKI))
    assert len(scene.agenda) == before + 4 * 3  # two pull rounds and a packing round each


def test_what_is_packed_after_the_cut_off_goes_on_the_next_days_vans() -> None:
    sim = simulation()
    assert sim.service_day_of(datetime(2026, 11, 25, 5, 59, tzinfo=HELSINKI)) == WEDNESDAY
    assert sim.service_day_of(datetime(2026, 11, 25, 15, tzinfo=HELSINKI)) == date(2026, 11, 26)
