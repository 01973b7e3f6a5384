"""A crate is packed for one next stop up to its capacity, sealed, loaded, unloaded and
emptied; a crate packed for one destination is carried whole via the hub. Every rejection
says what was expected and changes nothing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date

import pytest

from kulkuri.transport.domain import (
    Crate,
    CrateFull,
    CrateStatus,
    IllegalCrateTransition,
    InvalidCrate,
    ManifestMismatch,
    RejectedCommand,
    WrongCrate,
    new_crate_id,
)
from tests.unit.transport.transfers import HEINOLA, HOLLOLA, HUB, LAHTI, at

DAY = date(2026, 8, 3)
CRATE = "K-85910-20260803-0001"


def open_crate(next_stop: str = HOLLOLA, final: str | None = HOLLOLA, capacity: int = 2) -> Crate:
    return Crate.open(CRATE, LAHTI, next_stop, final, DAY, capacity, at(0))


def sealed(next_stop: str = HOLLOLA, final: str | None = HOLLOLA) -> Crate:
    crate = open_crate(next_stop, final)
    crate.add("i1:1", next_stop, final)
    crate.seal(at(1))
    return crate


def loaded(next_stop: str = HOLLOLA, final: str | None = HOLLOLA) -> Crate:
    crate = sealed(next_stop, final)
    crate.load("run-1", at(2))
    return crate


def unloaded_at_destination() -> Crate:
    crate = loaded()
    crate.unload(HOLLOLA, at(3))
    return crate


def emptied() -> Crate:
    crate = unloaded_at_destination()
    crate.empty(at(4))
    return crate


def test_crate_ids_are_origin_day_and_sequence_in_printable_ascii() -> None:
    assert new_crate_id("85033", date(2026, 11, 24), 7) == "K-85033-20261124-0007"


@pytest.mark.parametrize(
    ("origin", "sequence"),
    [("Lahti pää", 1), ("Hämeenkoski", 1), ("85910", 0)],
    ids=["space", "not ascii", "sequence 0"],
)
def test_a_crate_id_that_a_barcode_cannot_carry_is_rejected(origin: str, sequence: int) -> None:
    with pytest.raises(InvalidCrate, match="expected"):
        new_crate_id(origin, DAY, sequence)


def test_a_crate_needs_room_for_at_least_one_item() -> None:
    with pytest.raises(InvalidCrate, match="capacity 0; expected at least 1"):
        open_crate(capacity=0)


def test_a_crate_goes_from_open_to_emptied_and_keeps_its_manifest() -> None:
    crate = emptied()

    assert crate.status is CrateStatus.EMPTIED
    assert [step.status for step in crate.history] == list(CrateStatus)
    assert [step.where for step in crate.history] == [LAHTI, LAHTI, LAHTI, HOLLOLA, HOLLOLA]
    assert (crate.manifest, crate.van_run, crate.location) == (["i1:1"], "run-1", HOLLOLA)


def test_the_manifest_lists_copies_in_packing_order() -> None:
    crate = open_crate(capacity=3)
    for transfer_id in ["i3:1", "i1:1", "i2:1"]:
        crate.add(transfer_id, HOLLOLA)

    crate.remove("i1:1")

    assert crate.manifest == ["i3:1", "i2:1"]
    assert (crate.count, crate.room, crate.is_full) == (2, 1, False)


def test_a_full_crate_takes_no_more_copies() -> None:
    crate = open_crate(capacity=1)
    crate.add("i1:1", HOLLOLA)

    with pytest.raises(CrateFull) as error:
        crate.add("i2:1", HOLLOLA)

    assert str(error.value) == f"crate {CRATE} is full (1 of 1 items); expected a crate with room"
    assert crate.manifest == ["i1:1"]


def test_a_crate_takes_only_copies_for_its_next_stop() -> None:
    crate = open_crate()

    with pytest.raises(WrongCrate) as error:
        crate.add("i1:1", HEINOLA)

    assert str(error.value) == f"crate {CRATE} goes to {HOLLOLA}; expected a crate for {HEINOLA}"
    assert crate.manifest == []


def test_a_crate_packed_for_one_destination_takes_no_copy_for_another_via_the_same_hub() -> None:
    crate = open_crate(next_stop=HUB, final=HOLLOLA)

    with pytest.raises(WrongCrate, match=f"goes to {HOLLOLA}; expected a crate for {HEINOLA}"):
        crate.add("i1:1", HUB, HEINOLA)


def test_a_mixed_crate_for_the_hub_takes_copies_for_any_destination() -> None:
    crate = open_crate(next_stop=HUB, final=None)

    crate.add("i1:1", HUB, HOLLOLA)
    crate.add("i2:1", HUB, HEINOLA)

    assert crate.destination == HUB


def test_a_crate_carried_whole_via_the_hub_is_loaded_again_there_for_its_destination() -> None:
    crate = loaded(next_stop=HUB, final=HOLLOLA)

    crate.unload(HUB, at(3))
    assert crate.next_stop == HOLLOLA
    crate.load("run-2", at(4))
    crate.unload(HOLLOLA, at(5))
    crate.empty(at(6))

    assert crate.status is CrateStatus.EMPTIED
    assert crate.van_run == "run-2"


def test_a_mixed_crate_ends_at_the_hub() -> None:
    crate = loaded(next_stop=HUB, final=None)
    crate.unload(HUB, at(3))

    with pytest.raises(IllegalCrateTransition, match="expected emptying before loading"):
        crate.load("run-2", at(4))
    crate.empty(at(4))


def test_a_crate_unloaded_at_the_wrong_library_still_goes_to_its_next_stop() -> None:
    crate = loaded()

    crate.unload(HEINOLA, at(3))
    crate.load("run-2", at(4))

    assert (crate.next_stop, crate.status) == (HOLLOLA, CrateStatus.LOADED)


ILLEGAL: list[
    tuple[str, Callable[[], Crate], Callable[[Crate], None], type[RejectedCommand], str]
] = [
    ("seal empty", open_crate, lambda c: c.seal(at(9)), IllegalCrateTransition, "a copy in it"),
    ("add to sealed", sealed, lambda c: c.add("i2:1", HOLLOLA), IllegalCrateTransition, "an open"),
    ("remove sealed", sealed, lambda c: c.remove("i1:1"), IllegalCrateTransition, "an open"),
    ("load open", open_crate, lambda c: c.load("r", at(9)), IllegalCrateTransition, "sealing"),
    ("unload sealed", sealed, lambda c: c.unload(HOLLOLA, at(9)), IllegalCrateTransition, "a load"),
    ("empty on van", loaded, lambda c: c.empty(at(9)), IllegalCrateTransition, "an unload"),
    ("seal twice", sealed, lambda c: c.seal(at(9)), IllegalCrateTransition, "an open crate"),
    ("load emptied", emptied, lambda c: c.load("r", at(9)), IllegalCrateTransition, "sealing"),
    (
        "load at destination",
        unloaded_at_destination,
        lambda c: c.load("r", at(9)),
        IllegalCrateTransition,
        "emptying",
    ),
    (
        "remove a stranger",
        open_crate,
        lambda c: c.remove("i9:1"),
        ManifestMismatch,
        "a copy from its manifest",
    ),
]


@pytest.mark.parametrize(
    ("make", "action", "error", "expected"),
    [case[1:] for case in ILLEGAL],
    ids=[case[0] for case in ILLEGAL],
)
def test_a_rejected_crate_action_names_what_was_expected_and_changes_nothing(
    make: Callable[[], Crate],
    action: Callable[[Crate], None],
    error: type[RejectedCommand],
    expected: str,
) -> None:
    crate = make()
    before = copy.deepcopy(crate)

    with pytest.raises(error, match="expected " + expected) as raised:
        action(crate)

    assert raised.value.entity == CRATE
    assert crate == before


def test_a_copy_is_packed_into_a_crate_once() -> None:
    crate = open_crate()
    crate.add("i1:1", HOLLOLA)

    with pytest.raises(ManifestMismatch, match="i1:1 is in it already; expected a new copy"):
        crate.add("i1:1", HOLLOLA)

    assert crate.manifest == ["i1:1"]
