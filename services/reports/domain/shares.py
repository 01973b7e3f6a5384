"""Splitting an amount of cents by weights so that the parts are exact and sum to the whole.

The rule (largest remainder, also called Hamilton's method):

1. Each part's exact share is ``total × weight / sum of weights`` cents, a fraction.
2. Each part first gets the whole cents of its exact share (rounded down).
3. The cents left over (fewer than the number of parts) go one each to the parts whose exact
   shares lost the largest fractions of a cent in step 2; equal fractions go first to the
   larger weight, then in the order of the parts' names.

So the parts always sum to the total to the cent, every part is less than one cent from its
exact share, and a part whose exact share is a whole number of cents gets exactly that.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction


def exact_shares(total_cents: int, weights: Mapping[str, int]) -> dict[str, Fraction]:
    """Each part's exact share of ``total_cents``, as a fraction of cents."""
    whole = _checked_sum(total_cents, weights)
    return {name: Fraction(total_cents * weight, whole) for name, weight in weights.items()}


def split_cents(total_cents: int, weights: Mapping[str, int]) -> dict[str, int]:
    """``total_cents`` split in proportion to ``weights`` by the largest remainder rule."""
    whole = _checked_sum(total_cents, weights)
    parts: dict[str, int] = {}
    remainders: dict[str, int] = {}  # in units of 1/whole cent
    for name, weight in weights.items():
        parts[name], remainders[name] = divmod(total_cents * weight, whole)
    left = total_cents - sum(parts.values())
    first = sorted(weights, key=lambda name: (-remainders[name], -weights[name], name))
    for name in first[:left]:
        parts[name] += 1
    return parts


def _checked_sum(total_cents: int, weights: Mapping[str, int]) -> int:
    if total_cents < 0:
        raise ValueError(f"cannot split a negative amount ({total_cents} cents)")
    negative = sorted(name for name, weight in weights.items() if weight < 0)
    if negative:
        raise ValueError(f"negative weights: {', '.join(negative)}")
    whole = sum(weights.values())
    if whole == 0:
        raise ValueError("cannot split by weights that are all zero")
    return whole
