"""Splitting cents by weights: the parts sum to the whole and follow the weights exactly."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kulkuri.reports.domain import exact_shares, split_cents

weights = st.dictionaries(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzäö", min_size=1, max_size=8),
    st.integers(min_value=0, max_value=2_000_000),
    min_size=1,
    max_size=40,
).filter(lambda found: sum(found.values()) > 0)
cents = st.integers(min_value=0, max_value=10**11)


@given(cents, weights)
def test_the_parts_sum_to_the_total_to_the_cent(total: int, by: dict[str, int]) -> None:
    assert sum(split_cents(total, by).values()) == total


@given(cents, weights)
def test_each_part_is_within_one_cent_of_its_exact_share(total: int, by: dict[str, int]) -> None:
    parts, exact = split_cents(total, by), exact_shares(total, by)
    for name, part in parts.items():
        assert abs(part - exact[name]) < 1
        if exact[name].denominator == 1:  # a whole number of cents: exactly that
            assert part == exact[name]


@given(cents, weights)
def test_a_larger_weight_never_gets_fewer_cents(total: int, by: dict[str, int]) -> None:
    parts = split_cents(total, by)
    for a in by:
        for b in by:
            if by[a] > by[b]:
                assert parts[a] >= parts[b]


@given(st.integers(min_value=1, max_value=10**6), weights)
def test_a_total_that_divides_evenly_is_split_exactly_in_proportion(
    per_unit: int, by: dict[str, int]
) -> None:
    total = per_unit * sum(by.values())
    assert split_cents(total, by) == {name: per_unit * weight for name, weight in by.items()}


@pytest.mark.parametrize(
    ("total", "by", "expected"),
    [
        (101, {"x": 2, "y": 3, "z": 5}, {"x": 20, "y": 30, "z": 51}),  # 20.2, 30.3, 50.5
        (100, {"b": 1, "a": 1, "c": 1}, {"a": 34, "b": 33, "c": 33}),  # a tie: name order
        (2, {"small": 1, "big": 2, "none": 0}, {"small": 1, "big": 1, "none": 0}),
        (1, {"small": 1, "big": 2}, {"small": 0, "big": 1}),
        (0, {"a": 5, "b": 7}, {"a": 0, "b": 0}),
    ],
    ids=[
        "largest-fraction",
        "tie-by-name",
        "zero-weight-pays-nothing",
        "larger-fraction-wins",
        "nothing",
    ],
)
def test_the_cents_left_over_go_to_the_largest_fractions(
    total: int, by: dict[str, int], expected: dict[str, int]
) -> None:
    assert split_cents(total, by) == expected


def test_exact_shares_are_fractions_of_the_total() -> None:
    assert exact_shares(1, {"a": 1, "b": 3}) == {"a": Fraction(1, 4), "b": Fraction(3, 4)}


@pytest.mark.parametrize(
    ("total", "by", "message"),
    [
        (-1, {"a": 1}, "negative amount"),
        (10, {"a": -1, "b": 2}, "negative weights: a"),
        (10, {"a": 0}, "all zero"),
        (10, {}, "all zero"),
    ],
    ids=["negative-total", "negative-weight", "zero-weights", "no-parts"],
)
def test_a_split_without_sense_is_refused(total: int, by: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        split_cents(total, by)
