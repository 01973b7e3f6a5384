"""Copies waiting at a library go into crates for their next stop: open crates first, then
new ones, never over capacity, each copy once; the same input gives the same plan."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from kulkuri.transport.domain import (
    Assignment,
    CopyToPack,
    Crate,
    NewCrate,
    PackingMode,
    crate_destination,
    next_stop,
    plan_packing,
)
from tests.unit.transport.transfers import HEINOLA, HOLLOLA, HUB, LAHTI, at

DAY = date(2026, 8, 3)


def copy_for(n: int, to_library: str, hub: str | None = None, at_: str = LAHTI) -> CopyToPack:
    stop = next_stop(at_, to_library, hub, PackingMode.BY_DESTINATION)
    return CopyToPack(f"i{n}:1", f"i{n}", stop, to_library)


def test_without_a_hub_copies_are_packed_per_destination_into_new_crates() -> None:
    copies = [copy_for(n, HOLLOLA if n % 2 else HEINOLA) for n in range(1, 6)]

    plan = plan_packing(
        LAHTI, DAY, copies, [], hub=None, packing=PackingMode.BY_DESTINATION, capacity=2
    )

    assert plan.new_crates == (
        NewCrate("K-85910-20260803-0001", LAHTI, HOLLOLA, HOLLOLA, DAY, 2),
        NewCrate("K-85910-20260803-0002", LAHTI, HOLLOLA, HOLLOLA, DAY, 2),
        NewCrate("K-85910-20260803-0003", LAHTI, HEINOLA, HEINOLA, DAY, 2),
    )
    assert plan.contents() == {
        "K-85910-20260803-0001": ["i1:1", "i3:1"],
        "K-85910-20260803-0002": ["i5:1"],
        "K-85910-20260803-0003": ["i2:1", "i4:1"],
    }


def test_open_crates_for_the_same_next_stop_are_filled_before_new_ones_are_opened() -> None:
    crate = Crate.open("K-85910-20260803-0001", LAHTI, HOLLOLA, HOLLOLA, DAY, 3, at(0))
    crate.add("i9:1", HOLLOLA)
    other = Crate.open("K-85910-20260803-0002", LAHTI, HEINOLA, HEINOLA, DAY, 3, at(0))
    copies = [copy_for(n, HOLLOLA) for n in (1, 2, 3)]

    plan = plan_packing(
        LAHTI, DAY, copies, [other, crate], hub=None, packing=PackingMode.BY_HUB, capacity=3
    )

    assert plan.contents() == {
        "K-85910-20260803-0001": ["i1:1", "i2:1"],
        "K-85910-20260803-0003": ["i3:1"],
    }
    assert [new.crate_id for new in plan.new_crates] == ["K-85910-20260803-0003"]


def test_by_destination_via_a_hub_each_destination_gets_its_own_crate_for_the_hub() -> None:
    copies = [copy_for(1, HOLLOLA, HUB), copy_for(2, HEINOLA, HUB)]

    plan = plan_packing(
        LAHTI, DAY, copies, [], hub=HUB, packing=PackingMode.BY_DESTINATION, capacity=10
    )

    assert [(c.next_stop, c.final_destination) for c in plan.new_crates] == [
        (HUB, HOLLOLA),
        (HUB, HEINOLA),
    ]


def test_by_hub_everything_for_the_hub_shares_mixed_crates() -> None:
    copies = [copy_for(1, HOLLOLA, HUB), copy_for(2, HEINOLA, HUB), copy_for(3, HUB, HUB)]

    plan = plan_packing(LAHTI, DAY, copies, [], hub=HUB, packing=PackingMode.BY_HUB, capacity=10)

    assert [(c.next_stop, c.final_destination) for c in plan.new_crates] == [(HUB, None)]
    assert len(plan.assignments) == 3


def test_the_hub_repacks_per_destination() -> None:
    copies = [copy_for(1, HOLLOLA, HUB, at_=HUB), copy_for(2, HEINOLA, HUB, at_=HUB)]

    plan = plan_packing(HUB, DAY, copies, [], hub=HUB, packing=PackingMode.BY_HUB, capacity=10)

    assert [(c.crate_id, c.next_stop, c.final_destination) for c in plan.new_crates] == [
        ("K-HUB-20260803-0001", HOLLOLA, HOLLOLA),
        ("K-HUB-20260803-0002", HEINOLA, HEINOLA),
    ]


def test_new_crate_ids_come_from_the_callable_when_given() -> None:
    ids = iter(["K-A", "K-B"])

    plan = plan_packing(
        LAHTI,
        DAY,
        [copy_for(1, HOLLOLA), copy_for(2, HEINOLA)],
        [],
        hub=None,
        packing=PackingMode.BY_DESTINATION,
        capacity=5,
        next_crate_id=lambda: next(ids),
    )

    assert plan.assignments == (Assignment("i1:1", "K-A"), Assignment("i2:1", "K-B"))


def test_a_copy_already_in_an_open_crate_is_not_planned_again() -> None:
    crate = Crate.open("K-85910-20260803-0001", LAHTI, HOLLOLA, HOLLOLA, DAY, 3, at(0))
    crate.add("i1:1", HOLLOLA)

    plan = plan_packing(
        LAHTI,
        DAY,
        [copy_for(1, HOLLOLA)],
        [crate],
        hub=None,
        packing=PackingMode.BY_DESTINATION,
        capacity=3,
    )

    assert plan.assignments == ()
    assert crate.manifest == ["i1:1"]


LIBRARIES = [HOLLOLA, HEINOLA, HUB, "85940"]
copies_strategy = st.lists(
    st.tuples(st.integers(1, 60), st.sampled_from(LIBRARIES)),
    max_size=40,
    unique_by=lambda pair: pair[0],
)


@given(
    waiting=copies_strategy,
    hub=st.sampled_from([None, HUB]),
    packing=st.sampled_from(list(PackingMode)),
    capacity=st.integers(1, 5),
    already=st.lists(st.tuples(st.sampled_from(LIBRARIES), st.integers(0, 4)), max_size=4),
)
def test_every_copy_is_packed_once_into_a_crate_for_its_next_stop_within_capacity(
    waiting: list[tuple[int, str]],
    hub: str | None,
    packing: PackingMode,
    capacity: int,
    already: list[tuple[str, int]],
) -> None:
    copies = [copy_for(n, to, hub) for n, to in waiting]
    crates = []
    for number, (to, filled) in enumerate(already, start=1):
        stop = next_stop(LAHTI, to, hub, packing)
        final = crate_destination(to, stop, hub, packing)
        crate = Crate.open(f"K-85910-20260803-{number:04d}", LAHTI, stop, final, DAY, 4, at(0))
        for k in range(filled):
            crate.add(f"old{number}-{k}:1", stop)
        crates.append(crate)
    by_id = {c.crate_id: (c.next_stop, c.final_destination, c.room) for c in crates}

    plan = plan_packing(LAHTI, DAY, copies, crates, hub=hub, packing=packing, capacity=capacity)
    again = plan_packing(
        LAHTI, DAY, reversed(copies), crates, hub=hub, packing=packing, capacity=capacity
    )

    by_id |= {n.crate_id: (n.next_stop, n.final_destination, n.capacity) for n in plan.new_crates}
    contents = plan.contents()
    assert sorted(a.transfer_id for a in plan.assignments) == sorted(c.transfer_id for c in copies)
    legs = {c.transfer_id: (c.next_stop, c.final_destination) for c in copies}
    for crate_id, packed in contents.items():
        stop, final, room = by_id[crate_id]
        assert len(packed) <= room
        assert {legs[transfer_id][0] for transfer_id in packed} == {stop}
        assert final is None or {legs[transfer_id][1] for transfer_id in packed} == {final}
    for new in plan.new_crates:  # a new crate only once the open ones for its group are full
        for crate in crates:
            if (crate.next_stop, crate.final_destination) == (new.next_stop, new.final_destination):
                assert len(contents.get(crate.crate_id, [])) == crate.room
    assert again == plan
    assert len(by_id) == len(crates) + len(plan.new_crates)  # no new id taken twice
