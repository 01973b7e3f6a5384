"""A copy's next van leg goes straight to its destination without a hub; with a hub it goes
to the hub first and from there to the destination. The packing mode decides only which
copies share a crate."""

from __future__ import annotations

import pytest

from kulkuri.transport.domain import PackingMode, crate_destination, next_stop
from tests.unit.transport.transfers import HEINOLA, HOLLOLA, HUB, LAHTI

BY_DESTINATION, BY_HUB = PackingMode.BY_DESTINATION, PackingMode.BY_HUB


@pytest.mark.parametrize("packing", list(PackingMode))
def test_without_a_hub_the_next_stop_is_the_destination(packing: PackingMode) -> None:
    assert next_stop(LAHTI, HOLLOLA, None, packing) == HOLLOLA


@pytest.mark.parametrize("packing", list(PackingMode))
def test_with_a_hub_a_copy_goes_to_the_hub_first_then_to_its_destination(
    packing: PackingMode,
) -> None:
    assert next_stop(LAHTI, HOLLOLA, HUB, packing) == HUB
    assert next_stop(HUB, HOLLOLA, HUB, packing) == HOLLOLA


def test_a_copy_for_the_hub_itself_goes_straight_there() -> None:
    assert next_stop(LAHTI, HUB, HUB, BY_DESTINATION) == HUB


def test_a_copy_misrouted_to_another_library_goes_to_the_hub_next() -> None:
    assert next_stop(HEINOLA, HOLLOLA, HUB, BY_HUB) == HUB


def test_a_misspelt_packing_mode_is_rejected() -> None:
    with pytest.raises(ValueError, match="by_crate"):
        next_stop(LAHTI, HOLLOLA, HUB, "by_crate")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("to_library", "stop", "hub", "packing", "expected"),
    [
        (HOLLOLA, HOLLOLA, None, BY_HUB, HOLLOLA),
        (HOLLOLA, HUB, HUB, BY_DESTINATION, HOLLOLA),
        (HOLLOLA, HUB, HUB, BY_HUB, None),
        (HUB, HUB, HUB, BY_HUB, None),
        (HOLLOLA, HOLLOLA, HUB, BY_HUB, HOLLOLA),
    ],
    ids=[
        "no hub: one crate per destination",
        "by destination: via the hub in a crate for the destination",
        "by hub: a mixed crate for the hub",
        "by hub: copies for the hub ride in the mixed crate",
        "by hub: the hub packs per destination",
    ],
)
def test_the_crate_a_copy_rides_in_goes_to_one_destination_unless_mixed_for_the_hub(
    to_library: str, stop: str, hub: str | None, packing: PackingMode, expected: str | None
) -> None:
    assert crate_destination(to_library, stop, hub, packing) == expected
